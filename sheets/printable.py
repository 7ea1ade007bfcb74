"""A sheet as a PDF table that prints well.

The rows are streamed from the file and laid out as they come, so memory
grows with the pages (at most `MAX_PAGES`), not with the sheet. The layout is
decided from the first `SAMPLE_ROWS` rows: each column's natural width is
measured in the font; the table is printed portrait when it fits, else
landscape, else landscape in a smaller type, and only then are the widest
columns narrowed and their text wrapped inside the cells. The header row
is repeated at the top of every page and each page says "Page X of Y".

Text is drawn with the app's Unicode font (`core.fonts.text_font`), which
covers Latin with accents, Greek, Cyrillic and Vietnamese. A character the
font has no drawing for is printed as "�" and listed in the notes, never
dropped silently. Numbers and dates of a workbook are shown as in a CSV
export (dates as 2011-04-03); a CSV file's cells print exactly as written.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Literal

from fpdf import FPDF
from fpdf.enums import TextMode

from core.errors import EmptyDocument, LimitExceeded
from core.files import atomic_path
from core.fonts import missing_glyphs, text_font
from core.progress import ProgressCallback, no_progress
from sheets.convert import csv_text
from sheets.detect import HEADER_SCAN_ROWS, detect_header_row
from sheets.frame import header_text
from sheets.infer import classify
from sheets.model import PAPERS
from sheets.read import open_source
from sheets.safety import DEFAULT_LIMITS, Limits
from sheets.source import Row, Source

# Rows and pages one printable table may have; a longer list is better split first.
MAX_PRINT_ROWS = 25_000
MAX_PAGES = 500
# Rows measured before the layout is decided.
SAMPLE_ROWS = 500
# Rows between two progress reports.
REPORT_EVERY = 500
# Rows laid out before the pages of the whole sheet are foreseen (and too many refused early).
PROJECT_AFTER = 200
# Type sizes tried, largest first (points).
FONT_SIZES = (10.0, 9.0, 8.0)
TITLE_SIZE, FOOTER_SIZE = 13.0, 8.0
# Sizes on the page, in millimetres.
MARGIN = 10.0
PAD = 1.2  # inside a cell, left and right
MIN_COLUMN = 12.0  # narrower, a column holds too few letters a line to read
MAX_NATURAL = 90.0  # no column asks for more than this; longer text wraps
FOOTER_SPACE = 8.0
# Characters of a cell measured for its column's width.
MEASURED_CHARS = 400
# Lines one cell may take; the rest is cut with "…".
MAX_CELL_LINES = 12
# Share of a column's filled cells that must be numbers for it to be right-aligned.
NUMBER_SHARE = 0.8
REPLACEMENT = "\ufffd"
_FONT = "body"
_PT = 25.4 / 72
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Paper = Literal["A4", "Letter"]
Orientation = Literal["auto", "portrait", "landscape"]


@dataclass
class PrintResult:
    """What a printable table came to: pages, rows, the layout chosen, and notes for the teacher."""

    output: Path
    pages: int
    rows: int
    columns: int
    orientation: Literal["portrait", "landscape"]
    font_size: float
    notes: list[str] = field(default_factory=list)


def display_text(value: object) -> str:
    """A cell value as it is printed: text as is, whole numbers without ".0", ISO dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, dt.datetime) and value.time() != dt.time():
        return f"{value.date().isoformat()} {value:%H:%M}" + (f":{value:%S}" if value.second else "")
    if isinstance(value, dt.time):
        return f"{value:%H:%M}" + (f":{value:%S}" if value.second else "")
    return csv_text(value)


