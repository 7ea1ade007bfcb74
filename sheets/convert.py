"""CSV → XLSX and workbook → CSV, streamed row by row so memory stays bounded.

CSV → XLSX reads the numbers and dates the text stands for (keeping IDs with
leading zeros as text), makes the header bold, adds a filter, freezes the
header and fits the column widths to a sample of the rows. Workbook → CSV
writes one CSV per sheet (a ZIP when there are several), in UTF-8 with a
byte-order mark by default so that Excel shows accents correctly.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.errors import EmptyDocument, UnsupportedFile
from core.files import UniqueNames, atomic_path
from core.progress import ProgressCallback, no_progress
from sheets.detect import detect_header_row
from sheets.frame import header_text
from sheets.infer import ColumnPlan, Value, converter, plan_column
from sheets.model import ConvertResult, SheetInfo
from sheets.read import open_source
from sheets.safety import DEFAULT_LIMITS, Limits, guard_text, is_risky
from sheets.source import Row, Source
from sheets.text_source import TextSource

if TYPE_CHECKING:
    import pandas as pd

# Rows read first to decide each column's type and width.
SAMPLE_ROWS = 2000
# Rows between two progress reports.
REPORT_EVERY = 2000
# Column widths, in characters.
MIN_WIDTH, MAX_WIDTH = 6, 60
# The longest text one Excel cell holds.
MAX_CELL_TEXT = 32767
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_BOLD = Font(bold=True)


def safe_file_name(name: str, fallback: str = "Sheet") -> str:
    """A sheet or file name made safe for a file system and a ZIP."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip(" .")[:100]
    return cleaned or fallback


