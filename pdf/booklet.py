"""Booklets: saddle-stitch imposition, two pages per side, for printing on both sides.

Sheets are landscape with two pages side by side. The output is in printing
order: front of sheet 1, back of sheet 1, front of sheet 2, and so on, ready for
duplex printing flipped on the short edge. Blank pages pad the end of the
document (of each signature) to a multiple of four. Long documents can be split
into signatures: small booklets, each folded on its own, stacked, then bound.
Links, comments and form fields of the source pages are not carried over.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.progress import ProgressCallback, no_progress
from pdf.compose import write_sheets
from pdf.layout import grid_layout
from pdf.plans import BOOKLET_FOLD_GAP_MM, BOOKLET_MARGIN_MM, BookletPlan, plan_booklet
from pdf.printing import PrintSetup
from pdf.source import open_source


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
