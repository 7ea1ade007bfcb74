"""One interface over every readable format: its sheets, and each sheet's rows as a stream.

A source yields only the rows that have content, as `(row number, values)`
with the row number the spreadsheet program shows and trailing empty cells
cut off; empty cells are None. Readers never hold a whole .xlsx or .csv sheet
in memory; the .xls and .ods reader loads one sheet at a time, after checking
its size.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from core.errors import SheetNotFound
from sheets.model import SheetInfo
from sheets.safety import DEFAULT_LIMITS, Limits

Row = tuple[int, list[object]]


class Source(ABC):
    """An open spreadsheet or CSV file."""

    kind: str = ""
    # False when every cell is text whose numbers and dates are still to be read (CSV).
    typed: bool = True
    decimal: str = "."

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = path
        self.limits = limits
        self.notes: list[str] = []
        self._sheets: list[SheetInfo] | None = None

    @abstractmethod
    def _list(self) -> list[SheetInfo]:
        """The sheets, in workbook order."""

    @abstractmethod
    def rows(self, sheet: str) -> Iterator[Row]:
        """The rows of a sheet that have content, in order."""

    def sheet_notes(self, sheet: str) -> list[str]:
        """What reading this sheet showed that a teacher should know (after `rows` ran)."""
        return []

    @abstractmethod
    def close(self) -> None:
        """Release the file."""

    def sheets(self) -> list[SheetInfo]:
        """The sheets of the file, with their sizes."""
        if self._sheets is None:
            self._sheets = self._list()
        return self._sheets

    def names(self) -> list[str]:
        """The names of the sheets, found without measuring them."""
        return [info.name for info in self.sheets()]

    def require(self, sheet: str) -> str:
        """The sheet's name when the file has it, else a refusal that lists the sheets there are."""
        names = self.names()
        if sheet in names:
            return sheet
        listed = ", ".join(f"“{name}”" for name in names)
        raise SheetNotFound(f"“{self.path.name}” has no sheet called “{sheet}”. Its sheets are {listed}.")

    def info(self, sheet: str) -> SheetInfo:
        """One sheet by name, with its size."""
        self.require(sheet)
        return next(info for info in self.sheets() if info.name == sheet)

    def estimate_rows(self, sheet: str) -> int:
        """About how many rows a sheet has, for progress reports (0 when unknown)."""
        return self.info(sheet).rows

    def default_sheet(self) -> SheetInfo:
        """The sheet a teacher most likely means: the first visible one with content."""
        sheets = self.sheets()
        for candidates in (
            [s for s in sheets if not s.hidden and not s.empty],
            [s for s in sheets if not s.empty],
            sheets,
        ):
            if candidates:
                return candidates[0]
        raise SheetNotFound(f"“{self.path.name}” has no sheets.")

    def default_name(self) -> str:
        """The name of `default_sheet()`."""
        return self.default_sheet().name

    def __enter__(self) -> Source:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def trimmed(values: list[object]) -> list[object]:
    """The values without the empty cells at the end of the row."""
    end = len(values)
    while end and (values[end - 1] is None or values[end - 1] == ""):
        end -= 1
    return values[:end] if end < len(values) else values
