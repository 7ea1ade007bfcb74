"""Named copies: one worksheet, many copies that differ only in a one-line label such as a name.

How it stays fast and within bounded memory, whatever the number of copies:

1. Every label is typeset once, all together, by fpdf2 into `labels.pdf`: one page
   per (label, page size), one font subset for every name (Noto Sans: Latin with
   accents, Greek, Cyrillic, Vietnamese).
2. The worksheet's pages become form XObjects (`pdf.xobject.FormCache`) in a
   labelled template, `base.pdf`: each page draws its worksheet page, shrunk if asked
   so that a band is left for the label, then a "slot" stream (empty in the base) that
   will hold the label. The label font is already in the template's resources.
3. A copy is `base.pdf` as it is, plus an incremental update (ISO 32000 §7.5.6) that
   redefines only the slot streams with that copy's label: a few hundred bytes per
   copy, and the worksheet is never parsed or written again.
4. The print file draws the template's forms on every page and adds only each copy's
   label stream, so the worksheet is stored in it once, however many copies.

The worksheet's text stays text (vector, selectable). Links, comments and form
fields of the worksheet are not carried over (see `pdf.xobject`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from core.errors import DamagedFile, EmptyDocument
from core.files import atomic_path, atomic_write_bytes
from core.fonts import text_font
from core.progress import ProgressCallback, no_progress
from pdf.compose import draw_form, newest_header, save
from pdf.layout import MM, Rect, placement_matrix
from pdf.marks import LabelStyle
from pdf.plans import check_print_pages, check_worksheet_pages
from pdf.printing import PrintSetup
from pdf.source import READ_ERRORS, open_source, read_failure
from pdf.xobject import FormCache

# A label too long for the page is shrunk to this size at the smallest, then shortened with "…".
SMALLEST_FITTED_PT = 5.0
# Space between the label and the shrunk worksheet.
BAND_GAP_MM = 2.0
# Never shrink the worksheet below this, however large the label.
MIN_SCALE = 0.8
_FONT = "label"
_SHEET = "/TPSheet"


@dataclass
class Template:
    """The labelled template and the labels, as files in one folder, described in JSON values."""

    folder: str
    pages: int  # worksheet pages in each copy
    copies: int  # labels typeset
    sizes: list[list[float]]  # distinct page sizes (width, height in points)
    page_size: list[int]  # per page: its index in `sizes`
    slots: list[int]  # per size: object number of the label slot in base.pdf
    scale: list[float]  # per size: how much the worksheet was shrunk
    annotated_pages: int = 0  # worksheet pages whose links, comments or form fields were left out
    fitted: list[int] = field(default_factory=list)  # labels set smaller to fit across the page
    shortened: list[int] = field(default_factory=list)  # labels cut with "…" even at the smallest size

    @property
    def base(self) -> Path:
        return Path(self.folder) / "base.pdf"

    @property
    def labels(self) -> Path:
        return Path(self.folder) / "labels.pdf"

    def save(self) -> Path:
        """Write the description beside the files; returns its path."""
        path = Path(self.folder) / "template.json"
        atomic_write_bytes(path, json.dumps(asdict(self)).encode(), durable=False)
        return path

    @classmethod
    def load(cls, path: Path) -> Template:
        """The template described in `path` (its folder is where `path` is now)."""
        data = json.loads(path.read_text(encoding="utf-8"))
        data["folder"] = str(path.parent)
        return cls(**data)


def make_template(
    worksheet: Path,
    labels: Sequence[str],
    folder: Path,
    style: LabelStyle,
    name: str | None = None,
    pages: Sequence[int] | None = None,
    progress: ProgressCallback = no_progress,
) -> Template:
    """Typeset every label and build the labelled template from `worksheet` (all pages, or `pages`)."""
    name = name or worksheet.name
    if not labels:
        raise EmptyDocument("There are no copies to make.", hint="Check the class list.")
    reader = open_source(worksheet)
    chosen = list(range(len(reader.pages))) if pages is None else list(pages)
    check_worksheet_pages(len(chosen), name)
    folder.mkdir(parents=True, exist_ok=True)
    writer = PdfWriter()
    forms = FormCache(reader, writer, name)
    boxes = [forms.box(index) for index in chosen]
    annotated = sum(1 for index in chosen if _has_annotations(reader, index))
    sizes: list[tuple[float, float]] = []
    page_size: list[int] = []
    for box in boxes:
        size = (round(box.size[0], 2), round(box.size[1], 2))
        if size not in sizes:
            sizes.append(size)
        page_size.append(sizes.index(size))
    progress(0, 3, "Writing the names")
    typeset = _typeset(labels, sizes, style, folder / "labels.pdf")
    progress(1, 3, "Preparing the worksheet")
    scale = [_scale(height, typeset.band, style.make_room) for _, height in sizes]
    labels_reader = PdfReader(folder / "labels.pdf")
    fonts = writer._add_object(_fonts(labels_reader, len(sizes)).clone(writer))
    slots = [writer._add_object(_stream(b"")) for _ in sizes]
    vertical = style.position.split("-")[0]
    for index, box, size_index in zip(chosen, boxes, page_size, strict=True):
        width, height = sizes[size_index]
        s = scale[size_index]
        # The worksheet keeps its place at the edge away from the label; the band opens at the label's edge.
        y = 0.0 if vertical == "top" else height * (1 - s)
        cell = Rect(width * (1 - s) / 2, y, width * s, height * s)
        draw = draw_form(placement_matrix(box, cell), _SHEET) + b"\n"
        page = writer.add_blank_page(width=width, height=height)
        page[NameObject("/Contents")] = ArrayObject(
            [writer._add_object(_stream(draw).flate_encode()), slots[size_index]]
        )
        page[NameObject("/Resources")] = DictionaryObject(
            {
                NameObject("/XObject"): DictionaryObject({NameObject(_SHEET): forms.form(index)}),
                NameObject("/Font"): fonts,
            }
        )
    writer.pdf_header = newest_header(writer.pdf_header, reader.pdf_header, "%PDF-1.4")
    progress(2, 3, "Saving the template")
    try:
        save(writer, folder / "base.pdf")
    except READ_ERRORS as exc:
        raise read_failure(exc, name, f"{name} is damaged and could not be copied.") from exc
    template = Template(
        folder=str(folder),
        pages=len(chosen),
        copies=len(labels),
        sizes=[list(size) for size in sizes],
        page_size=page_size,
        slots=[slot.idnum for slot in slots],
        scale=scale,
        annotated_pages=annotated,
        fitted=typeset.fitted,
        shortened=typeset.shortened,
    )
    template.save()
    progress(3, 3, "Template ready")
    return template


class CopyMaker:
    """Writes copies and print files from a template; opens its files once."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self._labels = PdfReader(template.labels)
        base = PdfReader(template.base)
        self._trailer = DictionaryObject(
            {NameObject(k): base.trailer.raw_get(k) for k in ("/Root", "/Info", "/ID") if k in base.trailer}
        )
        self._trailer[NameObject("/Size")] = NumberObject(base.trailer["/Size"])
        self._prev = _startxref(template.base)

    def label(self, copy: int, size_index: int) -> StreamObject:
        """The label of one copy for one page size, as a new content stream."""
        if not 0 <= copy < self.template.copies:
            raise IndexError(f"copy {copy} of {self.template.copies}")
        page = self._labels.pages[copy * len(self.template.sizes) + size_index]
        return _content_stream(page.get("/Contents"))

    def write_copy(self, copy: int, out: Path) -> None:
        """One copy as its own PDF: the template plus an update that fills in its label."""
        slots = {slot: self.label(copy, size_index) for size_index, slot in enumerate(self.template.slots)}
        with atomic_path(out, durable=False) as tmp:
            shutil.copyfile(self.template.base, tmp)
            with open(tmp, "ab") as fh:
                _append_update(fh, slots, self._trailer, self._prev)

    def write_copies(self, outs: Sequence[Path], progress: ProgressCallback = no_progress) -> None:
        """Copy `k` to `outs[k]`, for every copy."""
        for copy, out in enumerate(outs):
            self.write_copy(copy, out)
            progress(copy + 1, len(outs), f"Made copy {copy + 1} of {len(outs)}")

    def write_collated(
        self,
        order: Sequence[int],
        out: Path,
        pad_to: int = 1,
        progress: ProgressCallback = no_progress,
        two_sided: bool = False,
    ) -> CollatedResult:
        """The copies in `order`, one after the other, each padded with blank pages to a multiple of `pad_to`.

        The copies keep the worksheet's own page size, so the file asks to be printed at actual size.
        """
        t = self.template
        padded = -(-t.pages // pad_to) * pad_to
        total = len(order) * padded
        check_print_pages(total)
        base = PdfReader(t.base)
        writer = PdfWriter()
        shared: list[tuple[IndirectObject, IndirectObject]] = []
        for page in base.pages:
            drawing = page["/Contents"][0]
            resources = page["/Resources"].clone(writer)
            shared.append((drawing.clone(writer), writer._add_object(resources)))
        for done, copy in enumerate(order, start=1):
            labels: dict[int, IndirectObject] = {}
            for index, (drawing, resources) in enumerate(shared):
                size_index = t.page_size[index]
                if size_index not in labels:
                    labels[size_index] = writer._add_object(self.label(copy, size_index))
                width, height = t.sizes[size_index]
                page = writer.add_blank_page(width=width, height=height)
                page[NameObject("/Contents")] = ArrayObject([drawing, labels[size_index]])
                page[NameObject("/Resources")] = resources
            for _ in range(padded - t.pages):
                width, height = t.sizes[t.page_size[-1]]
                writer.add_blank_page(width=width, height=height)
            progress(done, len(order) + 1, f"Adding copy {done} of {len(order)}")
        writer.pdf_header = base.pdf_header
        progress(len(order), len(order) + 1, "Saving the print file")
        printing = PrintSetup.of(writer, two_sided, actual_size=True)
        save(writer, out, printing)
        progress(len(order) + 1, len(order) + 1, "Print file saved")
        return CollatedResult(total, padded, len(order) * (padded - t.pages), printing)


@dataclass(frozen=True)
class CollatedResult:
    """What a print file holds."""

    pages: int
    pages_per_copy: int  # after padding
    blank_pages: int
    printing: PrintSetup


# -- labels -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Typeset:
    band: float  # points from the edge that the label needs, gap included
    fitted: list[int]
    shortened: list[int]


def _typeset(
    labels: Sequence[str], sizes: Sequence[tuple[float, float]], style: LabelStyle, dest: Path
) -> _Typeset:
    """One page per (label, size) with the label placed as `style` says; one font subset for all."""
    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_font(_FONT, fname=str(text_font()))
    pdf.set_font(_FONT, size=style.font_size)
    ascent = pdf.current_font.desc.ascent / 1000
    descent = -pdf.current_font.desc.descent / 1000
    margin = style.margin_mm * MM
    vertical, horizontal = style.position.split("-")
    fitted: list[int] = []
    shortened: list[int] = []
    for number, label in enumerate(labels):
        for width, height in sizes:
            pdf.add_page(format=(width, height))
            text, size = _fit(pdf, label, style.font_size, width - 2 * margin)
            if size < style.font_size and number not in fitted:
                fitted.append(number)
            if text != label and number not in shortened:
                shortened.append(number)
            pdf.set_font(_FONT, size=size)
            text_width = pdf.get_string_width(text)
            x = {"left": margin, "centre": (width - text_width) / 2, "right": width - margin - text_width}
            # fpdf2 measures from the top of the page, to the baseline.
            y = margin + ascent * size if vertical == "top" else height - margin - descent * size
            pdf.text(x[horizontal], y, text)
    with atomic_path(dest, durable=False) as tmp:
        pdf.output(str(tmp))
    band = margin + (ascent + descent) * style.font_size + BAND_GAP_MM * MM
    return _Typeset(band, fitted, shortened)


def _fit(pdf: FPDF, text: str, size: float, room: float) -> tuple[str, float]:
    """The text and font size that fit across `room` points: smaller first, then shortened."""
    pdf.set_font(_FONT, size=size)
    width = pdf.get_string_width(text)
    if width <= room:
        return text, size
    smaller = size * room / width if room > 0 else 0
    if smaller >= SMALLEST_FITTED_PT:
        return text, smaller
    pdf.set_font(_FONT, size=SMALLEST_FITTED_PT)
    while len(text) > 1 and pdf.get_string_width(text + "…") > room:
        text = text[:-1].rstrip()
    return text + "…", SMALLEST_FITTED_PT


def _scale(height: float, band: float, make_room: bool) -> float:
    if not make_room or height <= 0:
        return 1.0
    return round(max(MIN_SCALE, 1 - band / height), 4)


def _has_annotations(reader: PdfReader, index: int) -> bool:
    try:
        annotations = reader.pages[index].get("/Annots")
        return bool(annotations is not None and annotations.get_object())
    except READ_ERRORS:
        return False


def _fonts(labels: PdfReader, sizes: int) -> DictionaryObject:
    """Every font the label pages use, by the name their content calls it."""
    fonts = DictionaryObject()
    # fpdf2 gives every page the same fonts; the pages of the first label hold them all.
    for page in labels.pages[:sizes]:
        resources = page.get("/Resources")
        found = resources.get_object().get("/Font") if resources is not None else None
        if found is not None:
            for key, value in found.get_object().items():
                fonts.setdefault(NameObject(key), value)
    return fonts


# -- low-level PDF pieces ---------------------------------------------------------------------------


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def _content_stream(contents: PdfObject | None) -> StreamObject:
    """A page's content as one new stream, its encoded bytes kept as they are where possible."""
    resolved = contents.get_object() if contents is not None else None
    if isinstance(resolved, StreamObject) and "/Filter" in resolved:
        stream = EncodedStreamObject()
        stream._data = resolved._data
        stream[NameObject("/Filter")] = resolved["/Filter"]
        if "/DecodeParms" in resolved:
            stream[NameObject("/DecodeParms")] = resolved["/DecodeParms"]
        return stream
    parts = [resolved] if isinstance(resolved, StreamObject) else []
    if isinstance(resolved, ArrayObject):
        parts = [p for p in (item.get_object() for item in resolved) if isinstance(p, StreamObject)]
    return _stream(b"\n".join(p.get_data() for p in parts)).flate_encode()


def _append_update(fh: BinaryIO, objects: dict[int, PdfObject], trailer: DictionaryObject, prev: int) -> None:
    """Append an incremental update that redefines `objects` (by object number) to an open PDF."""
    fh.write(b"\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = fh.tell()
        fh.write(b"%d 0 obj\n" % number)
        objects[number].write_to_stream(fh)
        fh.write(b"\nendobj\n")
    xref = fh.tell()
    # Each section starts at object 0, as some readers (pypdf among them) expect.
    fh.write(b"xref\n0 1\n0000000000 65535 f \n")
    for number in sorted(objects):
        fh.write(b"%d 1\n%010d 00000 n \n" % (number, offsets[number]))
    update = DictionaryObject(trailer)
    update[NameObject("/Prev")] = NumberObject(prev)
    fh.write(b"trailer\n")
    update.write_to_stream(fh)
    fh.write(b"\nstartxref\n%d\n%%%%EOF\n" % xref)


def _startxref(path: Path) -> int:
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        fh.seek(max(0, fh.tell() - 1024))
        tail = fh.read()
    found = re.findall(rb"startxref\s+(\d+)", tail)
    if not found:
        raise DamagedFile(
            "The class set template could not be read back.",
            hint="Press Run again… on the Jobs page to make the class set afresh.",
        )
    return int(found[-1])


def describe(template: Template) -> dict[str, Any]:
    """The template's counts as JSON values for a job record."""
    return {
        "pages_per_copy": template.pages,
        "copies": template.copies,
        "shrunk_to_pct": round(min(template.scale) * 100) if template.scale else 100,
    }
