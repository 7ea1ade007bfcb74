"""Old Excel (.xls) and OpenDocument (.ods) workbooks, read with python-calamine.

calamine loads a whole sheet at once, so the size of an .ods sheet is
measured first from its XML, where one short tag can declare a billion
repeated rows; a sheet over the limits is refused before anything is
allocated. The same reader opens Strict Open XML workbooks, which openpyxl
cannot.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from python_calamine import (
    CalamineError,
    CalamineSheet,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from core.errors import DamagedFile, PasswordRequired
from sheets.model import SheetInfo
from sheets.safety import DEFAULT_LIMITS, Limits, check_shape, unsafe_xml
from sheets.source import Row, Source, trimmed

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CELLS = (_TABLE + "table-cell", _TABLE + "covered-table-cell")
# Integers up to 2**53 survive a round trip through a double exactly.
_EXACT = 2**53


def _repeat(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def ods_extents(path: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, tuple[int, int]]:
    """Rows and columns that each sheet of an .ods reaches, counting repeats, without expanding them."""
    extents: dict[str, tuple[int, int]] = {}
    table = ""
    row_at = rows = columns = column_at = last = repeat = 0
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
            for event, element in iterparse(content, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == _TABLE + "table":
                        table = element.get(_TABLE + "name", f"Sheet{len(extents) + 1}")
                        row_at = rows = columns = 0
                    elif tag == _TABLE + "table-row":
                        repeat = _repeat(element.get(_TABLE + "number-rows-repeated"))
                        column_at = last = 0
                elif tag in _CELLS:
                    column_at += _repeat(element.get(_TABLE + "number-columns-repeated"))
                    if element.get(_OFFICE + "value-type") is not None or len(element):
                        last = column_at
                    element.clear()
                elif tag == _TABLE + "table-row":
                    row_at += repeat
                    if last:
                        rows, columns = row_at, max(columns, last)
                        where = f"Sheet “{table}” of “{path.name}”"
                        check_shape(rows, columns, where, limits, in_memory=True)
                    element.clear()
                elif tag == _TABLE + "table":
                    extents[table] = (rows, columns)
                    element.clear()
    except DefusedXmlException as exc:
        raise unsafe_xml(path.name) from exc
    except (KeyError, zipfile.BadZipFile, SyntaxError) as exc:
        # ElementTree's ParseError is a SyntaxError.
        raise DamagedFile(f"“{path.name}” is damaged: its sheets could not be read.") from exc
    return extents


def _value(value: object) -> object:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT:
        return int(value)
    return value


class CalamineSource(Source):
    """An .xls or .ods workbook (or a Strict Open XML .xlsx)."""

    def __init__(self, path: Path, kind: str, limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(path, limits)
        self.kind = kind
        self._extents = ods_extents(path, limits) if kind == "ods" else {}
        # From a handle, calamine tells the format from the content, not the name.
        self._handle = path.open("rb")
        try:
            self._book = CalamineWorkbook.from_filelike(self._handle)
        except PasswordError as exc:
            self._handle.close()
            raise PasswordRequired(
                f"“{path.name}” is protected by a password, so it cannot be opened here.",
                "Open it, remove the password, save an unprotected copy, and upload that.",
            ) from exc
        except (CalamineError, OSError, ValueError) as exc:
            self._handle.close()
            raise DamagedFile(f"“{path.name}” is damaged and could not be opened.") from exc

    def close(self) -> None:
        self._book.close()
        self._handle.close()

    def names(self) -> list[str]:
        return [meta.name for meta in self._book.sheets_metadata if meta.typ == SheetTypeEnum.WorkSheet]

    def _list(self) -> list[SheetInfo]:
        found = []
        for meta in self._book.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            if meta.name in self._extents:
                rows, columns = self._extents[meta.name]
            else:
                sheet = self._load(meta.name)
                rows, columns = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
            found.append(SheetInfo(meta.name, rows, columns, hidden=meta.visible != SheetVisibleEnum.Visible))
        return found

    def _load(self, sheet: str) -> CalamineSheet:
        try:
            return self._book.get_sheet_by_name(sheet)
        except CalamineError as exc:
            raise DamagedFile(
                f"Sheet “{sheet}” of “{self.path.name}” is damaged and could not be read."
            ) from exc

    def rows(self, sheet: str) -> Iterator[Row]:
        """The rows of a sheet that have content."""
        info = self.info(sheet)
        where = f"Sheet “{sheet}” of “{self.path.name}”"
        check_shape(info.rows, info.columns, where, self.limits, in_memory=True)
        loaded = self._load(sheet)
        for number, raw in enumerate(loaded.iter_rows(), start=1):
            values = trimmed([_value(v) for v in raw])
            if values:
                yield number, values
