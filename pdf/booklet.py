"""Booklets: saddle-stitch imposition, two pages per side, for printing on both sides.

Sheets are landscape with two pages side by side. The output is in printing
order: front of sheet 1, back of sheet 1, front of sheet 2, and so on, ready for
duplex printing flipped on the short edge. Blank pages pad the end of the
document (of each signature) to a multiple of four. Long documents can be split
into signatures: small booklets, each folded on its own, stacked, then bound.
Links, comments and form fields of the source pages are not carried over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from core.progress import ProgressCallback, no_progress
from pdf.compose import write_sheets
from pdf.layout import grid_layout
from pdf.limits import MAX_SIGNATURE_SHEETS
from pdf.printing import PrintSetup
from pdf.source import open_source

# Outer margin, and the gutter either side of the fold (gap = twice that).
BOOKLET_MARGIN_MM = 5
BOOKLET_FOLD_GAP_MM = 10

Side = tuple[int | None, int | None]


@dataclass(frozen=True)
class BookletPlan:
    """The sides of a booklet in printing order, as (left, right) 0-based page indexes or None for blank."""

    sides: list[Side]
    signatures: list[int]  # sheets of paper in each signature
    blank_pages_added: int

    @property
    def sheets(self) -> int:
        return len(self.sides) // 2


@dataclass(frozen=True)
class BookletResult:
    """What a booklet run made: the counts a teacher prints and pays for, and how to print it."""

    source_pages: int
    sheets: int  # sheets of paper
    sides: int  # printed sides = pages of the output file
    blank_pages_added: int
    signatures: int
    paper: str
    printing: PrintSetup  # both sides, flipped on the short edge, at actual size
    finishing: list[str]  # what to do once printed: sheets needed, folding, binding

    @property
    def instructions(self) -> str:
        """How to print, fold and bind the booklet, in a teacher's words."""
        return "\n".join(self.printing.steps() + self.finishing)


def plan_booklet(page_count: int, signature_sheets: int | None = None) -> BookletPlan:
    """Saddle-stitch order for `page_count` pages, in one booklet or signatures of `signature_sheets`."""
    if page_count < 1:
        raise ValueError("a booklet needs at least one page")
    if signature_sheets is not None and not 1 <= signature_sheets <= MAX_SIGNATURE_SHEETS:
        raise ValueError(f"signature_sheets must be between 1 and {MAX_SIGNATURE_SHEETS}")
    chunk = page_count if signature_sheets is None else 4 * signature_sheets
    sides: list[Side] = []
    signatures: list[int] = []
    for start in range(0, page_count, chunk):
        pages = list(range(start, min(start + chunk, page_count)))
        padded = math.ceil(len(pages) / 4) * 4
        slots: list[int | None] = pages + [None] * (padded - len(pages))
        for i in range(padded // 4):
            # Outermost sheet first: its front holds the last and first pages, its back the second
            # and the second-to-last. With a short-edge flip the back needs no turning round.
            sides.append((slots[padded - 1 - 2 * i], slots[2 * i]))
            sides.append((slots[2 * i + 1], slots[padded - 2 - 2 * i]))
        signatures.append(padded // 4)
    blanks = sum(left is None for left, _ in sides) + sum(right is None for _, right in sides)
    return BookletPlan(sides, signatures, blanks)


def booklet(
    src: Path,
    out: Path,
    paper: str = "A4",
    signature_sheets: int | None = None,
    progress: ProgressCallback = no_progress,
) -> BookletResult:
    """Impose `src` as a saddle-stitched booklet on `paper` folded in half."""
    reader = open_source(src)
    page_count = len(reader.pages)
    plan = plan_booklet(page_count, signature_sheets)
    layout = grid_layout(paper, "landscape", 2, 1, BOOKLET_MARGIN_MM, BOOKLET_FOLD_GAP_MM)
    sheets = [list(side) for side in plan.sides]
    written = write_sheets(
        reader, src.name, out, layout, sheets, borders=False, progress=progress, two_sided=True
    )
    return BookletResult(
        source_pages=page_count,
        sheets=plan.sheets,
        sides=len(plan.sides),
        blank_pages_added=plan.blank_pages_added,
        signatures=len(plan.signatures),
        paper=layout.paper,
        printing=written.printing,
        finishing=finishing(plan, layout.paper),
    )


def finishing(plan: BookletPlan, paper: str) -> list[str]:
    """The paper a booklet needs and how to fold and bind it, in a teacher's words."""
    sheets = plan.sheets
    lines = [f"You need {sheets} sheet{'s' if sheets != 1 else ''} of {paper} paper."]
    if len(plan.signatures) == 1:
        lines.append(
            "Keep the sheets in the order they come out, fold the stack in the middle "
            "and staple along the fold."
        )
    else:
        sizes = ", ".join(str(s) for s in plan.signatures)
        lines.append(
            f"The booklet is made of {len(plan.signatures)} parts (signatures) of {sizes} sheets, in the order "
            "they come out. Fold each part in the middle on its own, stack the folded parts in order, "
            "then staple or sew them together along the folds."
        )
    if plan.blank_pages_added:
        blanks = plan.blank_pages_added
        lines.append(
            f"{blanks} blank page{'s were' if blanks != 1 else ' was'} added at the end "
            "so that the pages fill whole sheets."
        )
    return lines