def _sheet_title(name: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'")[:31]
    return cleaned if cleaned and cleaned.lower() != "history" else "Sheet1"


# -- CSV → XLSX -------------------------------------------------------------------------------


def _cells(count: int) -> str:
    return f"{count:,} cell" if count == 1 else f"{count:,} cells"


def _shown_length(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return max(len(line) for line in value.split("\n"))
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float):
        return len(f"{value:.10g}")
    return len(str(value))


class _XlsxCells:
    """Makes the cells of one output sheet and counts what the teacher should hear about."""

    def __init__(self, sheet: object, guard: bool) -> None:
        self.sheet = sheet
        self.guard = guard
        self.guarded = self.cleaned = self.cut = 0

    def text(self, value: str, bold: bool = False) -> object:
        if ILLEGAL_CHARACTERS_RE.search(value):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            self.cleaned += 1
        if len(value) > MAX_CELL_TEXT:
            value = value[:MAX_CELL_TEXT]
            self.cut += 1
        risky = self.guard and is_risky(value)
        if not (risky or bold):
            return value
        cell = WriteOnlyCell(self.sheet, value)
        if risky:
            # Stored as text (never as a formula) and marked so that editing keeps it text.
            cell.data_type = "s"
            cell.quotePrefix = True
            self.guarded += 1
        if bold:
            cell.font = _BOLD
        return cell

    def date(self, value: dt.date, number_format: str) -> object:
        cell = WriteOnlyCell(self.sheet, value)
        cell.number_format = number_format
        return cell

    def notes(self) -> list[str]:
        notes = []
        if self.guarded:
            notes.append(
                f"{self.guarded:,} {'cell starts' if self.guarded == 1 else 'cells start'} with = + - or @; "
                "kept as text so that no formula can run."
            )
        if self.cleaned:
            notes.append(f"Invisible control characters were removed from {_cells(self.cleaned)}.")
        if self.cut:
            notes.append(f"{_cells(self.cut)} held more than {MAX_CELL_TEXT:,} characters; shortened to fit.")
        return notes


def csv_to_xlsx(
    source: Path,
    dest: Path,
    *,
    header_row: int | None = None,
    day_first: bool | None = None,
    guard: bool = True,
    sheet_title: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback = no_progress,
) -> ConvertResult:
    """Write a CSV or text file as a formatted one-sheet .xlsx workbook."""
    with open_source(source, limits) as src:
        if not isinstance(src, TextSource):
            raise UnsupportedFile(
                f"“{source.name}” is already a workbook, not a CSV file.",
                "Upload a CSV or text file to make a workbook from it.",
            )
        return _text_to_xlsx(src, dest, header_row, day_first, guard, sheet_title, progress)


def _text_to_xlsx(
    src: TextSource,
    dest: Path,
    header_row: int | None,
    day_first: bool | None,
    guard: bool,
    sheet_title: str | None,
    progress: ProgressCallback,
) -> ConvertResult:
    # A first pass keeps a sample to decide column types and widths, and measures the
    # table: the workbook then records its size (readers, openpyxl among them, otherwise
    # scan a whole sheet to find it) and progress reports have a true total.
    sample: list[Row] = []
    total_rows = total_columns = 0
    for number, values in src.rows(src.name):
        if len(sample) < SAMPLE_ROWS:
            sample.append((number, values))
        total_rows, total_columns = number, max(total_columns, len(values))
    if not sample:
        raise EmptyDocument(f"“{src.path.name}” is empty: it has no cells with anything in them.")
    header = detect_header_row(sample, src.decimal) if header_row is None else header_row
    data = [values for number, values in sample if number > header]
    header_values = next((values for number, values in sample if number == header), [])
    width = max(len(values) for _, values in sample)
    plans = [plan_column([r[i] if i < len(r) else None for r in data], day_first) for i in range(width)]
    converters = [converter(plan, src.decimal) for plan in plans]
    loose = converter(ColumnPlan(), src.decimal)

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_title(sheet_title or src.name))
    dimension = f"A1:{get_column_letter(total_columns)}{total_rows}"
    sheet.calculate_dimension = lambda: dimension  # write-only sheets record no size otherwise
    for index, plan in enumerate(plans):
        shown = [_shown_length(converters[index](r[index] if index < len(r) else None)) for r in data]
        head = len(header_text(header_values[index])) * 1.2 if index < len(header_values) else 0
        longest = max([head, *shown], default=0)
        if plan.kind == "date":
            longest = max(longest, len(plan.date_format))
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(MIN_WIDTH, math.ceil(longest) + 2))
    if header:
        sheet.freeze_panes = f"A{header + 1}"

    cells = _XlsxCells(sheet, guard)
    written = last = columns = 0
    for number, values in src.rows(src.name):
        while last < number - 1:
            sheet.append([])
            last += 1
        columns = max(columns, len(values))
        out: list[object] = []
        for index, text in enumerate(values):
            if number < header:
                value: Value = loose(text)
            elif number == header:
                out.append(None if text is None else cells.text(str(text), bold=True))
                continue
            else:
                convert = converters[index] if index < len(converters) else loose
                value = convert(text)
            if isinstance(value, str):
                out.append(cells.text(value))
            elif isinstance(value, dt.date):
                out.append(
                    cells.date(value, plans[index].date_format if index < len(plans) else "yyyy-mm-dd")
                )
            else:
                out.append(value)
        sheet.append(out)
        last = number
        if number > header:
            written += 1
        if number % REPORT_EVERY == 0:
            progress(number, total_rows, f"Converted {number:,} of {total_rows:,} rows")
    if header and last > header:
        sheet.auto_filter.ref = f"A{header}:{get_column_letter(max(columns, 1))}{last}"

    with atomic_path(dest) as part:
        book.save(part)
    progress(total_rows, total_rows, f"Converted {total_rows:,} rows")
    notes = [*src.notes, *cells.notes()]
    for plan, name in zip(plans, _names(header_values, width), strict=True):
        if plan.ambiguous:
            notes.append(
                f"Dates in column “{name}” fit both day/month and month/day; they were read as day/month/year."
            )
    return ConvertResult(output=dest, files=[dest.name], sheets=1, rows=written, columns=columns, notes=notes)


def _names(header: list[object], width: int) -> list[str]:
    return [
        header_text(header[i]) if i < len(header) and header[i] is not None else get_column_letter(i + 1)
        for i in range(width)
    ]


# -- workbook → CSV ---------------------------------------------------------------------------


