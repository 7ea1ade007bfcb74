"""Splitting a sheet by the values of one column: one sheet, or one file, for each class.

Values that differ only in case or spacing ("7b", "7B ") go into one group,
named as first written; blank cells make a group of their own, "(blank)".
Groups come in natural order (7A, 7B, 10A), the blank one last, and each
keeps its rows in the order of the sheet. A CSV file split into CSV files
keeps its cells exactly as written.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from core.errors import LimitExceeded
from core.files import atomic_path, safe_name
from core.progress import ProgressCallback, no_progress
from sheets.clean import load_table
from sheets.convert import csv_guard_note, csv_text, plain_rows, write_frame_csv, write_frames
from sheets.names import FileNames, SheetTitles, find_column, sheet_title
from sheets.safety import DEFAULT_LIMITS, Limits

# Groups one split may make: each is a sheet or a file, and a teacher has to look through them.
MAX_GROUPS = 200
BLANK = "(blank)"

SplitInto = Literal["sheets", "xlsx", "csv"]


@dataclass
class SplitResult:
    """What a split wrote: the output, and the rows of each group in output order."""

    output: Path
    column: str
    groups: dict[str, int]
    files: list[str]  # sheet titles ("sheets") or ZIP members ("xlsx", "csv"), in the groups' order
    rows: int
    notes: list[str] = field(default_factory=list)


def group_label(value: object) -> str:
    """The name of the group a cell's value belongs to: its text on one line, or "(blank)"."""
    if value is None:
        return BLANK
    text = " ".join((value if isinstance(value, str) else csv_text(value)).split())
    return text or BLANK


def _natural(label: str) -> tuple[bool, list[tuple[int, int, str]], str]:
    # Numbers compare as numbers and punctuation is passed over: 7A, 7/B, 7C, 10A.
    parts = [
        (0, int(part), "") if part.isdecimal() else (1, 0, re.sub(r"[\W_]+", "", part).casefold())
        for part in re.split(r"(\d+)", label)
        if part
    ]
    return label == BLANK, parts, label


def _groups(frame: pd.DataFrame, column: str) -> tuple[dict[str, list[int]], list[str]]:
    """Row positions per group label, in natural order, and notes on spellings put together."""
    found: dict[str, tuple[str, list[int]]] = {}
    spellings: dict[str, set[str]] = {}
    for position, (value,) in enumerate(plain_rows(frame[[column]])):
        label = group_label(value)
        key = label.casefold()
        if key not in found:
            if len(found) >= MAX_GROUPS:
                raise LimitExceeded(
                    f"Column “{column}” has more than {MAX_GROUPS} different values; a split makes one "
                    f"sheet or file for each, and {MAX_GROUPS} is the most it makes.",
                    "Pick a column with fewer different values, such as the class or the form group.",
                )
            found[key] = (label, [])
            spellings[key] = set()
        found[key][1].append(position)
        spellings[key].add(label)
    ordered = sorted(found.values(), key=lambda item: _natural(item[0]))
    notes = []
    for key, seen in spellings.items():
        if len(seen) > 1:
            listed = ", ".join(f"“{s}”" for s in sorted(seen))
            notes.append(
                f"{listed} differ only in capitals or spaces; they are one group, “{found[key][0]}”."
            )
    return {label: rows for label, rows in ordered}, notes


def split_groups(
    source: Path,
    column: str,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, int]:
    """How many rows each group of a split by `column` would get, in output order, writing nothing."""
    loaded = load_table(source, sheet, header_row, limits=limits)
    frame = loaded.table.frame
    where = f"Sheet “{loaded.table.sheet}”" if loaded.kind != "text" else f"“{source.name}”"
    groups, _ = _groups(frame, find_column(list(frame.columns), column, where))
    return {label: len(rows) for label, rows in groups.items()}


def split_by_column(
    source: Path,
    out_dir: Path,
    column: str,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    into: SplitInto = "sheets",
    day_first: bool | None = None,
    guard: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback = no_progress,
) -> SplitResult:
    """Split a sheet by a column: a sheet per value in one .xlsx, or a ZIP of .xlsx or CSV files."""
    loaded = load_table(
        source,
        sheet,
        header_row,
        as_text=into == "csv",
        day_first=day_first,
        limits=limits,
        progress=progress,
    )
    table = loaded.table
    frame = table.frame
    where = f"Sheet “{table.sheet}”" if loaded.kind != "text" else f"“{source.name}”"
    name = find_column(list(frame.columns), column, where)
    groups, notes = _groups(frame, name)
    notes = [*table.notes, *notes]
    if BLANK in groups:
        notes.append(f"{_rows(len(groups[BLANK]))} no “{name}”; they are in the group “{BLANK}”.")
    if len(groups) == 1:
        notes.append(f"Every row has the same “{name}”, so there is only one group.")
    total = len(frame)
    stem = f"{source.stem} by {name}"

    def parts() -> Iterator[tuple[str, pd.DataFrame]]:
        done = 0
        for number, (label, rows) in enumerate(groups.items(), start=1):
            yield label, frame.take(rows).reset_index(drop=True)
            done += len(rows)
            progress(done, total, f"Wrote group {number:,} of {len(groups):,} (“{label}”)")

    if into == "sheets":
        output = out_dir / safe_name(f"{stem}.xlsx")
        titles = SheetTitles()
        files = [titles(label) for label in groups]
        pairs = zip(files, (part for _, part in parts()), strict=True)
        notes.extend(write_frames(output, pairs, guard=guard, total=total))
    else:
        output = out_dir / safe_name(f"{stem}.zip")
        member_name = FileNames(f".{into}")
        files = [member_name(label, "blank") for label in groups]
        notes.extend(_write_zip(output, zip(files, parts(), strict=True), into, loaded.delimiter, guard))
    counts = {label: len(rows) for label, rows in groups.items()}
    return SplitResult(output=output, column=name, groups=counts, files=files, rows=total, notes=notes)


def _write_zip(
    output: Path,
    members: Iterator[tuple[str, tuple[str, pd.DataFrame]]],
    into: SplitInto,
    delimiter: str,
    guard: bool,
) -> list[str]:
    """Write each group as a member of the ZIP `output`; returns notes."""
    notes: list[str] = []
    guarded = 0
    with (
        atomic_path(output) as path,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        tempfile.TemporaryDirectory(dir=output.parent, prefix=".split-") as scratch,
    ):
        for member, (label, part) in members:
            if into == "csv":
                with archive.open(member, "w", force_zip64=True) as raw:
                    handle = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                    guarded += write_frame_csv(handle, part, delimiter=delimiter, guard=guard)
                    handle.flush()
                    handle.detach()
            else:
                # openpyxl writes a workbook to a file; it goes into the ZIP from there.
                book = Path(scratch) / "part.xlsx"
                written = write_frames(book, [(sheet_title(label), part)], guard=guard)
                notes.extend(f"“{member}”: {note}" for note in written)
                archive.write(book, member)
                book.unlink()
    if guarded:
        notes.append(csv_guard_note(guarded))
    return notes


def _rows(count: int) -> str:
    return "1 row has" if count == 1 else f"{count:,} rows have"
