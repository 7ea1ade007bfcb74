"""How the text of a CSV cell becomes a number, a date, or stays text."""

from __future__ import annotations

import datetime as dt

import pytest

from sheets.infer import ColumnPlan, converter, parse_date, parse_number, plan_column


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("12", ".", 12),
        ("-3.5", ".", -3.5),
        ("0", ".", 0),
        ("0.25", ".", 0.25),
        ("1,234.5", ".", 1234.5),
        (" 7 ", ".", 7),
        ("1,5", ",", 1.5),
        ("-1.234,5", ",", -1234.5),
        ("00123", ".", None),
        ("+5", ".", None),
        ("1,5", ".", None),
        ("12345678901234567890", ".", None),
        ("6704.974958506101", ".", 6704.974958506101),
        ("1e5", ".", None),
        ("12 apples", ".", None),
    ],
)
def test_parse_number(text: str, decimal: str, value: float | None) -> None:
    assert parse_number(text, decimal) == value
    assert type(parse_number(text, decimal)) is type(value)


@pytest.mark.parametrize(
    ("text", "day_first", "value"),
    [
        ("2024-03-15", True, dt.date(2024, 3, 15)),
        ("2024/03/15", True, dt.date(2024, 3, 15)),
        ("2024-03-15T08:30", True, dt.datetime(2024, 3, 15, 8, 30)),
        ("2023-12-29 16:00:00.0000000", True, dt.datetime(2023, 12, 29, 16)),
        ("15/03/2024", True, dt.date(2024, 3, 15)),
        ("03/04/2024", True, dt.date(2024, 4, 3)),
        ("03/04/2024", False, dt.date(2024, 3, 4)),
        ("15.03.2024", False, dt.date(2024, 3, 15)),
        ("3-Nov-23", True, dt.date(2023, 11, 3)),
        ("3 March 1999", True, dt.date(1999, 3, 3)),
        ("31/02/2024", True, None),
        ("2024-13-01", True, None),
        ("10/1", True, None),
    ],
)
def test_parse_date(text: str, day_first: bool, value: dt.date | None) -> None:
    assert parse_date(text, day_first) == value


def test_column_plans() -> None:
    assert plan_column(["00123", "456"]).kind == "text"
    assert plan_column(["1", "2", "absent"]).kind == "auto"
    dates = plan_column(["25/12/2024", "01/02/2024", None])
    assert (dates.kind, dates.day_first, dates.ambiguous, dates.order) == ("date", True, False, "dmy")
    us = plan_column(["12/25/2024", "01/02/2024"])
    assert (us.day_first, us.date_format) == (False, "mm/dd/yyyy")
    unclear = plan_column(["03/04/2024", "05/06/2024"])
    assert unclear.ambiguous and unclear.day_first
    assert not plan_column(["03/04/2024"], day_first=False).ambiguous
    assert plan_column(["25/12/2024", "12/25/2024"]).kind == "text"
    iso = plan_column(["2024-01-02 08:00", "2024-01-03"])
    assert (iso.order, iso.has_time, iso.date_format) == ("ymd", True, "yyyy-mm-dd hh:mm")


def test_converters() -> None:
    auto = converter(ColumnPlan(), ".")
    assert [auto(t) for t in ["1", "x", None, "", "TRUE", "-2.5"]] == [1, "x", None, None, True, -2.5]
    text = converter(ColumnPlan(kind="text"))
    assert text("00123") == "00123" and text("") is None
    dates = converter(ColumnPlan(kind="date", day_first=True))
    assert [dates(t) for t in ["01/02/2024", "absent", "7"]] == [dt.date(2024, 2, 1), "absent", 7]
