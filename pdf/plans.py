"""What a PDF operation will make, worked out from page counts and choices alone.

No file is opened and no PDF library is loaded here, so that the pages can say what a
job will make (and refuse what it would refuse) before the button, and the operations
(`pdf.arrange`, `pdf.booklet`, `pdf.named_copies`) follow the very same plan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from core.errors import BadPageRange, EmptyDocument, LimitExceeded
from pdf.layout import normalise_rotation
from pdf.limits import MAX_SHEETS, MAX_SIGNATURE_SHEETS
from pdf.ranges import parse_arrangement, parse_range_groups, parse_ranges

# One output sheet: the 0-based page index in each cell, None for an empty cell.
Sheet = Sequence[int | None]

# Files one run may combine.
MAX_SOURCES = 200


@dataclass(frozen=True)
class ArrangePlan:
    """What to do with the pages, in plain JSON values so that it can cross the queue as a dict."""

    pages: tuple[str, ...] = ()  # per file, the pages to keep ("all" where missing or empty)
    drop: tuple[str, ...] = ()  # per file, pages to leave out ("" for none)
    order: str = ""  # a page list over the combined kept pages; empty keeps their order
    rotate_all: int = 0  # degrees clockwise, a multiple of 90
    rotate: tuple[tuple[str, int], ...] = ()  # (page list, degrees clockwise)
    blank_after: tuple[int, ...] = ()
    duplex: bool = False

    def __post_init__(self) -> None:
        for angle in (self.rotate_all, *(angle for _, angle in self.rotate)):
            if isinstance(angle, bool) or not isinstance(angle, int) or angle % 90:
                raise ValueError(f"pages turn by multiples of 90 degrees, not {angle!r}")
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in self.blank_after):
            raise ValueError(f"blank_after takes page numbers from 0, not {self.blank_after!r}")

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON values: lists instead of tuples."""
        return {
            "pages": list(self.pages),
            "drop": list(self.drop),
            "order": self.order,
            "rotate_all": self.rotate_all,
            "rotate": [[text, angle] for text, angle in self.rotate],
            "blank_after": list(self.blank_after),
            "duplex": self.duplex,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArrangePlan:
        """The plan from `to_dict`'s output (after a JSON round trip); unknown keys are refused."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown arrange options: {sorted(unknown)}")
        return cls(
            pages=tuple(str(text) for text in data.get("pages", ())),
            drop=tuple(str(text) for text in data.get("drop", ())),
            order=str(data.get("order", "")),
            rotate_all=int(data.get("rotate_all", 0)),
            rotate=tuple((str(text), int(angle)) for text, angle in data.get("rotate", ())),
            blank_after=tuple(int(n) for n in data.get("blank_after", ())),
            duplex=bool(data.get("duplex", False)),
        )


@dataclass(frozen=True)
class Slot:
    """One page of the result: a source page, turned by `rotate`, or (blank) a blank page of its size."""

    source: int
    page: int
    rotate: int = 0
    blank: bool = False
    padding: bool = False  # a blank page added to start each file on a front side


def plan_slots(
    page_counts: Sequence[int], plan: ArrangePlan, names: Sequence[str] | None = None
) -> list[Slot]:
    """The pages of the result, worked out from the page counts alone (no file is read)."""
    names = list(names) if names is not None else [f"file {n}" for n in range(1, len(page_counts) + 1)]
    if not page_counts:
        raise EmptyDocument("There are no files to arrange.", hint="Add at least one PDF.")
    if len(page_counts) > MAX_SOURCES:
        raise LimitExceeded(f"{len(page_counts):,} files were given; the limit is {MAX_SOURCES}.")
    if len(plan.pages) > len(page_counts) or len(plan.drop) > len(page_counts):
        raise ValueError("the plan names more files than were given")
    kept: list[tuple[int, int]] = []
    for number, count in enumerate(page_counts):
        document = names[number] if len(page_counts) > 1 else "this PDF"
        chosen = parse_ranges(_text(plan.pages, number) or "all", count, document)
        drop = _text(plan.drop, number)
        dropped = set(parse_ranges(drop, count, document)) if drop else set()
        kept.extend((number, index) for index in chosen if index not in dropped)
    if not kept:
        raise EmptyDocument("No pages are left to arrange.", hint="Keep at least one page.")
    # The arrangement over the kept pages: their order, turns and blank pages (None).
    arranged: list[tuple[tuple[int, int] | None, int]] = [(page, 0) for page in kept]
    if plan.order.strip():
        arranged = [
            (kept[p.index] if p.index is not None else None, p.turn)
            for p in parse_arrangement(plan.order, len(kept), "the selection")
        ]
    if all(page is None for page, _ in arranged):
        raise EmptyDocument("Only blank pages are left to arrange.", hint="Keep at least one page.")
    turns = [plan.rotate_all + turn for _, turn in arranged]
    for text, angle in plan.rotate:
        for k in parse_ranges(text, len(arranged), "the selection"):
            turns[k] += angle
    placed = [
        Slot(page[0], page[1], normalise_rotation(turn)) if page is not None else None
        for (page, _), turn in zip(arranged, turns, strict=True)
    ]
    # A blank page takes the shape of the page before it (at the start: of the first page).
    slots: list[Slot] = []
    for slot in placed:
        like = slots[-1] if slots else next(s for s in placed if s is not None)
        slots.append(slot if slot is not None else replace(like, blank=True))
    for after in sorted(plan.blank_after, reverse=True):
        if after > len(slots):
            raise BadPageRange(
                f"A blank page cannot go after page {after}: the arranged document has {len(slots)} pages."
            )
        like = slots[max(after - 1, 0)]
        slots.insert(after, Slot(like.source, like.page, like.rotate, blank=True))
    if plan.duplex:
        slots = _pad_for_duplex(slots)
    if len(slots) > MAX_SHEETS:
        raise LimitExceeded(f"The result would have {len(slots):,} pages; the limit is {MAX_SHEETS:,}.")
    return slots


def _pad_for_duplex(slots: list[Slot]) -> list[Slot]:
    padded: list[Slot] = []
    for slot in slots:
        if padded and slot.source != padded[-1].source and len(padded) % 2:
            padded.append(_blank_like(padded[-1]))
        padded.append(slot)
    if len(padded) % 2:
        padded.append(_blank_like(padded[-1]))
    return padded


def _blank_like(slot: Slot) -> Slot:
    return Slot(slot.source, slot.page, slot.rotate, blank=True, padding=True)


def _text(texts: tuple[str, ...], number: int) -> str:
    return texts[number].strip() if number < len(texts) else ""


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


# Pages of the worksheet of a class set, and pages of one print file.
MAX_WORKSHEET_PAGES = 200
MAX_PRINT_PAGES = 20_000


def check_worksheet_pages(pages: int, name: str) -> None:
    """Refuse a worksheet longer than a class set takes (the page checks this before its button)."""
    if pages > MAX_WORKSHEET_PAGES:
        raise LimitExceeded(
            f"{name} has {pages:,} pages; a worksheet for a class set can have at most {MAX_WORKSHEET_PAGES}.",
            "Choose a shorter worksheet, or only the pages the students need.",
        )


def check_print_pages(total: int) -> None:
    """Refuse a print file longer than one class set may make."""
    if total > MAX_PRINT_PAGES:
        raise LimitExceeded(
            f"The print file would have {total:,} pages; the limit is {MAX_PRINT_PAGES:,}.",
            "Make the class set for fewer students, or a shorter worksheet, at a time.",
        )


def padded_pages(pages: int, per_sheet: int = 1, duplex: bool = False) -> int:
    """Pages of one copy once padded so that the next copy starts on a fresh sheet of paper."""
    unit = max(1, per_sheet) * (2 if duplex else 1)
    return -(-pages // unit) * unit


def check_sheets(sheets: Sequence[Sheet], n: int, page_count: int) -> None:
    """Raise if the sheets do not fit the layout or name pages the file lacks."""
    if not sheets:
        raise EmptyDocument("There are no sheets to make.", hint="Choose at least one page.")
    if len(sheets) > MAX_SHEETS:
        raise LimitExceeded(f"This would make {len(sheets):,} sheets; the limit is {MAX_SHEETS:,}.")
    for number, sheet in enumerate(sheets, start=1):
        if len(sheet) > n:
            raise ValueError(f"sheet {number} has {len(sheet)} cells; the layout has {n}")
        for index in sheet:
            if index is not None and not 0 <= index < page_count:
                raise ValueError(f"sheet {number} names page index {index}; the file has {page_count} pages")


# Parts one split may make (one per page of the largest accepted PDF).
MAX_PARTS = 5000


def split_groups(page_count: int, every: int | None = None, ranges: str | None = None) -> list[list[int]]:
    """The 0-based page indexes of each part: `every` N pages, one part per item of `ranges`, or one per page."""
    if every is not None and ranges is not None:
        raise ValueError("give either every or ranges, not both")
    if ranges is not None:
        groups = parse_range_groups(ranges, page_count)
    else:
        n = 1 if every is None else every
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"every must be a whole number of pages from 1, not {every!r}")
        groups = [list(range(start, min(start + n, page_count))) for start in range(0, page_count, n)]
    if len(groups) > MAX_PARTS:
        raise LimitExceeded(f"This would make {len(groups):,} files; the limit is {MAX_PARTS:,}.")
    written = sum(len(group) for group in groups)
    if written > MAX_SHEETS:
        raise LimitExceeded(f"The parts would hold {written:,} pages in all; the limit is {MAX_SHEETS:,}.")
    return groups


def repeated_sheets(chosen: Sequence[int], n: int) -> list[Sheet]:
    """Each chosen page fills a sheet of its own, `n` times (exit tickets, labels)."""
    return [[index] * n for index in chosen]


def cut_and_stack_sheets(chosen: Sequence[int], n: int) -> list[Sheet]:
    """The chosen pages placed so that the sheets, cut into `n` piles and the piles stacked (the
    first place's pile on top), give the pages back in order: numbered cards come out in order.

    With S sheets, place c of sheet s holds page c·S + s; the last piles may end early.
    """
    sheets = -(-len(chosen) // n)
    return [
        [chosen[c * sheets + s] if c * sheets + s < len(chosen) else None for c in range(n)]
        for s in range(sheets)
    ]


def two_sided_cards(chosen: Sequence[int], n: int, behind: Sequence[int]) -> list[Sheet]:
    """Two-sided cards in cut-and-stack order: the chosen pages go in pairs (front, back); each
    front sheet is followed by its back, where each back sits behind its front (`behind[place]`:
    the place on the back of the sheet behind `place`)."""
    fronts, backs = list(chosen[0::2]), list(chosen[1::2])
    sheets: list[Sheet] = []
    for front in cut_and_stack_sheets(list(range(len(fronts))), n):
        back: list[int | None] = [None] * n
        for place, card in enumerate(front):
            if card is not None and card < len(backs):
                back[behind[place]] = backs[card]
        sheets += [[None if card is None else fronts[card] for card in front], back]
    return sheets