class _Printable:
    """Makes cell text drawable with the font and remembers what it could not draw."""

    def __init__(self, font: Path) -> None:
        self.font = font
        self.missing: set[str] = set()
        self.cells = 0
        self.stand_in = "?" if missing_glyphs(REPLACEMENT, font) else REPLACEMENT

    def __call__(self, text: str) -> str:
        text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
        if text.isascii():
            return text
        text = unicodedata.normalize("NFC", text)
        missing = missing_glyphs(text, self.font)
        if not missing:
            return text
        self.missing |= missing
        self.cells += 1
        return "".join(self.stand_in if char in missing else char for char in text)

    def note(self) -> str | None:
        if not self.missing:
            return None
        shown = ", ".join(f"“{char}” (U+{ord(char):04X})" for char in sorted(self.missing)[:10])
        more = f" and {len(self.missing) - 10:,} more" if len(self.missing) > 10 else ""
        cells = "1 cell" if self.cells == 1 else f"{self.cells:,} cells"
        return (
            f"The font on this server cannot draw {shown}{more}; in {cells} they are printed as "
            f"“{self.stand_in}”. Check those names on the printout by hand."
        )


@dataclass
class _Layout:
    landscape: bool
    size: float
    widths: list[float]

    @property
    def line(self) -> float:
        return self.size * _PT * 1.25


def _fill(natural: list[float], space: float) -> tuple[list[float], float]:
    """Widths that add up to `space` (narrow columns keep theirs, the widest share the rest) and the share."""
    level = space / len(natural)
    left, count = space, len(natural)
    for width in sorted(natural):
        if width > left / count:
            level = left / count
            break
        left -= width
        count -= 1
    return [min(width, level) for width in natural], level


