"""Putting several class lists together: one sheet each in one workbook, or stacked in one sheet.

Each input is a file and a sheet (None for the sheet a teacher most likely
means, as `read_table` picks it). Stacking matches columns by header name,
ignoring case and spacing ("First name" and "first  Name" are one column),
keeps the columns in the order they first appear, and puts a "Source"
column first: the file name, and the sheet name when the file has several
sheets. Columns an input lacks are left empty for its rows and reported.
With one sheet each, only one input is in memory at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

from core.errors import EmptyDocument, LimitExceeded
from core.files import UniqueNames
from core.progress import ProgressCallback, no_progress
from sheets.clean import load_table
from sheets.convert import write_frames
from sheets.names import MAX_LISTED, SheetTitles, column_key
from sheets.safety import DEFAULT_LIMITS, Limits

# Files or sheets one combine takes.
MAX_INPUTS = 100
SOURCE_COLUMN = "Source"

CombineMode = Literal["sheets", "stack"]


@dataclass
class CombineResult:
    """What a combine wrote: the workbook, the tables in it, and the columns each input lacked."""

    output: Path
    mode: CombineMode
    sources: list[str]  # each table's label: file name, and sheet name when the file has several
    sheets: list[str]  # titles of the sheets written
    rows: int
    columns: int
    missing: dict[str, list[str]] = field(default_factory=dict)  # label → columns it lacks ("stack")
    notes: list[str] = field(default_factory=list)


@dataclass
class _Input:
    label: str
    title: str
    frame: pd.DataFrame


def _read(
    inputs: Sequence[tuple[Path, str | None]],
    day_first: bool | None,
    limits: Limits,
    progress: ProgressCallback,
    notes: list[str],
) -> Iterator[_Input]:
    """The inputs read one at a time and labelled; empty ones are left out with a note."""
    one_file = len({path.resolve() for path, _ in inputs}) == 1
    seen: dict[str, int] = {}
    for number, (path, sheet) in enumerate(inputs, start=1):
        progress(number - 1, len(inputs), f"Reading “{path.name}”")
        try:
            loaded = load_table(path, sheet, day_first=day_first, limits=limits)
        except EmptyDocument as empty:
            notes.append(f"{empty.message} It was left out.")
            continue
        name = loaded.table.sheet
        label = path.name if loaded.sheets == 1 else f"{path.name} – {name}"
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label} ({seen[label]})"
        if loaded.sheets == 1:
            title = path.stem
        elif one_file:
            title = name
        else:
            title = f"{path.stem} – {name}"
        notes.extend(f"{label}: {note}" for note in loaded.table.notes)
        yield _Input(label, title, loaded.table.frame)
    progress(len(inputs), len(inputs), f"Read {len(inputs):,} tables")


def combine(
    inputs: Sequence[tuple[Path, str | None]],
    dest: Path,
    *,
    mode: CombineMode = "sheets",
    day_first: bool | None = None,
    guard: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback = no_progress,
) -> CombineResult:
    """Combine sheets of one or more files into the workbook `dest`: a sheet each, or stacked in one."""
    if not inputs:
        raise ValueError("nothing to combine")
    if len(inputs) > MAX_INPUTS:
        raise LimitExceeded(
            f"{len(inputs):,} files or sheets were chosen; one combine takes at most {MAX_INPUTS}.",
            "Combine them in smaller batches, then combine the results.",
        )
    notes: list[str] = []
    tables = _read(inputs, day_first, limits, progress, notes)
    if mode == "stack":
        return _stack(tables, dest, guard, limits, notes)
    titles = SheetTitles()
    result = CombineResult(output=dest, mode=mode, sources=[], sheets=[], rows=0, columns=0)

    def sheets() -> Iterator[tuple[str, pd.DataFrame]]:
        for table in tables:
            title = titles(table.title)
            result.sources.append(table.label)
            result.sheets.append(title)
            result.rows += len(table.frame)
            result.columns = max(result.columns, len(table.frame.columns))
            yield title, table.frame

    written = write_frames(dest, sheets(), guard=guard)
    result.notes = [*notes, *written]
    return result


def _stack(
    tables: Iterator[_Input], dest: Path, guard: bool, limits: Limits, notes: list[str]
) -> CombineResult:
    read: list[_Input] = []
    keys: list[list[str]] = []  # each table's column keys, in its order
    shown: dict[str, str] = {}  # key → the header as first written
    spellings: dict[str, list[str]] = {}
    rows = 0
    for table in tables:
        own: list[str] = []
        for name in table.frame.columns:
            key = column_key(name)
            # Two headers of one table that differ only in case stay two columns.
            base, copy = key, 1
            while key in own:
                copy += 1
                key = f"{base}\x00{copy}"
            own.append(key)
            shown.setdefault(key, name)
            if name not in spellings.setdefault(key, []):
                spellings[key].append(name)
        rows += len(table.frame)
        _check_size(rows, len(shown), limits)
        read.append(table)
        keys.append(own)
    if not read:
        raise EmptyDocument("There is nothing to combine: every table chosen is empty.")

    order = list(shown)
    source = _free_name(SOURCE_COLUMN, set(order))
    names = _unique_headers([source, *(shown[key] for key in order)])
    frames = []
    missing: dict[str, list[str]] = {}
    for table, own in zip(read, keys, strict=True):
        frame = table.frame.set_axis(own, axis=1)
        frame.insert(0, source, pd.Series([table.label] * len(frame), dtype="str", index=frame.index))
        frames.append(frame)
        lacks = [shown[key] for key in order if key not in own]
        if lacks:
            missing[table.label] = lacks
    labels = [table.label for table in read]
    combined = pd.concat(frames, ignore_index=True, sort=False).reindex(columns=[source, *order])
    # Only the combined copy is needed from here on.
    del frames, read
    combined = combined.set_axis(names, axis=1)

    for key in order:
        if len(spellings[key]) > 1:
            listed = " and ".join(f"“{name}”" for name in spellings[key][:MAX_LISTED])
            notes.append(f"The headers {listed} differ only in capitals or spaces; they are one column.")
    for label, lacks in list(missing.items())[:MAX_LISTED]:
        listed = ", ".join(f"“{name}”" for name in lacks[:MAX_LISTED])
        column = "column" if len(lacks) == 1 else "columns"
        notes.append(f"{label} has no {listed} {column}; those cells are left empty for its rows.")
    if len(missing) > MAX_LISTED:
        notes.append(f"{len(missing) - MAX_LISTED:,} more tables lack some of the columns.")
    title = SheetTitles()("Combined")
    written = write_frames(dest, [(title, combined)], guard=guard)
    return CombineResult(
        output=dest,
        mode="stack",
        sources=labels,
        sheets=[title],
        rows=len(combined),
        columns=len(combined.columns),
        missing=missing,
        notes=[*notes, *written],
    )


def _check_size(rows: int, columns: int, limits: Limits) -> None:
    if rows > limits.max_rows:
        raise LimitExceeded(
            f"Together the tables have more than {limits.max_rows:,} rows, the most one sheet can hold here.",
            "Combine fewer files at a time, or put each on a sheet of its own.",
        )
    if rows * (columns + 1) > limits.max_cells:
        raise LimitExceeded(
            f"Together the tables have {rows:,} rows × {columns + 1:,} columns, more than the "
            f"{limits.max_cells:,} cells one job can hold.",
            "Combine fewer files at a time, or put each on a sheet of its own.",
        )


def _free_name(name: str, keys: set[str]) -> str:
    """`name`, or a variant of it, that no column of the tables already has."""
    candidate, copy = name, 1
    while column_key(candidate) in keys:
        copy += 1
        candidate = f"{name} ({copy})"
    return candidate


def _unique_headers(names: list[str]) -> list[str]:
    unique = UniqueNames()
    return [unique.numbered(name) for name in names]
