"""Page numbers and stamps: a short line of text in a corner or margin of each page, kept vector.

The text is typeset once per distinct (page size, text) by fpdf2 into an
overlay PDF, in the font of `core.fonts` (Latin, Greek, Cyrillic, Vietnamese).
Each overlay page becomes a form XObject (`pdf.xobject.FormCache`) that
is drawn after the page's own content: the page's drawing instructions are not
parsed or rewritten, only wrapped in q … Q so that what they leave behind does
not move the stamp. The form is placed with the inverse of the page's display
transform, so the text reads upright where a reader shows the page, whatever its
/Rotate and crop box. Everything else of the document (links, bookmarks, forms,
metadata) is kept.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

from core.errors import LimitExceeded
from core.fonts import check_printable, text_font
from core.progress import ProgressCallback, no_progress
from pdf.compose import draw_form, save
from pdf.layout import MM, Matrix, PageBox, Rect, placement_matrix
from pdf.marks import StampSpec
from pdf.ranges import parse_ranges
from pdf.source import READ_ERRORS, open_source, read_failure, source_box
from pdf.xobject import FormCache

# A stamp that does not fit across a small page is shrunk, but not below this size.
SMALLEST_FITTED_PT = 5.0
_FONT = "stamp"


@dataclass(frozen=True)
class StampResult:
    """What a stamp run did."""

    pages: int  # pages of the document
    stamped_pages: int
    overlays: int  # distinct (size, text) overlays typeset
    font: str  # file name of the font used


def stamp_text(template: str, number: int, total: int) -> str:
    """The template with {page} and {pages} filled in; any other braces stay as typed."""
    return template.replace("{pages}", str(total)).replace("{page}", str(number))


def stamp(
    src: Path,
    out: Path,
    spec: StampSpec,
    progress: ProgressCallback = no_progress,
    name: str | None = None,
) -> StampResult:
    """Write `src` to `out` with `spec`'s text on the pages it names; `name` is what the teacher calls the file."""
    name = name or src.name
    font = text_font()
    check_printable(stamp_text(spec.text, 0, 0), font)
    reader = open_source(src)
    page_count = len(reader.pages)
    # Numbers run through the document in page order, whatever order the pages were typed in.
    chosen = sorted(set(parse_ranges(spec.pages, page_count)))
    last = spec.first_number + len(chosen) - 1
    boxes = {index: source_box(reader, index, name) for index in chosen}
    texts = {index: stamp_text(spec.text, spec.first_number + k, last) for k, index in enumerate(chosen)}
    keys = {index: (*_rounded(boxes[index].size), texts[index]) for index in chosen}
    overlay_keys = list(dict.fromkeys(keys.values()))
    total = len(chosen) + 2
    progress(0, total, "Setting the text")
    overlay = PdfReader(io.BytesIO(_typeset(overlay_keys, spec, font)))
    try:
        writer = PdfWriter(clone_from=reader)
    except READ_ERRORS as exc:
        raise read_failure(exc, name, f"{name} is damaged and could not be copied.") from exc
    forms = FormCache(overlay, writer, "the stamp")
    overlay_page = {key: k for k, key in enumerate(overlay_keys)}
    push = writer._add_object(_stream(b"q\n"))
    placed: dict[tuple[Matrix, int, str], IndirectObject] = {}
    for done, index in enumerate(chosen, start=1):
        page = writer.pages[index]
        form = forms.form(overlay_page[keys[index]])
        label = _free_name(page)
        matrix = _display_to_page(boxes[index])
        cache_key = (matrix, form.idnum, label)
        if cache_key not in placed:
            draw = b"Q " + draw_form(matrix, label) + b"\n"
            placed[cache_key] = writer._add_object(_stream(draw))
        try:
            _append(page, push, placed[cache_key], label, form)
        except READ_ERRORS as exc:
            page = f"Page {index + 1} of {name}"
            raise read_failure(exc, page, f"{page} is damaged and could not be stamped.") from exc
        progress(done, total, f"Writing on page {done} of {len(chosen)}")
    progress(len(chosen) + 1, total, "Saving the file")
    try:
        save(writer, out)
    except READ_ERRORS as exc:
        raise read_failure(exc, name, f"{name} is damaged and could not be copied.") from exc
    progress(total, total, "Done")
    return StampResult(page_count, len(chosen), len(overlay_keys), font.name)