def _choose(
    measured: list[list[float]], orientation: Orientation, paper: Paper, columns: int, where: str
) -> _Layout:
    """The first layout, in order of preference, whose columns fit across the page unwrapped."""
    # `measured` holds the columns' widths at the largest size, first with each header on one
    # line, then with headers wrapped between words; at each size and side both are tried.
    short, long = PAPERS[paper]
    across = {False: short - 2 * MARGIN, True: long - 2 * MARGIN}
    sides = {"auto": (False, True), "portrait": (False,), "landscape": (True,)}[orientation]
    tries = [(sides[0], FONT_SIZES[0]), *((sides[-1], size) for size in FONT_SIZES)]

    def natural(widths: list[float], size: float) -> list[float]:
        return [min(width * size / FONT_SIZES[0], MAX_NATURAL) + 2 * PAD for width in widths]

    for landscape, size in tries:
        for widths in measured:
            if sum(natural(widths, size)) <= across[landscape]:
                return _Layout(landscape, size, natural(widths, size))
    landscape, size = tries[-1]
    widths, level = _fill(natural(measured[-1], size), across[landscape])
    if level < MIN_COLUMN:
        most = int(across[landscape] // MIN_COLUMN)
        raise LimitExceeded(
            f"{where} has {columns:,} columns with this much text: printed across one page, "
            f"each would be too narrow to read (about {most} fit).",
            "Hide or delete the columns you do not need, or split the sheet, then print it again.",
        )
    return _Layout(landscape, size, widths)


class _TablePdf(FPDF):
    """The PDF being laid out: a title and the header row on every page, page numbers at the foot."""

    def __init__(self, layout: _Layout, paper: Paper, font: Path, max_pages: int, where: str) -> None:
        super().__init__(orientation="L" if layout.landscape else "P", unit="mm", format=paper)
        self.layout = layout
        self.max_pages = max_pages
        self.where = where
        self.heading = ""
        self.footer_text = ""
        self.header_texts: list[str] = []
        self._header_lines: list[list[str]] | None = None
        self.aligns: list[str] = []
        self.cut = 0
        self.stripe = False
        self.add_font(_FONT, fname=str(font))
        self.set_font(_FONT, size=layout.size)
        self.c_margin = 0
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.bottom = self.h - MARGIN - FOOTER_SPACE

    def lines(self, text: str, width: float) -> list[str]:
        """The lines a cell's text takes in a column `width` wide."""
        if not text:
            return []
        inner = width - 2 * PAD
        # More characters than the narrowest letters could fill the lines with are never shown;
        # cutting them first keeps a cell holding a whole essay from costing seconds.
        most = MAX_CELL_LINES * math.ceil(inner / (self.font_size * 0.15))
        longer = len(text) > most
        text = text[:most]
        if not longer and "\n" not in text and self.get_string_width(text) <= inner:
            return [text]
        lines = self.multi_cell(inner, self.layout.line, text, dry_run=True, output="LINES")
        if len(lines) > MAX_CELL_LINES or longer:
            self.cut += 1
            last = lines[min(len(lines), MAX_CELL_LINES) - 1]
            while last and self.get_string_width(last + "…") > inner:
                last = last[:-1]
            lines = [*lines[: min(len(lines), MAX_CELL_LINES) - 1], last + "…"]
        return lines

    def one_line(self, text: str, size: float, share: float = 1.0) -> str:
        """The text on one line, cut with "…" where it would run off the page at this size."""
        text = " ".join(text.split())
        self.set_font(size=size)
        room = (self.w - 2 * MARGIN) * share
        if self.get_string_width(text) > room:
            while text and self.get_string_width(text + "…") > room:
                text = text[:-1]
            text += "…"
        self.set_font(size=self.layout.size)
        return text

    def _bold(self, on: bool = True) -> AbstractContextManager[object]:
        """Text drawn inside is bold: the font file has one weight, so the letters are also outlined."""
        if not on:
            return nullcontext()
        # A local context saves and restores the graphics state around it, so the outline ends there.
        return self.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.025 * self.font_size_pt)

    def header(self) -> None:
        if self.page > self.max_pages:
            raise _too_many_pages(self.where, self.max_pages)
        self.set_y(MARGIN)
        self.set_draw_color(0)
        if self.heading:
            self.set_font(size=TITLE_SIZE)
            with self._bold():
                self.cell(0, TITLE_SIZE * _PT * 1.4, self.heading, new_x="LMARGIN", new_y="NEXT")
            self.set_font(size=self.layout.size)
            self.ln(1.5)
        if self.header_texts:
            if self._header_lines is None:
                # Wrapped once, on the first page: fpdf measures lines only where a page exists.
                widths = self.layout.widths
                self._header_lines = [
                    self.lines(t, w) for t, w in zip(self.header_texts, widths, strict=True)
                ]
            self.set_fill_color(215)
            self._row(self._header_lines, fill=True, bold=True)

    def footer(self) -> None:
        self.set_font(size=FOOTER_SIZE)
        self.set_text_color(90)
        self.set_xy(MARGIN, self.h - MARGIN - FOOTER_SIZE * _PT)
        width = self.w - 2 * MARGIN
        self.cell(width * 0.7, FOOTER_SIZE * _PT, self.footer_text)
        self.cell(width * 0.3, FOOTER_SIZE * _PT, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0)
        self.set_font(size=self.layout.size)

    def _row(self, cells: list[list[str]], fill: bool, bold: bool = False) -> None:
        height = max([len(lines) for lines in cells] + [1]) * self.layout.line + 2 * PAD * 0.6
        y = self.get_y()
        self.set_draw_color(150)
        self.set_line_width(0.2)
        x = MARGIN
        for width in self.layout.widths:
            self.rect(x, y, width, height, style="DF" if fill else "D")
            x += width
        self.set_draw_color(0)
        x = MARGIN
        with self._bold(bold):
            for width, lines, align in zip(self.layout.widths, cells, self.aligns, strict=True):
                for number, line in enumerate(lines):
                    self.set_xy(x + PAD, y + PAD * 0.6 + number * self.layout.line)
                    self.cell(width - 2 * PAD, self.layout.line, line, align=align)
                x += width
        self.set_xy(MARGIN, y + height)

    def add_row(self, texts: list[str]) -> None:
        """Lay out one data row, on a new page when it does not fit on this one."""
        cells = [self.lines(text, width) for text, width in zip(texts, self.layout.widths, strict=True)]
        height = max([len(lines) for lines in cells] + [1]) * self.layout.line + 2 * PAD * 0.6
        if self.get_y() + height > self.bottom:
            self.add_page()
        self.set_fill_color(243)
        self._row(cells, fill=self.stripe)
        self.stripe = not self.stripe


