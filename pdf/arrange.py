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

from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, NumberObject

from core.progress import ProgressCallback, no_progress
from pdf.compose import save
from pdf.layout import normalise_rotation
from pdf.plans import ArrangePlan, Slot, plan_slots
from pdf.printing import PrintSetup
from pdf.source import READ_ERRORS, open_source, read_failure, source_box


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
    asked = sum(slot.blank and not slot.padding for slot in slots)
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
