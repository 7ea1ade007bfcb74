"""Reading the number or date that the text of a CSV cell stands for.

A CSV file holds only text. These rules decide, column by column, which text
becomes a number or a date, and keep as text what must not change: an ID
with leading zeros ("00123"), a phone number ("+44 …"), a number too long
for a spreadsheet to store exactly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

Value = str | bool | int | float | dt.date | dt.datetime | None

# A spreadsheet stores numbers as doubles: whole numbers past 15 digits change.
MAX_DIGITS = 15
# Share of a column's filled cells that must be dates for the column to be read as dates.
DATE_SHARE = 0.8

_NUMBER = {
    ".": re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+"),
    ",": re.compile(r"-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?|-?,\d+"),
}
_LEADING_ZERO = re.compile(r"-?0\d")
_TIME = r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?"
_YMD = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME)
_DMY = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})" + _TIME)
_NAMED = re.compile(r"(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ -]((?:\d{2}){1,2})" + _TIME)
_BOOLEANS: dict[str, Value] = {"TRUE": True, "FALSE": False, "True": True, "False": False}
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}


def parse_number(text: str, decimal: str = ".") -> int | float | None:
    """The number a text stands for, or None when it must stay text."""
    text = text.strip()
    if not text or _NUMBER[decimal].fullmatch(text) is None or _LEADING_ZERO.match(text):
        return None
    thousands = "," if decimal == "." else "."
    plain = text.replace(thousands, "").replace(decimal, ".")
    if "." in plain:
        return float(plain)
    # Whole numbers this long are IDs or card numbers: as doubles their last digits would change.
    if len(plain.lstrip("-")) > MAX_DIGITS:
        return None
    return int(plain)


def is_identifier(text: str) -> bool:
    """True for digits with a leading zero, such as a pupil number "00123"."""
    text = text.strip()
    return len(text) > 1 and text[0] == "0" and text.isdigit()


def _with_time(day: dt.date, match: re.Match[str], first: int) -> dt.date | dt.datetime:
    hour = match.group(first)
    if hour is None:
        return day
    second = match.group(first + 2) or "0"
    micro = (match.group(first + 3) or "0")[:6].ljust(6, "0")
    return dt.datetime(
        day.year, day.month, day.day, int(hour), int(match.group(first + 1)), int(second), int(micro)
    )


def parse_date(text: str, day_first: bool = True) -> dt.date | dt.datetime | None:
    """The date (or date and time) a text stands for, or None."""
    text = text.strip()
    try:
        if match := _YMD.fullmatch(text):
            year, month, day = int(match[1]), int(match[3]), int(match[4])
        elif match := _DMY.fullmatch(text):
            first, second, year = int(match[1]), int(match[3]), int(match[4])
            day, month = (first, second) if day_first or match[2] == "." else (second, first)
        elif match := _NAMED.fullmatch(text):
            month = _MONTHS.get(match[2].lower(), 0)
            day, year = int(match[1]), int(match[3])
            if len(match[3]) == 2:
                # The pivot spreadsheet programs use: 00-29 are 2000s, 30-99 are 1900s.
                year += 2000 if year < 30 else 1900
        else:
            return None
        return _with_time(dt.date(year, month, day), match, 5 if match.re is not _NAMED else 4)
    except ValueError:
        return None


def date_order(text: str) -> str | None:
    """How a date text is written: "ymd", "named", "dmy", "mdy", "dm?" (either), or None."""
    text = text.strip()
    if _YMD.fullmatch(text):
        return "ymd"
    if _NAMED.fullmatch(text):
        return "named"
    match = _DMY.fullmatch(text)
    if match is None:
        return None
    first, second = int(match[1]), int(match[3])
    if match[2] == "." or (first > 12 >= second):
        return "dmy"
    if second > 12 >= first:
        return "mdy"
    return "dm?" if first <= 12 and second <= 12 else None


def classify(value: object, decimal: str = ".") -> str:
    """The kind of one cell for header detection: "empty", "number", "date", "bool" or "text"."""
    if value is None or value == "":
        return "empty"
    if isinstance(value, bool) or not isinstance(value, str):
        return "date" if isinstance(value, dt.date | dt.time) else "number"
    if parse_number(value, decimal) is not None:
        return "number"
    if date_order(value) is not None:
        return "date"
    if value.strip() in _BOOLEANS:
        return "bool"
    return "text" if value.strip() else "empty"


@dataclass(frozen=True)
class ColumnPlan:
    """How the text cells of one column become values."""

    kind: str = "auto"  # "auto" (numbers where they are numbers), "text" or "date"
    day_first: bool = True
    ambiguous: bool = False  # dates such as 03/04/2025 that the data could not settle
    has_time: bool = False
    order: str = "ymd"  # how most of the dates are written, for their display format

    @property
    def date_format(self) -> str:
        """The Excel number format that shows these dates the way the file wrote them."""
        base = {
            "ymd": "yyyy-mm-dd",
            "named": "d mmm yyyy",
            "dmy": "dd/mm/yyyy",
            "mdy": "mm/dd/yyyy",
        }[self.order]
        return base + " hh:mm" if self.has_time else base


def plan_column(values: Iterable[str | None], day_first: bool | None = None) -> ColumnPlan:
    """Decide from a sample of one column's texts how to read the whole column."""
    filled = [value for value in values if value and value.strip()]
    if not filled:
        return ColumnPlan()
    if any(is_identifier(value) for value in filled):
        return ColumnPlan(kind="text")
    orders = [date_order(value) for value in filled]
    dated = [order for order in orders if order is not None]
    if len(dated) < DATE_SHARE * len(filled):
        return ColumnPlan()
    saw_dmy, saw_mdy = "dmy" in dated, "mdy" in dated
    if saw_dmy and saw_mdy:
        # Both 25/12 and 12/25 in one column: no single reading is right, keep the text.
        return ColumnPlan(kind="text")
    ambiguous = "dm?" in dated and not (saw_dmy or saw_mdy) and day_first is None
    if day_first is None:
        day_first = not saw_mdy
    written = Counter(dated)
    if written["ymd"] + written["named"] == len(dated):
        order = "ymd" if written["ymd"] >= written["named"] else "named"
    else:
        order = "dmy" if day_first else "mdy"
    has_time = any(isinstance(parse_date(value, day_first), dt.datetime) for value in filled)
    return ColumnPlan(kind="date", day_first=day_first, ambiguous=ambiguous, has_time=has_time, order=order)


def converter(plan: ColumnPlan, decimal: str = ".") -> Callable[[str | None], Value]:
    """A function turning one cell's text of this column into its value."""
    if plan.kind == "text":
        return lambda text: text if text else None

    def auto(text: str | None) -> Value:
        if not text:
            return None
        number = parse_number(text, decimal)
        if number is not None:
            return number
        return _BOOLEANS.get(text, text)

    if plan.kind == "auto":
        return auto

    def date(text: str | None) -> Value:
        if not text:
            return None
        parsed = parse_date(text, plan.day_first)
        return auto(text) if parsed is None else parsed

    return date