@dataclass
class _Rows:
    """A sheet opened for printing: its header, and its data rows, the first of them already read."""

    header: int  # the header's row number, 0 for none
    above: list[list[object]]
    names: list[str]
    sample: list[list[object]]
    rest: Iterator[list[object]]
    stream: Iterator[Row]
    width: int


def _open_rows(src: Source, name: str, header_row: int | None, where: str) -> _Rows:
    stream = src.rows(name)
    head = list(islice(stream, HEADER_SCAN_ROWS))
    if not head:
        raise EmptyDocument(f"{where} is empty: it has no cells with anything in them.")
    header = detect_header_row(head, src.decimal) if header_row is None else header_row
    rows = (values for number, values in chain(head, stream) if number > header)
    sample = list(islice(rows, SAMPLE_ROWS))
    names = [header_text(v) for v in next((values for number, values in head if number == header), [])]
    width = max([len(names), *(len(values) for values in sample)])
    if not width:
        raise EmptyDocument(f"{where} has nothing below row {header}.")
    above = [values for number, values in head if number < header]
    return _Rows(header, above, names, sample, rows, stream, width)


def printable_table(
    source: Path,
    dest: Path,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    title: str | None = None,
    paper: Paper = "A4",
    orientation: Orientation = "auto",
    max_rows: int = MAX_PRINT_ROWS,
    max_pages: int = MAX_PAGES,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback = no_progress,
) -> PrintResult:
    """Print a sheet as a PDF table; `title` None prints the text above the header row, if any."""
    font = text_font()
    printable = _Printable(font)
    with open_source(source, limits) as src:
        name = src.require(sheet) if sheet is not None else src.default_name()
        where = f"Sheet “{name}” of “{source.name}”" if src.kind != "text" else f"“{source.name}”"
        estimate = src.estimate_rows(name)
        if estimate - max(header_row or 0, 1) > max_rows:
            raise _too_long(where, max_rows)
        notes = list(src.notes)
        rows = _open_rows(src, name, header_row, where)
        try:
            if title is None and rows.above:
                title = " ".join(display_text(value) for value in rows.above[0] if value is not None)
                if title:
                    notes.append(f"The text above the header, “{title}”, is printed as the title.")
            layout = _measure(rows.sample, rows.names, rows.width, orientation, paper, font, where)
            pdf = _TablePdf(layout, paper, font, max_pages, where)
            pdf.set_title(title or source.stem)
            pdf.set_creator("Teacher Printer")
            pdf.heading = pdf.one_line(printable(title or ""), TITLE_SIZE)
            footer = source.name if src.kind == "text" else f"{source.name} – {name}"
            pdf.footer_text = pdf.one_line(printable(footer), FOOTER_SIZE, 0.7)
            pdf.aligns = _aligns(rows.sample, rows.width, src.typed, src.decimal)
            if rows.header:
                pdf.header_texts = [printable(t) for t in rows.names] + [""] * (rows.width - len(rows.names))
            try:
                count, longer = _lay_out(pdf, rows, printable, estimate, max_rows, progress)
                with atomic_path(dest) as part:
                    pdf.output(str(part))
            finally:
                _close_fonts(pdf)
        finally:
            # Stops the reader at once when the layout stopped early.
            close = getattr(rows.stream, "close", None)
            if close is not None:
                close()
    progress(count, count, f"Laid out {count:,} rows on {pdf.page:,} pages")

    if longer:
        rows_word = "row has" if longer == 1 else "rows have"
        notes.append(
            f"{longer:,} {rows_word} more cells than the first rows; the extra cells are not printed."
        )
    if pdf.cut:
        notes.append(
            f"{pdf.cut:,} {'cell is' if pdf.cut == 1 else 'cells are'} longer than {MAX_CELL_LINES} lines; "
            "the rest of the text is cut off with “…”."
        )
    missing = printable.note()
    if missing:
        notes.append(missing)
    orientation_used: Literal["portrait", "landscape"] = "landscape" if layout.landscape else "portrait"
    return PrintResult(dest, pdf.page, count, rows.width, orientation_used, layout.size, notes)


