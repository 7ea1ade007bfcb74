"""The small results the spreadsheet operations hand back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


# The papers a printable table is made on: width and height in millimetres.
PAPERS = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}


@dataclass(frozen=True)
class SheetInfo:
    """One sheet of a file: its name, size and whether the workbook hides it.

    `rows` and `columns` reach the last cell with content (a CSV file is one
    sheet named after the file). For a large .xlsx they come from the size the
    workbook records for itself, when that figure is plausible.
    """

    name: str
    rows: int
    columns: int
    hidden: bool = False

    @property
    def empty(self) -> bool:
        return self.rows == 0 or self.columns == 0


@dataclass
class Table:
    """One sheet read into a DataFrame, with what a teacher should know about the reading.

    `header_row` is the row number as the spreadsheet program shows it
    (1 = the first row); 0 means the table has no header row and its columns
    are named after their letters.
    """

    frame: pd.DataFrame
    sheet: str
    header_row: int
    notes: list[str] = field(default_factory=list)
    truncated: bool = False

    @property
    def rows(self) -> int:
        return len(self.frame)

    @property
    def columns(self) -> int:
        return len(self.frame.columns)


@dataclass
class ConvertResult:
    """What a conversion wrote: one output file and the counts behind it."""

    output: Path
    files: list[str]
    sheets: int
    rows: int
    columns: int
    notes: list[str] = field(default_factory=list)
