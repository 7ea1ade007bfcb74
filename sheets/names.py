"""Names other programs accept: sheet titles, file names in a ZIP, and header names matched loosely.

Excel refuses a sheet title longer than 31 characters (counted in UTF-16
units), one with any of []:*?/\\, one that starts or ends with an apostrophe,
and "History"; two titles may not differ only in case. File names go through
`storage.files.safe_name`, and also never repeat in one ZIP, ignoring case,
because Windows and macOS would overwrite one with the other on unpacking.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from core.errors import ColumnNotFound
from core.files import UniqueNames, safe_name

MAX_TITLE = 31
# Names listed when a column cannot be found.
MAX_LISTED = 20
_NOT_IN_TITLES = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
_SEPARATORS = re.compile(r"[\\/]")


def _utf16_cut(text: str, limit: int) -> str:
    """The text cut to at most `limit` UTF-16 units, never inside a character."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def sheet_title(name: str, fallback: str = "Sheet") -> str:
    """A name made into a sheet title Excel accepts (not yet unique)."""
    text = _NOT_IN_TITLES.sub("_", unicodedata.normalize("NFC", name))
    text = " ".join(text.split())
    text = _utf16_cut(text, MAX_TITLE).strip(" '")
    if text.casefold() == "history":
        # Excel keeps this title for its change history.
        text += "_"
    return text or fallback


def column_key(name: object) -> str:
    """A header name reduced for matching: case and runs of spaces do not count."""
    return " ".join(str(name).split()).casefold()


def find_column(columns: Sequence[str], wanted: str, where: str, purpose: str = "") -> str:
    """The column called `wanted` (exactly, else ignoring case and spaces), or ColumnNotFound.

    `purpose` says what the column is for (“ for the names”), in the message.
    """
    if wanted in columns:
        return wanted
    key = column_key(wanted)
    for name in columns:
        if column_key(name) == key:
            return name
    listed = ", ".join(f"“{name}”" for name in columns[:MAX_LISTED])
    more = f" and {len(columns) - MAX_LISTED:,} more" if len(columns) > MAX_LISTED else ""
    raise ColumnNotFound(f"{where} has no column called “{wanted}”{purpose}. Its columns are {listed}{more}.")


class SheetTitles:
    """Turns names into sheet titles for one workbook: each safe, and different from the others."""

    def __init__(self) -> None:
        self._unique = UniqueNames()

    def __call__(self, name: str) -> str:
        base = sheet_title(name)

        def make(number: int) -> str:
            if number == 1:
                return base
            suffix = f" ({number})"
            return _utf16_cut(base, MAX_TITLE - len(suffix)).rstrip(" '") + suffix

        return self._unique.take(make)


class FileNames:
    """Turns names into file names for one folder or ZIP: each safe, and different from the others."""

    def __init__(self, extension: str) -> None:
        self.extension = extension
        self._unique = UniqueNames()

    def __call__(self, name: str, fallback: str = "file") -> str:
        # A slash in a class name ("7/B") is part of the name here, not a folder.
        cleaned = _SEPARATORS.sub("_", name).strip(" .") or fallback
        stem = safe_name(cleaned + self.extension, fallback).removesuffix(self.extension)

        return self._unique.numbered(stem, self.extension)
