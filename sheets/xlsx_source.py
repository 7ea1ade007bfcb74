"""Excel workbooks (.xlsx, .xlsm): openpyxl opens the workbook, sheets are streamed row by row.

Formulas are never calculated: each cell gives the value Excel saved with it
(as openpyxl's data_only mode does), and cells whose formula has no saved
value are counted so the teacher can be told. Macros are never run or copied.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
from defusedxml import DefusedXmlException

from core.errors import DamagedFile, TeacherPrinterError
from sheets.model import SheetInfo
from sheets.safety import DEFAULT_LIMITS, Limits, check_shape, unsafe_xml
from sheets.source import Row, Source
from sheets.xlsx_sheet import SheetReader


class ReaderFailed(Exception):
    """openpyxl could not open the workbook; another reader may still manage."""


class XlsxSource(Source):
    """An .xlsx or .xlsm workbook."""

    kind = "xlsx"

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS, macros: bool = False) -> None:
        super().__init__(path, limits)
        # A handle rather than the path: openpyxl refuses a real workbook named ".xls".
        self._handle = path.open("rb")
        try:
            self._book = openpyxl.load_workbook(
                self._handle, read_only=True, data_only=True, keep_links=False
            )
        except DefusedXmlException as exc:
            self._handle.close()
            raise unsafe_xml(path.name) from exc
        except Exception as exc:
            self._handle.close()
            raise ReaderFailed(str(exc)) from exc
        if not self._book.worksheets:
            # Strict Open XML workbooks use namespaces openpyxl does not know: it sees no sheets.
            self.close()
            raise ReaderFailed("openpyxl found no worksheets")
        self._uncached: dict[str, int] = {}
        if macros:
            self.notes.append("The workbook contains macros; they were not run and are not copied.")

    def close(self) -> None:
        self._book.close()
        self._handle.close()

    def _list(self) -> list[SheetInfo]:
        found = []
        for sheet in self._book.worksheets:
            rows, columns = sheet.max_row or 0, sheet.max_column or 0
            recorded = rows * columns > 1 and rows <= self.limits.max_rows
            if not recorded or columns > self.limits.max_columns:
                # A missing, one-cell or implausible recorded size: measure the real one.
                rows = columns = 0
                for number, values in self._rows(sheet.title, check=False):
                    rows, columns = number, max(columns, len(values))
            found.append(SheetInfo(sheet.title, rows, columns, hidden=sheet.sheet_state != "visible"))
        return found

    def names(self) -> list[str]:
        return [sheet.title for sheet in self._book.worksheets]

    def estimate_rows(self, sheet: str) -> int:
        recorded = self._book[sheet].max_row or 0
        return recorded if recorded <= self.limits.max_rows else 0

    def rows(self, sheet: str) -> Iterator[Row]:
        """The rows of a sheet that have content, with the values Excel saved."""
        return self._rows(self.require(sheet), check=True)

    def _rows(self, sheet: str, check: bool) -> Iterator[Row]:
        book = self._book
        worksheet = book[sheet]
        limits = self.limits
        where = f"Sheet “{sheet}” of “{self.path.name}”"
        # openpyxl keeps these on private attributes; they are what its own reader uses.
        reader = SheetReader(
            worksheet._shared_strings, book._date_formats, book._timedelta_formats, book.epoch
        )
        try:
            with worksheet._get_source() as src:
                for number, cells in reader.rows(src):
                    width = max(cells)
                    if check and (number > limits.max_rows or width > limits.max_columns):
                        check_shape(number, width, where, limits)
                    values: list[object] = [None] * width
                    for column, value in cells.items():
                        values[column - 1] = value
                    yield number, values
            self._uncached[sheet] = reader.uncached
        except TeacherPrinterError:
            raise
        except Exception as exc:
            # Whatever a broken part makes the parser raise (ParseError, a bad string index,
            # a CRC error at the end of the part), the teacher's answer is the same.
            raise DamagedFile(f"{where} is damaged and could not be read to the end.") from exc

    def sheet_notes(self, sheet: str) -> list[str]:
        missing = self._uncached.get(sheet, 0)
        if not missing:
            return []
        formulas = "formula has" if missing == 1 else "formulas have"
        return [
            f"{missing:,} {formulas} no saved value, so {'its cell is' if missing == 1 else 'their cells are'} "
            "empty. Open the file in Excel, let it recalculate, save, and upload it again."
        ]