def csv_text(value: object, decimal: str = ".") -> str:
    """A cell value as CSV text: ISO dates, at most 15 significant digits, TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        text = f"{value:.15g}"
        if "e" in text:
            text = format(Decimal(text), "f")
        return text.replace(".", decimal)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        sign = "-" if seconds < 0 else ""
        hours, rest = divmod(abs(seconds), 3600)
        return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"
    return str(value)


def _pick_sheets(
    src: Source, sheets: list[str] | None, include_hidden: bool
) -> tuple[list[SheetInfo], list[str]]:
    if sheets is not None:
        chosen = [src.info(name) for name in sheets]
    else:
        chosen = [s for s in src.sheets() if include_hidden or not s.hidden]
    notes = [f"Sheet “{s.name}” is empty and was left out." for s in chosen if s.empty]
    chosen = [s for s in chosen if not s.empty]
    if not chosen:
        raise EmptyDocument(f"“{src.path.name}” has no data to write: every sheet chosen is empty.")
    return chosen, notes


def _member_names(infos: list[SheetInfo]) -> list[str]:
    unique = UniqueNames()
    return [unique.numbered(safe_file_name(info.name), ".csv") for info in infos]


def _write_sheet(
    src: Source,
    info: SheetInfo,
    handle: io.TextIOBase,
    delimiter: str,
    decimal: str,
    guard: bool,
    report: Callable[[int], None],
) -> tuple[int, int, int]:
    """Write one sheet's rows as CSV; returns rows, columns and guarded cells."""
    writer = csv.writer(handle, delimiter=delimiter)
    width, last, guarded = info.columns, 0, 0
    blank: list[str] = [""] * width
    for number, values in src.rows(info.name):
        if number - last > 1:
            writer.writerows([blank] * (number - last - 1))
        texts, marked = csv_cells(values, decimal, guard)
        guarded += marked
        if len(texts) < width:
            texts.extend(blank[len(texts) :])
        elif len(texts) > width:
            width = len(texts)
            blank = [""] * width
        writer.writerow(texts)
        last = number
        if number % REPORT_EVERY == 0:
            report(number)
    return last, width, guarded


def xlsx_to_csv(
    source: Path,
    out_dir: Path,
    *,
    sheets: list[str] | None = None,
    include_hidden: bool = False,
    bom: bool = True,
    delimiter: str = ",",
    decimal: str = ".",
    guard: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback = no_progress,
) -> ConvertResult:
    """Write each sheet of a workbook (.xlsx, .xlsm, .xls, .ods) as CSV: one file, or a ZIP of several."""
    if delimiter == decimal:
        raise ValueError("the delimiter and the decimal mark must differ")
    encoding = "utf-8-sig" if bom else "utf-8"
    stem = safe_file_name(source.stem, "workbook")
    with open_source(source, limits) as src:
        chosen, notes = _pick_sheets(src, sheets, include_hidden)
        notes = [*src.notes, *notes]
        total = sum(info.rows for info in chosen)
        done = rows = columns = guarded = 0

        def report(row: int) -> None:
            progress(done + row, total, f"Wrote {done + row:,} of about {total:,} rows")

        def one(info: SheetInfo, handle: io.TextIOBase) -> None:
            nonlocal done, rows, columns, guarded
            sheet_rows, width, sheet_guarded = _write_sheet(
                src, info, handle, delimiter, decimal, guard, report
            )
            done += info.rows
            rows += sheet_rows
            columns = max(columns, width)
            guarded += sheet_guarded
            prefix = f"Sheet “{info.name}”: " if len(chosen) > 1 else ""
            notes.extend(prefix + note for note in src.sheet_notes(info.name))

        if len(chosen) == 1:
            output = out_dir / f"{stem}.csv"
            files = [output.name]
            with atomic_path(output) as part, part.open("w", encoding=encoding, newline="") as handle:
                one(chosen[0], handle)
        else:
            output = out_dir / f"{stem}.zip"
            files = _member_names(chosen)
            with atomic_path(output) as part, zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as archive:
                for info, member in zip(chosen, files, strict=True):
                    with archive.open(member, "w", force_zip64=True) as raw:
                        handle = io.TextIOWrapper(raw, encoding=encoding, newline="")
                        one(info, handle)
                        handle.flush()
                        handle.detach()
    if guarded:
        notes.append(
            f"{guarded:,} {'cell starts' if guarded == 1 else 'cells start'} with = + - or @; an apostrophe "
            "was put in front so that a spreadsheet program shows them as text instead of running them."
        )
    progress(total, total, f"Wrote {rows:,} rows")
    return ConvertResult(
        output=output, files=files, sheets=len(chosen), rows=rows, columns=columns, notes=notes
    )


# -- DataFrames as formatted sheets or CSV (shared by combine, split and clean) -----------------

# How dates read into a DataFrame are shown: the way a file wrote them is not kept there.
DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
# Rows turned into plain values at a time, so a large frame is never copied whole.
_CHUNK_ROWS = 5000