def _lay_out(
    pdf: _TablePdf,
    rows: _Rows,
    printable: _Printable,
    estimate: int,
    max_rows: int,
    progress: ProgressCallback,
) -> tuple[int, int]:
    """Lay out every data row; returns how many, and how many had cells beyond the columns."""
    pdf.add_page()
    count = longer = 0
    for values in chain(rows.sample, rows.rest):
        count += 1
        if count > max_rows:
            raise _too_long(pdf.where, max_rows)
        longer += len(values) > rows.width
        shown = [printable(display_text(value)) for value in values[: rows.width]]
        pdf.add_row(shown + [""] * (rows.width - len(shown)))
        if count == PROJECT_AFTER and estimate and pdf.page * estimate / count > pdf.max_pages * 1.2:
            raise _too_many_pages(pdf.where, pdf.max_pages)
        if count % REPORT_EVERY == 0:
            progress(count, max(estimate, count), f"Laid out {count:,} rows on {pdf.page:,} pages")
    return count, longer


def _close_fonts(pdf: FPDF) -> None:
    # fpdf closes its font files only when it writes the PDF; a layout stopped early leaves them open.
    for font in pdf.fonts.values():
        close = getattr(font, "close", None)
        if close is not None:
            close()


def _too_many_pages(where: str, max_pages: int) -> LimitExceeded:
    return LimitExceeded(
        f"{where} would take more than {max_pages:,} pages, the most one printable table may have.",
        "Split the sheet (for example by class) and print the parts one at a time.",
    )


def _too_long(where: str, max_rows: int) -> LimitExceeded:
    return LimitExceeded(
        f"{where} has more than {max_rows:,} rows, the most one printable table may have.",
        "Split the sheet (for example by class) and print the parts one at a time.",
    )


def _measure(
    sample: list[list[object]],
    header: list[str],
    width: int,
    orientation: Orientation,
    paper: Paper,
    font: Path,
    where: str,
) -> _Layout:
    """The layout for these columns, from their text measured in the font at the largest size."""
    ruler = FPDF(unit="mm")
    ruler.add_font(_FONT, fname=str(font))
    ruler.set_font(_FONT, size=FONT_SIZES[0])
    cells = [0.0] * width
    whole, words = list(cells), list(cells)
    try:
        for values in sample:
            for index, value in enumerate(values[:width]):
                # No column is given more than MAX_NATURAL, so longer text need not be measured.
                text = display_text(value)[:MEASURED_CHARS]
                if text:
                    longest = max(ruler.get_string_width(line) for line in text.splitlines() or [""])
                    cells[index] = max(cells[index], longest)
        for index, text in enumerate(header):
            # Outlined (bold) header letters come out a little wider.
            whole[index] = ruler.get_string_width(text) * 1.05
            words[index] = max((ruler.get_string_width(word) * 1.05 for word in text.split()), default=0.0)
    finally:
        _close_fonts(ruler)
    whole = [max(pair) for pair in zip(cells, whole, strict=True)]
    words = [max(pair) for pair in zip(cells, words, strict=True)]
    return _choose([whole, words], orientation, paper, width, where)


def _aligns(sample: list[list[object]], width: int, typed: bool, decimal: str) -> list[str]:
    """Right for the columns that hold numbers, so their digits line up; left for the rest."""
    aligns = []
    for index in range(width):
        kinds = []
        for values in sample:
            value = values[index] if index < len(values) else None
            if value is None or value == "":
                continue
            if typed:
                kinds.append(isinstance(value, int | float) and not isinstance(value, bool))
            else:
                kinds.append(isinstance(value, str) and classify(value, decimal) == "number")
        numbers = bool(kinds) and sum(kinds) >= NUMBER_SHARE * len(kinds)
        aligns.append("R" if numbers else "L")
    return aligns
