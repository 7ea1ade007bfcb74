"""CSV and text files as a one-sheet source, streamed row by row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from core.errors import DamagedFile
from sheets.detect import TextFormat, detect_text_format
from sheets.model import SheetInfo
from sheets.safety import DEFAULT_LIMITS, Limits, check_shape
from sheets.source import Row, Source


class TextSource(Source):
    """A CSV or text file: one sheet, named after the file, whose cells are all text."""

    kind = "text"
    typed = False

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS, fmt: TextFormat | None = None) -> None:
        super().__init__(path, limits)
        self.format = fmt or detect_text_format(path)
        self.decimal = self.format.decimal
        self.name = path.stem or "Sheet1"
        if self.format.encoding not in ("utf-8", "utf-8-sig"):
            self.notes.append(f"The text was read as {self.format.encoding_label}.")
        if self.format.delimiter != ",":
            label = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}[self.format.delimiter]
            self.notes.append(f"Its cells are separated by {label}.")
        if self.decimal == ",":
            self.notes.append("Numbers use a decimal comma (1,5 means one and a half).")

    def names(self) -> list[str]:
        return [self.name]

    def default_name(self) -> str:
        return self.name

    def estimate_rows(self, sheet: str) -> int:
        return 0

    def close(self) -> None:
        """Nothing stays open between reads of a text file."""

    def _list(self) -> list[SheetInfo]:
        rows = columns = 0
        for number, values in self.rows(self.name):
            rows, columns = number, max(columns, len(values))
        return [SheetInfo(self.name, rows, columns)]

    def rows(self, sheet: str) -> Iterator[Row]:
        """The records of the file that have content; cells are strings, empty ones None."""
        if sheet != self.name:
            self.require(sheet)
        raw = self.path.open("rb")
        text = io.TextIOWrapper(raw, encoding=self.format.encoding, errors="replace", newline="")
        limits = self.limits
        where = f"“{self.path.name}”"
        try:
            reader = csv.reader(text, delimiter=self.format.delimiter)
            last: tuple[int, str] = (0, "")
            for number, record in enumerate(reader, start=1):
                end = len(record)
                while end and not record[end - 1]:
                    end -= 1
                if not end:
                    continue
                if number > limits.max_rows or end > limits.max_columns:
                    check_shape(number, end, where, limits)
                last = (number, record[end - 1])
                yield number, [cell or None for cell in record[:end]]
            self._check_unclosed_quote(*last)
        except csv.Error as exc:
            raise DamagedFile(
                f"“{self.path.name}” could not be read as CSV near row {reader.line_num:,}: "
                'probably a quote mark (") that is never closed.',
                "Open it in a spreadsheet program, check that row, save as CSV and upload it again.",
            ) from exc
        finally:
            text.close()

    def _check_unclosed_quote(self, number: int, cell: str) -> None:
        # A quote that is never closed makes the csv reader put the rest of the file in
        # one cell, silently; rows swallowed that way show as line breaks and delimiters.
        lines = cell.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if len(lines) > 2 and sum(self.format.delimiter in line for line in lines[1:]) >= 2:
            note = (
                f"The last cell of row {number:,} holds {len(lines) - 1:,} more lines of the file: a quote "
                'mark (") there may never be closed. Check that row in the original file.'
            )
            if note not in self.notes:
                self.notes.append(note)
