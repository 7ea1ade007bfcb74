"""Tidying a class list: stray spaces, empty rows and columns, duplicate rows, names typed in one case.

The clean-ups run in that order, so duplicates are judged on the tidied
rows ("Zoë  Brontë" and "Zoë Brontë" are the same pupil). Only text cells
change; numbers and dates are left as they are, and text stays text (an ID
"00123 " becomes "00123", never the number 123). A CSV file is read and
written back as text in its own delimiter, so its dates and decimal commas
keep their look; a workbook's chosen sheet becomes a one-sheet .xlsx.

Name case, for the columns a teacher picks, changes only cells typed all in
capitals or all in small letters; a name already in mixed case is trusted
("McDonald", "DiCaprio", "van der Berg" stay as they are). It capitalises
each part of a name ("ANNE-MARIE" → "Anne-Marie", "O'BRIEN" → "O'Brien",
"MCDONALD" → "McDonald", "ΟΔΥΣΣΕΑΣ" → "Οδυσσεας", "ЁЛКИН" → "Ёлкин"), and
keeps particles such as "van", "de", "von" in small letters unless they
start the name. It cannot restore what capitals dropped (Greek accents) and
does not guess "Mac" names ("MACDONALD" → "Macdonald").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.files import atomic_path, safe_name
from core.progress import ProgressCallback, no_progress
from sheets.convert import csv_guard_note, csv_text, plain_rows, write_frame_csv, write_frames
from sheets.model import Table
from sheets.names import SheetTitles, find_column
from sheets.read import open_source, read_source
from sheets.safety import DEFAULT_LIMITS, Limits
from sheets.text_source import TextSource

# Examples kept for each kind of change.
MAX_EXAMPLES = 5
# Characters of a cell shown in an example.
EXAMPLE_CHARS = 60

# Spaces of every width, the non-breaking ones included; line breaks are kept.
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
# Characters that only ever arrive by copy and paste: zero-width space, word joiner, byte-order mark.
_INVISIBLE = re.compile(r"[\u200b\u2060\ufeff]")
# The name a column gets when its header cell is blank.
_UNNAMED = re.compile(r"Column [A-Z]{1,3}")
# A run of letters, with any combining accents.
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")
_APOSTROPHES = ("'", "’")
# Parts of names that stay in small letters unless the name starts with them.
PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "da", "das", "do", "dos", "du", "ten", "ter", "y"}
)


@dataclass
class Loaded:
    """A sheet read for rewriting, with what the writer needs to know about its file."""

    table: Table
    kind: str  # "text" for CSV and text files, else the workbook format
    delimiter: str
    encoding: str
    sheets: int


def load_table(
    path: Path,
    sheet: str | None = None,
    header_row: int | None = None,
    *,
    as_text: bool = False,
    day_first: bool | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback = no_progress,
) -> Loaded:
    """A sheet read as read_table reads it; with `as_text` a CSV file's cells stay exactly as written."""
    with open_source(path, limits) as source:
        if as_text and isinstance(source, TextSource):
            # Marked as already typed, the cells are taken as they are: a CSV written back
            # then keeps "03/04/2011" and "1,5" instead of turning them into 2011-04-03 and 1.5.
            source.typed = True
        table = read_source(
            source, sheet, header_row, limits.max_rows, day_first=day_first, progress=progress
        )
        if isinstance(source, TextSource):
            return Loaded(table, source.kind, source.format.delimiter, source.format.encoding, 1)
        return Loaded(table, source.kind, ",", "", len(source.names()))


@dataclass
class Change:
    """One kind of change: a key for programs, a sentence for the teacher, and a few examples."""

    kind: str
    count: int
    text: str
    examples: list[str] = field(default_factory=list)


@dataclass
class CleanResult:
    """What a clean-up wrote, and what it changed."""

    output: Path
    rows: int
    columns: int
    changes: list[Change]
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(change.count for change in self.changes)


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number:,} {one if number == 1 else many or one + 's'}"


def _shown(text: str) -> str:
    text = text.replace("\n", " ↵ ")
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def tidy_spaces(text: str) -> str:
    """The text without spaces at its ends or its lines' ends, and with single spaces between words."""
    text = _INVISIBLE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip("\n")


def name_case(text: str) -> str:
    """A name typed all in capitals or all in small letters, capitalised the usual way; others unchanged."""
    text = unicodedata.normalize("NFC", text)
    if not (text.isupper() or text.islower()):
        return text
    lower = text.lower()
    parts: list[str] = []
    end = 0
    previous = ""
    for number, match in enumerate(_WORD.finditer(lower)):
        word, between = match.group(), lower[end : match.start()]
        if between.endswith(_APOSTROPHES) and len(previous) > 1:
            pass  # "jean's": only a one-letter part before an apostrophe makes a name ("O'Brien")
        elif number and word in PARTICLES and not lower.startswith(_APOSTROPHES, match.end()):
            pass
        elif word.startswith("mc") and len(word) > 2:
            word = "Mc" + word[2].upper() + word[3:]
        elif word.startswith("ij"):
            word = "IJ" + word[2:]  # the Dutch letter: "IJsselmeer"
        else:
            word = word[0].title() + word[1:]
        parts.append(between + word)
        end, previous = match.end(), match.group()
    return unicodedata.normalize("NFC", "".join(parts) + lower[end:])


