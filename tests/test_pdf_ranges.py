"""Page ranges as teachers type them, and the messages they get when something is off."""

from __future__ import annotations

import pytest

from core.errors import BadPageRange, LimitExceeded
from pdf.ranges import MAX_RANGE_CHARS, format_ranges, parse_range_groups, parse_ranges


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1-3, 5, 8-", [1, 2, 3, 5, 8, 9, 10]),
        ("all", list(range(1, 11))),
        ("ALL", list(range(1, 11))),
        ("odd", [1, 3, 5, 7, 9]),
        ("even", [2, 4, 6, 8, 10]),
        ("last", [10]),
        ("first", [1]),
        ("2-last", list(range(2, 11))),
        ("-3", [1, 2, 3]),
        ("1 – 3", [1, 2, 3]),  # en dash, spaces
        ("1—3;7", [1, 2, 3, 7]),  # em dash, semicolon
        ("1−3", [1, 2, 3]),  # minus sign
        ("1 to 3", [1, 2, 3]),
        ("3 4 5", [3, 4, 5]),
        ("  4 ,, 2  ", [4, 2]),  # typed order kept, empty items ignored
        ("１-３", [1, 2, 3]),  # full-width digits
        ("5-3", [5, 4, 3]),  # backwards: reverse order
        ("last-8", [10, 9, 8]),
        ("1, 1, 1", [1, 1, 1]),  # repeats kept
        ("10", [10]),
    ],
)
def test_teacher_input_is_understood(text: str, expected: list[int]) -> None:
    assert parse_ranges(text, 10) == [n - 1 for n in expected]


@pytest.mark.parametrize(
    ("text", "count", "message"),
    [
        ("12", 10, "Page 12 does not exist: this PDF has 10 pages."),
        ("8-12", 10, "Page 12 does not exist: this PDF has 10 pages."),
        ("2", 1, "Page 2 does not exist: this PDF has 1 page."),
        ("0", 10, "There is no page 0: pages are numbered from 1."),
        ("0-3", 10, "There is no page 0: pages are numbered from 1."),
        ("abc", 10, "“abc” is not a page number or a range of pages."),
        ("1-2-3", 10, "“1-2-3” is not a page number or a range of pages."),
        ("1.5", 10, "“1.5” is not a page number or a range of pages."),
        ("-", 10, "“-” is not a page number or a range of pages."),
        ("even", 1, "There are no even pages: this PDF has 1 page."),
        ("", 10, "No pages were given."),
        (" , ; ", 10, "No pages were given."),
    ],
)
def test_mistakes_are_named_in_plain_words(text: str, count: int, message: str) -> None:
    with pytest.raises(BadPageRange) as caught:
        parse_ranges(text, count)
    assert caught.value.message == message
    assert caught.value.key == "bad_page_range"
    assert caught.value.hint  # what to type instead


def test_the_document_can_be_named() -> None:
    with pytest.raises(BadPageRange, match=r"Page 4 does not exist: Fractions\.pdf has 3 pages\."):
        parse_ranges("4", 3, "Fractions.pdf")


def test_groups_follow_the_items() -> None:
    assert parse_range_groups("1-4, 5-9", 10) == [[0, 1, 2, 3], [4, 5, 6, 7, 8]]
    assert parse_range_groups("odd, last", 4) == [[0, 2], [3]]


def test_limits() -> None:
    with pytest.raises(BadPageRange, match="characters long"):
        parse_ranges("1," * MAX_RANGE_CHARS, 10)
    with pytest.raises(LimitExceeded, match="selects 6,000 pages"):
        parse_ranges("1-3000, 1-3000", 3000)
    with pytest.raises(ValueError):
        parse_ranges("1", 0)


@pytest.mark.parametrize(
    ("indexes", "text"),
    [
        ([0, 1, 2, 4, 7, 8, 9], "1-3, 5, 8-10"),
        ([3, 2, 1, 0], "4-1"),
        ([0, 1], "1, 2"),
        ([0, 0, 0], "1, 1, 1"),
        ([], ""),
    ],
)
def test_format_gives_back_what_parse_reads(indexes: list[int], text: str) -> None:
    assert format_ranges(indexes) == text
    if indexes:
        assert parse_ranges(text, 10) == indexes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1-3, 4r, blank, 5", [(1, 0), (2, 0), (3, 0), (4, 90), (None, 0), (5, 0)]),
        ("4l, 2rr", [(4, 270), (2, 180)]),
        ("2-3R", [(2, 90), (3, 90)]),  # any case
        ("lastl, firstr", [(10, 270), (1, 90)]),
        ("alll", [(n, 270) for n in range(1, 11)]),  # all, turned left
        ("3-l", [(n, 270) for n in range(3, 11)]),  # 3 to the end, turned left
        ("4rl, 4rrrr", [(4, 0), (4, 0)]),  # turns add up
        ("oddrr", [(n, 180) for n in (1, 3, 5, 7, 9)]),
        ("BLANK, 1", [(None, 0), (1, 0)]),
    ],
)
def test_an_arrangement_turns_pages_and_adds_blank_ones(text: str, expected: list) -> None:
    from pdf.ranges import parse_arrangement

    got = [(None if p.index is None else p.index + 1, p.turn) for p in parse_arrangement(text, 10)]
    assert got == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("4 r", "“r” turns the pages before it: write it right after them, as in 4r"),
        ("4x", "“4x” is not a page number"),
        ("11r", "Page 11 does not exist"),
        ("blankr", "“blankr” is not a page number"),
    ],
)
def test_arrangement_mistakes_are_named(text: str, message: str) -> None:
    from pdf.ranges import parse_arrangement

    with pytest.raises(BadPageRange, match=message):
        parse_arrangement(text, 10)


def test_an_arrangement_written_back_reads_the_same() -> None:
    from pdf.ranges import Placed, format_arrangement, parse_arrangement

    pages = [Placed(6), Placed(0), Placed(2), Placed(3, 90), Placed(4), Placed(4), Placed(None), Placed(5, 270),
             Placed(7, 270), Placed(8, 180), Placed(9)]  # fmt: skip
    text = format_arrangement(pages)
    assert text == "7, 1, 3, 4r, 5, 5, blank, 6l, 8l, 9rr, 10"
    assert parse_arrangement(text, 10) == pages
