"""A streaming reader for one worksheet part of an .xlsx, yielding only the cells that are there.

openpyxl reads the workbook around it (sheet list, shared strings, which
styles are dates). Its own row reader is not used for the sheet data, for
two reasons: it pads every row out to the rightmost cell of the sheet (one
styled cell in column XFD makes every row 16,384 cells long), and with
defusedxml installed it parses through pure-Python XML handlers, about ten
times slower than the C parser used here. The C parser is safe to use
because every XML part is checked for a document type declaration first
(`safety.check_xml_parts`) and expat itself limits entity amplification.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import IO
from xml.etree.ElementTree import Element, XMLPullParser

from openpyxl.utils.datetime import from_excel, from_ISO8601

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SHEET_DATA = _MAIN + "sheetData"
_ROW = _MAIN + "row"
_CELL = _MAIN + "c"
_VALUE = _MAIN + "v"
_FORMULA = _MAIN + "f"
_INLINE = _MAIN + "is"
_TEXT = _MAIN + "t"
_RUN = _MAIN + "r"
_CHUNK = 64 * 1024


def column_number(reference: str) -> int:
    """The column number of a cell reference: "A1" → 1, "AB7" → 28."""
    number = 0
    for char in reference:
        code = ord(char) - 64
        if not 1 <= code <= 26:
            break
        number = number * 26 + code
    return number


class SheetReader:
    """Reads the cell values of one worksheet part, as Excel saved them."""

    def __init__(
        self,
        strings: Sequence[str],
        date_styles: set[int],
        timedelta_styles: set[int],
        epoch: dt.datetime,
    ) -> None:
        self.strings = strings
        self.date_styles = date_styles
        self.timedelta_styles = timedelta_styles
        self.epoch = epoch
        # Formulas whose cell has no saved result: their value is unknown until Excel recalculates.
        self.uncached = 0

    def rows(self, stream: IO[bytes]) -> Iterator[tuple[int, dict[int, object]]]:
        """(row number, {column number: value}) for each row with a non-empty cell."""
        parser = XMLPullParser(events=("start", "end"))
        holder: Element | None = None
        number = 0
        finished = False
        while not finished:
            chunk = stream.read(_CHUNK)
            if chunk:
                parser.feed(chunk)
            else:
                parser.close()
                finished = True
            for event, element in parser.read_events():
                if event == "start":
                    if element.tag == _SHEET_DATA:
                        holder = element
                    continue
                if element.tag != _ROW:
                    continue
                reference = element.get("r")
                number = int(reference) if reference else number + 1
                values = self._cells(element)
                # Drop the finished row from the tree so memory stays flat.
                if holder is not None:
                    holder.remove(element)
                else:
                    element.clear()
                if values:
                    yield number, values

    def _cells(self, row: Element) -> dict[int, object]:
        values: dict[int, object] = {}
        column = 0
        for cell in row:
            if cell.tag != _CELL:
                continue
            reference = cell.get("r")
            column = column_number(reference) if reference else column + 1
            value = self._value(cell)
            if value is not None and value != "":
                values[column] = value
        return values

    def _value(self, cell: Element) -> object:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            node = cell.find(_INLINE)
            if node is None:
                return None
            direct = node.find(_TEXT)
            if direct is not None:
                return direct.text or ""
            return "".join(run.findtext(_TEXT) or "" for run in node.findall(_RUN))
        node = cell.find(_VALUE)
        text = None if node is None else node.text
        if not text:
            # An empty saved value is a formula's empty text only when the cell says it is text.
            if kind != "str" and cell.find(_FORMULA) is not None:
                self.uncached += 1
            return None
        if kind == "n":
            number: int | float = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
            style = cell.get("s")
            if style and int(style) in self.date_styles:
                try:
                    return from_excel(number, self.epoch, timedelta=int(style) in self.timedelta_styles)
                except (OverflowError, ValueError):
                    return number
            return number
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return text.strip() not in ("0", "false")
        if kind == "d":
            return from_ISO8601(text)
        # "str" (a formula's text result) and "e" (an error such as #N/A) are kept as text.
        return text