class _Changes:
    """Counts cells changed by one rule and keeps the first examples."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.count = 0
        self.examples: list[str] = []

    def add(self, example: str) -> None:
        self.count += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(example)

    def change(self, text: str) -> Change:
        return Change(self.kind, self.count, text, self.examples)


def _rewrite_text(
    frame: pd.DataFrame, columns: Sequence[str], rule: Callable[[str], str], changes: _Changes
) -> pd.DataFrame:
    """The frame with `rule` applied to the text cells of `columns`, changes counted."""
    for name in columns:
        column = frame[name]
        values = column.tolist()
        touched = False
        for index, value in enumerate(values):
            if not isinstance(value, str):
                continue
            new = rule(value)
            if new != value:
                changes.add(f"“{_shown(value)}” → “{_shown(new)}”")
                values[index] = new or None
                touched = True
        if touched:
            # A new frame (sharing the untouched columns), so the table read stays as it was.
            frame = frame.assign(**{name: pd.Series(values, index=frame.index, dtype=column.dtype)})
    return frame


def _row_text(values: list[object]) -> str:
    return _shown(" | ".join(csv_text(value) for value in values if value is not None))


def _drop_empty(frame: pd.DataFrame, notes: list[str]) -> tuple[pd.DataFrame, list[Change]]:
    """The frame without rows left empty and without empty columns that have no header."""
    blank = frame.isna().all(axis=1)
    frame = frame[~blank].reset_index(drop=True)
    rows = int(blank.sum())
    empty = [name for name in frame.columns if frame[name].isna().all()]
    # A column with a header but nothing under it is usually there to be filled in by hand.
    unnamed = [name for name in empty if _UNNAMED.fullmatch(name)]
    kept = [name for name in empty if name not in unnamed]
    if kept:
        listed = ", ".join(f"“{name}”" for name in kept[:MAX_EXAMPLES])
        notes.append(f"{_count(len(kept), 'column')} with a header but no values kept: {listed}.")
    return frame.drop(columns=unnamed), [
        Change("empty_rows", rows, f"{_count(rows, 'row')} with only spaces removed."),
        Change(
            "empty_columns",
            len(unnamed),
            f"{_count(len(unnamed), 'empty column')} without a header removed.",
            [f"“{name}”" for name in unnamed[:MAX_EXAMPLES]],
        ),
    ]


def _drop_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, Change]:
    """The frame with the first copy of each row only."""
    repeated = frame.duplicated(keep="first")
    count = int(repeated.sum())
    examples = [_row_text(values) for values in plain_rows(frame[repeated].head(MAX_EXAMPLES))]
    text = f"{_count(count, 'duplicate row')} removed; the first copy of each was kept."
    return frame[~repeated].reset_index(drop=True), Change("duplicates", count, text, examples)


def _write(
    frame: pd.DataFrame, loaded: Loaded, source: Path, out_dir: Path, guard: bool, progress: ProgressCallback
) -> tuple[Path, list[str]]:
    """Write the cleaned table as CSV (for a CSV file) or .xlsx; returns the path and notes."""
    if loaded.kind != "text":
        output = out_dir / safe_name(f"{source.stem} (clean).xlsx")
        title = SheetTitles()(loaded.table.sheet)
        return output, write_frames(
            output, [(title, frame)], guard=guard, total=len(frame), progress=progress
        )
    output = out_dir / safe_name(f"{source.stem} (clean).csv")
    with atomic_path(output) as part, part.open("w", encoding="utf-8-sig", newline="") as handle:
        guarded = write_frame_csv(handle, frame, delimiter=loaded.delimiter, guard=guard)
    notes = []
    if loaded.encoding not in ("utf-8", "utf-8-sig"):
        notes.append(
            "The cleaned file is saved as UTF-8, which Excel and other programs open with accents intact."
        )
    if guarded:
        notes.append(csv_guard_note(guarded))
    return output, notes


def clean_table(
    source: Path,
    out_dir: Path,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    trim: bool = True,
    drop_empty: bool = True,
    drop_duplicates: bool = True,
    name_columns: Sequence[str] = (),
    guard: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    progress: ProgressCallback = no_progress,
) -> CleanResult:
    """Tidy one sheet and write it as "<name> (clean)": CSV for a CSV file, else .xlsx."""
    loaded = load_table(source, sheet, header_row, as_text=True, limits=limits, progress=progress)
    table = loaded.table
    frame = table.frame
    where = f"Sheet “{table.sheet}”" if loaded.kind != "text" else f"“{source.name}”"
    chosen = list(dict.fromkeys(find_column(list(frame.columns), name, where) for name in name_columns))
    changes: list[Change] = []
    notes = list(table.notes)

    if trim:
        text_columns = [
            name
            for name, dtype in frame.dtypes.items()
            if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)
        ]
        spaces = _Changes("spaces")
        frame = _rewrite_text(frame, text_columns, tidy_spaces, spaces)
        changes.append(spaces.change(f"Extra spaces removed in {_count(spaces.count, 'cell')}."))
    if chosen:
        cased = _Changes("name_case")
        frame = _rewrite_text(frame, chosen, name_case, cased)
        listed = ", ".join(f"“{name}”" for name in chosen)
        text = f"Names written in one case capitalised in {_count(cased.count, 'cell')} of {listed}."
        changes.append(cased.change(text))
    if drop_empty:
        frame, dropped = _drop_empty(frame, notes)
        changes.extend(dropped)
    if drop_duplicates:
        frame, duplicates = _drop_duplicates(frame)
        changes.append(duplicates)
    if loaded.sheets > 1:
        others = _count(loaded.sheets - 1, "other sheet")
        notes.append(
            f"Only sheet “{table.sheet}” was cleaned; the workbook's {others} are not in the output."
        )
    output, written = _write(frame, loaded, source, out_dir, guard, progress)
    return CleanResult(output, len(frame), len(frame.columns), changes, [*notes, *written])
