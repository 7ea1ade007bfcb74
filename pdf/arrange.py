"""Merge & arrange: choose, drop, reorder and rotate pages of one or more PDFs, add blank pages.

Pages are copied as they are (text stays text, nothing is rasterised); a turned
page only gets a new /Rotate. The steps run in this order:

1. per file, keep the pages of `pages` (all by default) minus those of `drop`;
2. put the kept pages of all files one after another;
3. `order`, a page list over that combined run, reorders (and may repeat or leave out) pages;
4. turn pages: `rotate_all` every page, `rotate` the pages its lists name;
5. insert a blank page after each page number of `blank_after` (0: before the first page);
6. with `duplex`, pad with blanks so that every file starts on the front of a sheet.

Page numbers in steps 4 and 5 count the pages of step 3, before any blank is added.
A blank page has the size of the page it follows (or, at the start, of the first page).
Bookmarks and form fields of the sources are not carried over; links and comments are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, NumberObject

from core.errors import BadPageRange, EmptyDocument, LimitExceeded
from core.progress import ProgressCallback, no_progress
from pdf.compose import save
from pdf.layout import normalise_rotation
from pdf.limits import MAX_SHEETS
from pdf.printing import PrintSetup
from pdf.ranges import parse_ranges
from pdf.source import READ_ERRORS, open_source, read_failure, source_box

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


@dataclass(frozen=True)
class ArrangeResult:
    """What an arrange run made."""

    pages: int  # pages of the output file
    source_pages: int  # pages across all sources
    copied_pages: int  # source pages in the output (a repeated page counts each time)
    blank_pages: int  # blanks asked for
    padding_pages: int  # blanks added so that each file starts on a front side
    names: list[str] = field(default_factory=list)  # the source files, in order
    printing: PrintSetup | None = None  # how to print it, when it was padded for both sides


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
    if plan.order.strip():
        kept = [kept[k] for k in parse_ranges(plan.order, len(kept), "the selection")]
    turns = [plan.rotate_all] * len(kept)
    for text, angle in plan.rotate:
        for k in parse_ranges(text, len(kept), "the selection"):
            turns[k] += angle
    slots = [
        Slot(source, page, normalise_rotation(turn)) for (source, page), turn in zip(kept, turns, strict=True)
    ]
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


def arrange(
    sources: list[Path],
    out: Path,
    plan: ArrangePlan,
    progress: ProgressCallback = no_progress,
    names: list[str] | None = None,
) -> ArrangeResult:
    """Write the pages of `sources` as `plan` arranges them to `out`; `names` are what the teacher calls the files."""
    names = names if names is not None else [path.name for path in sources]
    readers = [open_source(path) for path in sources]
    counts = [len(reader.pages) for reader in readers]
    slots = plan_slots(counts, plan, names)
    asked = len(plan.blank_after)
    writer = PdfWriter()
    total = len(slots) + 1
    for number, slot in enumerate(slots, start=1):
        try:
            _add(writer, readers[slot.source], names[slot.source], slot)
        except READ_ERRORS as exc:
            page = f"Page {slot.page + 1} of {names[slot.source]}"
            raise read_failure(exc, page, f"{page} is damaged and could not be copied.") from exc
        progress(number, total, f"Arranging page {number} of {len(slots)}")
    progress(len(slots), total, "Saving the file")
    # Pages keep their own sizes: only a file padded for both sides is marked how to print.
    printing = PrintSetup.of(writer, two_sided=True, actual_size=False) if plan.duplex else None
    try:
        save(writer, out, printing)
    except READ_ERRORS as exc:
        # Parts of a page (fonts, images) are only read when the file is written.
        which = names[0] if len(names) == 1 else "One of the files"
        raise read_failure(exc, which, f"{which} is damaged and could not be copied.") from exc
    progress(total, total, "Done")
    blanks = sum(slot.blank for slot in slots)
    return ArrangeResult(
        pages=len(slots),
        source_pages=sum(counts),
        copied_pages=len(slots) - blanks,
        blank_pages=asked,
        padding_pages=blanks - asked,
        names=list(names),
        printing=printing,
    )


def _add(writer: PdfWriter, reader: PdfReader, name: str, slot: Slot) -> None:
    box = source_box(reader, slot.page, name)
    if slot.blank:
        width, height = box.size
        if slot.rotate in (90, 270):
            width, height = height, width
        writer.add_blank_page(width=width, height=height)
        return
    page = writer.add_page(reader.pages[slot.page])
    if slot.rotate:
        page[NameObject("/Rotate")] = NumberObject(normalise_rotation(box.rotation + slot.rotate))


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
    return Slot(slot.source, slot.page, slot.rotate, blank=True)


def _text(texts: tuple[str, ...], number: int) -> str:
    return texts[number].strip() if number < len(texts) else ""