def _typeset(keys: list[tuple[float, float, str]], spec: StampSpec, font: Path) -> bytes:
    """One overlay page per (width, height, text), the text placed as `spec` says, in the displayed frame."""
    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_font(_FONT, fname=str(font))
    vertical, horizontal = spec.position.split("-")
    margin = spec.margin_mm * MM
    for width, height, text in keys:
        pdf.add_page(format=(width, height))
        size = spec.font_size
        pdf.set_font(_FONT, size=size)
        text_width = pdf.get_string_width(text)
        room = width - 2 * margin
        if text_width > room:
            size = size * room / text_width if room > 0 else 0
            if size < SMALLEST_FITTED_PT:
                raise LimitExceeded(
                    f"“{text}” does not fit across a page {width / MM:.0f} mm wide.",
                    hint="Shorten the text, choose a smaller size or smaller margins.",
                )
            pdf.set_font(_FONT, size=size)
            text_width = pdf.get_string_width(text)
        ascent = pdf.current_font.desc.ascent / 1000 * size
        descent = -pdf.current_font.desc.descent / 1000 * size
        if height < 2 * margin + ascent + descent:
            raise LimitExceeded(
                f"The text does not fit on a page {height / MM:.0f} mm high.",
                hint="Choose a smaller size or smaller margins.",
            )
        x = {"left": margin, "centre": (width - text_width) / 2, "right": width - margin - text_width}[
            horizontal
        ]
        # fpdf2 measures from the top of the page, to the baseline.
        y = margin + ascent if vertical == "top" else height - margin - descent
        pdf.text(x, y, text)
    return bytes(pdf.output())


def _display_to_page(box: PageBox) -> Matrix:
    """The matrix from the page as displayed (upright, origin bottom left) to its own user space."""
    width, height = box.size
    a, b, c, d, e, f = placement_matrix(box, Rect(0, 0, width, height))
    det = a * d - b * c
    return (d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det)


def _append(
    page: PageObject, push: IndirectObject, draw: IndirectObject, label: str, form: IndirectObject
) -> None:
    contents = page.get("/Contents")
    resolved = contents.get_object() if contents is not None else None
    if isinstance(resolved, ArrayObject):
        parts = list(resolved)
    elif isinstance(resolved, StreamObject):
        parts = [contents]
    else:
        parts = []
    page[NameObject("/Contents")] = ArrayObject([push, *parts, draw])
    # A fresh resource dictionary per page: the old one may be shared with pages that get another stamp.
    resources = DictionaryObject(_resources(page))
    xobjects = DictionaryObject(_xobjects(page))
    xobjects[NameObject(label)] = form
    resources[NameObject("/XObject")] = xobjects
    page[NameObject("/Resources")] = resources


def _free_name(page: PageObject) -> str:
    taken = _xobjects(page)
    label, n = "/TPStamp", 1
    while label in taken:
        n += 1
        label = f"/TPStamp{n}"
    return label


def _resources(page: PageObject) -> DictionaryObject:
    resources = page.get_inherited("/Resources", None)
    resources = resources.get_object() if resources is not None else None
    return resources if isinstance(resources, DictionaryObject) else DictionaryObject()


def _xobjects(page: PageObject) -> DictionaryObject:
    xobjects = _resources(page).get("/XObject")
    xobjects = xobjects.get_object() if xobjects is not None else None
    return xobjects if isinstance(xobjects, DictionaryObject) else DictionaryObject()


def _stream(data: bytes) -> StreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def _rounded(size: tuple[float, float]) -> tuple[float, float]:
    return (round(size[0], 2), round(size[1], 2))
