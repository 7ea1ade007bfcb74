"""Opening any accepted spreadsheet or CSV file: its sheets, a table, a quick preview."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from pathlib import Path

from core.errors import EmptyDocument, LimitExceeded
from core.progress import ProgressCallback, no_progress
from sheets.calamine_source import CalamineSource
from sheets.detect import HEADER_SCAN_ROWS, detect_header_row
from sheets.filetype import sniff
from sheets.frame import build_frame
from sheets.model import SheetInfo, Table
from sheets.safety import DEFAULT_LIMITS, MAX_ROWS, Limits, check_shape
from sheets.source import Row, Source
from sheets.text_source import TextSource
from sheets.xlsx_source import ReaderFailed, XlsxSource

PREVIEW_ROWS = 20
# Rows between two progress reports while reading.
REPORT_EVERY = 5000


def open_source(path: Path, limits: Limits = DEFAULT_LIMITS) -> Source:
    """The file opened with the reader its real format needs (close it, or use `with`)."""
    found = sniff(path, limits)
    source: Source
    if found.kind == "text":
        source = TextSource(path, limits)
    elif found.kind == "xlsx":
        try:
            source = XlsxSource(path, limits, macros=found.macros)
        except ReaderFailed:
            # Strict Open XML and other layouts openpyxl cannot open; calamine can, or it
            # raises DamagedFile itself (with openpyxl's failure kept as the context).
            source = CalamineSource(path, "xlsx", limits)
            if found.macros:
                source.notes.append("The workbook contains macros; they were not run and are not copied.")
    else:
        source = CalamineSource(path, found.kind, limits)
    if found.note:
        source.notes.insert(0, found.note)
    return source


def list_sheets(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> list[SheetInfo]:
    """The sheets of a file with their sizes and whether they are hidden."""
    with open_source(path, limits) as source:
        return list(source.sheets())


def read_table(
    path: Path,
    sheet: str | None = None,
    header_row: int | None = None,
    max_rows: int = MAX_ROWS,
    *,
    day_first: bool | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback = no_progress,
) -> Table:
    """One sheet as a DataFrame: header row found (or given, 0 for none), numbers and dates typed."""
    with open_source(path, limits) as source:
        return read_source(
            source, sheet, header_row, max_rows, day_first=day_first, truncate=False, progress=progress
        )


def preview(
    path: Path,
    sheet: str | None = None,
    rows: int = PREVIEW_ROWS,
    *,
    header_row: int | None = None,
    day_first: bool | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Table:
    """The first rows of a sheet, read without going through the rest of the file."""
    with open_source(path, limits) as source:
        return read_source(source, sheet, header_row, rows, day_first=day_first, truncate=True)


def _head(rows: Iterator[Row]) -> list[Row]:
    head = []
    for row in rows:
        head.append(row)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    return head


def read_source(
    source: Source,
    sheet: str | None,
    header_row: int | None,
    max_rows: int,
    *,
    day_first: bool | None = None,
    truncate: bool = False,
    progress: ProgressCallback = no_progress,
) -> Table:
    """A table from an open source; with `truncate` it stops after `max_rows` data rows."""
    name = source.require(sheet) if sheet is not None else source.default_name()
    where = f"Sheet “{name}” of “{source.path.name}”" if source.kind != "text" else f"“{source.path.name}”"
    total = source.estimate_rows(name)
    stream = source.rows(name)
    head = _head(stream)
    if not head:
        if sheet is None and source.kind != "text" and all(info.empty for info in source.sheets()):
            raise EmptyDocument(f"“{source.path.name}” has no data in any of its sheets.")
        raise EmptyDocument(f"{where} is empty: it has no cells with anything in them.")
    if header_row is None:
        header_row = detect_header_row(head, source.decimal)
    header: list[object] = []
    data: list[list[object]] = []
    above = width = last = 0
    truncated = False
    try:
        for number, values in chain(head, stream):
            if number < header_row:
                above += 1
                continue
            if number == header_row:
                header = values
                continue
            if len(data) >= max_rows:
                if truncate:
                    truncated = True
                    break
                raise LimitExceeded(
                    f"{where} has more than {max_rows:,} rows of data, the most this task reads.",
                    "Split it into smaller files and run them one at a time.",
                )
            width = max(width, len(values))
            if len(data) * width > source.limits.max_cells:
                check_shape(len(data), width, where, source.limits, in_memory=True)
            data.append(values)
            last = number
            if len(data) % REPORT_EVERY == 0:
                progress(len(data), total, f"Read {len(data):,} rows")
    finally:
        # Stops the reader at once (a preview must not read on to the end).
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    progress(len(data), len(data), f"Read {len(data):,} rows")
    frame, notes = build_frame(header, data, typed=source.typed, decimal=source.decimal, day_first=day_first)
    notes = [*source.notes, *notes, *source.sheet_notes(name)]
    if above:
        what = "row above it was" if above == 1 else f"{above} rows above it were"
        notes.append(f"The header is on row {header_row}; the {what} left out.")
    blank = last - max(header_row, 0) - len(data) if data else 0
    if blank > 0 and not truncated:
        notes.append(f"{blank:,} empty {'row was' if blank == 1 else 'rows were'} left out.")
    longer = sum(1 for row in data if len(row) > len(header)) if header_row else 0
    if longer:
        notes.append(
            f"{longer:,} {'row has' if longer == 1 else 'rows have'} more cells than the header; "
            "the extra cells are in columns named after their letters."
        )
    return Table(frame=frame, sheet=name, header_row=header_row, notes=notes, truncated=truncated)
