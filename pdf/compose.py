"""Writing sheets: each sheet draws source pages, as form XObjects, into the cells of a layout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from core.files import atomic_path
from core.progress import ProgressCallback
from pdf.cut_marks import draw_cut_marks
from pdf.layout import Layout, Matrix, placement_matrix
from pdf.plans import Sheet, check_sheets
from pdf.printing import PrintSetup
from pdf.xobject import FormCache

# Thin grey cell borders: 0.4 pt wide, 60 % grey.
_BORDER_STYLE = b"0.4 w 0.6 G"


@dataclass(frozen=True)
class Written:
    """Counts of what `write_sheets` put in the file."""

    sheets: int
    placed_pages: int
    blank_cells: int
    printing: PrintSetup


def write_sheets(
    reader: PdfReader,
    name: str,
    out: Path,
    layout: Layout,
    sheets: Sequence[Sheet],
    borders: bool,
    progress: ProgressCallback,
    two_sided: bool = False,
    cut_marks: bool = False,
) -> Written:
    """Write one output page per sheet, each source page drawn upright and centred in its cell
    (with `cut_marks`, marks in the outer margin where the cells begin and end).

    The sheets are made to the paper, so the file asks to be printed at actual size.
    """
    check_sheets(sheets, layout.n, len(reader.pages))
    writer = PdfWriter()
    forms = FormCache(reader, writer, name)
    total_pages = sum(index is not None for sheet in sheets for index in sheet)
    placed = 0
    marks = draw_cut_marks(layout) if cut_marks else b""
    for number, sheet in enumerate(sheets, start=1):
        page = writer.add_blank_page(width=layout.width, height=layout.height)
        ops: list[bytes] = []
        xobjects = DictionaryObject()
        for slot, (cell, index) in enumerate(zip(layout.cells, sheet, strict=False)):
            if index is None:
                continue
            label = f"/P{slot}"
            xobjects[NameObject(label)] = forms.form(index)
            matrix = placement_matrix(forms.box(index), cell)
            ops.append(draw_form(matrix, label))
        if borders:
            ops.append(b"q " + _BORDER_STYLE)
            ops.extend(b"%s re" % _numbers((c.x, c.y, c.w, c.h)) for c in layout.cells)
            ops.append(b"S Q")
        if marks:
            ops.append(marks)
        content = DecodedStreamObject()
        content.set_data(b"\n".join(ops) + b"\n")
        page[NameObject("/Contents")] = writer._add_object(content.flate_encode())
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): xobjects})
        first, placed = placed + 1, placed + len(xobjects)
        if xobjects:
            progress(number, len(sheets) + 1, f"Placing pages {first}–{placed} of {total_pages}")
        else:
            progress(number, len(sheets) + 1, f"Adding blank sheet {number} of {len(sheets)}")
    writer.pdf_header = newest_header(writer.pdf_header, reader.pdf_header, "%PDF-1.4")
    progress(len(sheets), len(sheets) + 1, "Saving the file")
    printing = PrintSetup.of(writer, two_sided, actual_size=True)
    save(writer, out, printing)
    progress(len(sheets) + 1, len(sheets) + 1, "Done")
    return Written(len(sheets), placed, len(sheets) * layout.n - placed, printing)


def save(writer: PdfWriter, out: Path, printing: PrintSetup | None = None) -> None:
    """Write `out` atomically through the file store: a crash never leaves half a file under its name.

    A print file's `printing` setup goes into the PDF, for print dialogs to read.
    """
    if printing is not None:
        printing.mark(writer)
    with atomic_path(out) as tmp, open(tmp, "wb") as fh:
        writer.write(fh)


def draw_form(matrix: Matrix, name: str) -> bytes:
    """The content operators that draw the form XObject `name` (e.g. "/P0") placed by `matrix`."""
    return b"q %s cm %s Do Q" % (_numbers(matrix), name.encode())


def _numbers(values: Matrix | tuple[float, ...]) -> bytes:
    return b" ".join(_number(v) for v in values)


def _number(value: float) -> bytes:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return b"0" if text in ("", "-0") else text.encode()


def newest_header(*headers: str) -> str:
    """The newest of some PDF headers ("%PDF-1.7"): what a file drawing pages of others declares."""
    return max(headers, key=_version)


def _version(header: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in header.removeprefix("%PDF-").split("."))
    except ValueError:
        return (1, 3)
