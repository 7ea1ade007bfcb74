"""Turning rows of cell values into a pandas DataFrame with sensible column types.

pandas is imported inside the functions: conversions use this module's
header names but never a DataFrame, and pandas is most of a worker's memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.files import UniqueNames
from sheets.infer import converter, plan_column

if TYPE_CHECKING:
    import pandas as pd

_INT64 = 2**63


def header_text(value: object) -> str:
    """A header cell as a column name: text on one line, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    return " ".join(str(value).split())


def column_names(header: Sequence[object], width: int) -> list[str]:
    """Unique names for `width` columns, from the header cells; blanks named by column letter."""
    names = UniqueNames(key=str)  # "Name" and "name" are two columns here
    return [
        names.numbered(
            (header_text(header[index]) if index < len(header) else "") or f"Column {_letter(index + 1)}"
        )
        for index in range(width)
    ]


def series(values: list[object], name: str) -> pd.Series:
    """One column with the narrowest type that holds every value; mixed columns stay objects."""
    import pandas as pd

    present = [v for v in values if v is not None]
    if not present:
        return pd.Series(values, name=name, dtype="str")
    types = {type(v) for v in present}
    if types == {bool}:
        return pd.Series(values, name=name, dtype="boolean")
    if types <= {int} and all(-_INT64 < v < _INT64 for v in present):
        return pd.Series(values, name=name, dtype="Int64")
    if types <= {int, float}:
        return pd.Series(values, name=name, dtype="float64")
    if all(isinstance(v, dt.date) for v in present):
        stamps = [
            v if v is None or isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)
            for v in values
        ]
        return pd.Series(stamps, name=name, dtype="datetime64[us]")
    if types == {str}:
        return pd.Series(values, name=name, dtype="str")
    return pd.Series(values, name=name, dtype=object)


def build_frame(
    header: Sequence[object],
    rows: Sequence[Sequence[object]],
    *,
    typed: bool,
    decimal: str = ".",
    day_first: bool | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """A DataFrame from a header row and data rows, and notes on how text was read."""
    import pandas as pd

    width = max([len(header), *(len(row) for row in rows)], default=0)
    names = column_names(header, width)
    notes: list[str] = []
    columns = []
    for index, name in enumerate(names):
        values = [row[index] if index < len(row) else None for row in rows]
        if not typed:
            plan = plan_column(values, day_first)
            convert = converter(plan, decimal)
            values = [convert(v) for v in values]
            if plan.ambiguous:
                notes.append(
                    f"Dates in column “{name}” fit both day/month and month/day; they were read "
                    "as day/month/year."
                )
        columns.append(series(values, name))
    frame = pd.DataFrame({column.name: column for column in columns})
    return frame, notes


def _letter(number: int) -> str:
    """The spreadsheet's letter of column `number` (1 = A), as openpyxl spells it."""
    from openpyxl.utils import get_column_letter  # here: the class list's page imports this module

    return get_column_letter(number)