def plain_rows(frame: pd.DataFrame) -> Iterator[list[object]]:
    """The rows of a DataFrame as plain Python values: None for missing, datetime for Timestamp."""
    for start in range(0, len(frame), _CHUNK_ROWS):
        chunk = frame.iloc[start : start + _CHUNK_ROWS]
        columns = [
            [
                None if missing else _plain(value)
                for value, missing in zip(column.tolist(), column.isna().tolist(), strict=True)
            ]
            for _, column in chunk.items()
        ]
        yield from (list(row) for row in zip(*columns, strict=True))


def _plain(value: object) -> object:
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()  # a NumPy scalar
    return value


def _xlsx_value(cells: _XlsxCells, value: object) -> object:
    if isinstance(value, str):
        return cells.text(value)
    if isinstance(value, dt.datetime):
        return cells.date(value, DATE_FORMAT if value.time() == dt.time() else DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return cells.date(value, DATE_FORMAT)
    return value


def write_frames(
    dest: Path,
    sheets: Iterable[tuple[str, pd.DataFrame]],
    *,
    guard: bool = True,
    total: int = 0,
    progress: ProgressCallback = no_progress,
) -> list[str]:
    """Write (title, DataFrame) pairs as the sheets of one .xlsx laid out as csv_to_xlsx does; returns notes."""
    book = Workbook(write_only=True)
    cells: _XlsxCells | None = None
    done = 0
    for title, frame in sheets:
        sheet = book.create_sheet(title)
        if cells is None:
            cells = _XlsxCells(sheet, guard)
        cells.sheet = sheet  # one counter for the whole workbook
        names = [str(name) for name in frame.columns]
        end = get_column_letter(max(len(names), 1))
        dimension = f"A1:{end}{len(frame) + 1}"
        sheet.calculate_dimension = lambda dimension=dimension: dimension
        sample = list(plain_rows(frame.iloc[:SAMPLE_ROWS]))
        for index, name in enumerate(names):
            shown = [
                _shown_length(v.date() if isinstance(v, dt.datetime) and v.time() == dt.time() else v)
                for v in (row[index] for row in sample)
            ]
            longest = max([len(name) * 1.2, *shown])
            width = min(MAX_WIDTH, max(MIN_WIDTH, math.ceil(longest) + 2))
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([cells.text(name, bold=True) for name in names])
        for row in plain_rows(frame):
            sheet.append([_xlsx_value(cells, value) for value in row])
            done += 1
            if done % REPORT_EVERY == 0:
                progress(done, max(total, done), f"Wrote {done:,} rows")
        if len(frame) and names:
            sheet.auto_filter.ref = dimension
    if cells is None:
        raise EmptyDocument("There is nothing to write: every table chosen is empty.")
    with atomic_path(dest) as part:
        book.save(part)
    progress(done, done, f"Wrote {done:,} rows")
    return cells.notes()


def write_frame_csv(
    handle: io.TextIOBase,
    frame: pd.DataFrame,
    *,
    delimiter: str = ",",
    decimal: str = ".",
    guard: bool = True,
) -> int:
    """Write a DataFrame, header first, as CSV text; returns how many cells the formula guard changed."""
    writer = csv.writer(handle, delimiter=delimiter)
    guarded = 0

    def texts(values: list[object]) -> list[str]:
        nonlocal guarded
        out, marked = csv_cells(values, decimal, guard)
        guarded += marked
        return out

    writer.writerow(texts([str(name) for name in frame.columns]))
    for row in plain_rows(frame):
        writer.writerow(texts(row))
    return guarded


def csv_cells(values: Sequence[object], decimal: str, guard: bool) -> tuple[list[str], int]:
    """One row's cells as CSV text, text cells a spreadsheet would run marked when `guard`; and how many were."""
    texts = [csv_text(value, decimal) for value in values]
    marked = 0
    if guard:
        for index, (value, text) in enumerate(zip(values, texts, strict=True)):
            if isinstance(value, str) and is_risky(text):
                texts[index] = guard_text(text)
                marked += 1
    return texts, marked


def csv_guard_note(guarded: int) -> str:
    """The note telling a teacher how many CSV cells the formula guard marked."""
    return (
        f"{guarded:,} {'cell starts' if guarded == 1 else 'cells start'} with = + - or @; an apostrophe "
        "was put in front so that a spreadsheet program shows them as text instead of running them."
    )
