"""Page ranges as a teacher types them: "1-3, 5, 8-", "all", "odd", "even", "last", "2-last".

Pages are numbered from 1 in what a teacher types and from 0 in what the
functions return. Items keep the order they were typed in, and a page may
appear more than once ("1, 1, 1" is three copies of page 1). A range written
backwards ("10-1") gives its pages in reverse order.

An arrangement (Merge & arrange's page list, which the page organizer writes) also turns pages
and adds blank ones: "r" after an item turns its pages a quarter right (clockwise), "l" left, "rr"
upside down ("4r", "5-8l", "oddrr"); the word "blank" is a blank page there ("1-3, blank, 4r").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import BadPageRange, LimitExceeded
from pdf.limits import MAX_SHEETS

# Longest text accepted; a page list longer than this was pasted by mistake.
MAX_RANGE_CHARS = 1000
# Pages one page list may select (repeats included): the same figure as the output page limit.
MAX_SELECTED_PAGES = MAX_SHEETS

# Hyphen, non-breaking hyphen, figure dash, en and em dash, horizontal bar, minus, small and full-width hyphen.
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d~]")
_BOUND = r"(?:\d+|last|first)"
_ITEM = re.compile(rf"(?P<start>{_BOUND})?(?P<dash>-)?(?P<end>{_BOUND})?")
_WORDS = ("all", "odd", "even")
BLANK_WORD = "blank"
# A turn written after an item: r a quarter right (clockwise), l a quarter left; "rr" is upside down.
_TURNED = re.compile(r"(?P<body>.*?(?:\d|all|odd|even|last|first|-))(?P<turn>[rl]*)")
_TURN_WORDS = {0: "", 90: "r", 180: "rr", 270: "l"}


def parse_ranges(text: str, page_count: int, document: str = "this PDF") -> list[int]:
    """The 0-based page indexes that `text` names in a document of `page_count` pages, in typed order.

    `document` names the document in messages ("Page 12 does not exist: this PDF has 10 pages.").
    """
    return [index for group in parse_range_groups(text, page_count, document) for index in group]


def parse_range_groups(text: str, page_count: int, document: str = "this PDF") -> list[list[int]]:
    """One list of 0-based page indexes per item of `text` ("1-4, 5-9" gives two groups)."""
    if page_count < 1:
        raise ValueError(f"page_count must be at least 1, not {page_count!r}")
    items = _items(text)
    groups = [_item_pages(item, page_count, document) for item in items]
    selected = sum(len(group) for group in groups)
    if selected > MAX_SELECTED_PAGES:
        raise LimitExceeded(
            f"This page list selects {selected:,} pages; the limit is {MAX_SELECTED_PAGES:,}.",
            hint="Select fewer pages, or repeat fewer of them.",
        )
    return groups


@dataclass(frozen=True)
class Placed:
    """One page of an arrangement: a 0-based page index turned by `turn` degrees clockwise, or a
    blank page (`index` None)."""

    index: int | None
    turn: int = 0


def parse_arrangement(text: str, page_count: int, document: str = "this PDF") -> list[Placed]:
    """The pages `text` arranges (turns and blank pages included), in typed order."""
    if page_count < 1:
        raise ValueError(f"page_count must be at least 1, not {page_count!r}")
    placed: list[Placed] = []
    for item in _items(text):
        if item == BLANK_WORD:
            placed.append(Placed(None))
            continue
        turned = _TURNED.fullmatch(item)
        if turned is None and re.fullmatch("[rl]+", item):
            raise BadPageRange(
                f"“{item}” turns the pages before it: write it right after them, as in 4r or 5-8l.",
                hint="r turns a page a quarter right, l a quarter left, rr upside down.",
            )
        if turned is None:
            raise BadPageRange(f"“{item}” is not a page number or a range of pages.")
        letters = turned["turn"]
        angle = 90 * (letters.count("r") - letters.count("l")) % 360
        placed.extend(Placed(index, angle) for index in _item_pages(turned["body"], page_count, document))
        if len(placed) > MAX_SELECTED_PAGES:
            raise LimitExceeded(
                f"This page list selects over {MAX_SELECTED_PAGES:,} pages; that is the limit.",
                hint="Select fewer pages, or repeat fewer of them.",
            )
    return placed


def format_arrangement(placed: Iterable[Placed]) -> str:
    """The page list of an arrangement, as short as a teacher would type it ("1-3, 4r, blank, 5-9")."""
    parts: list[str] = []
    run: list[int] = []
    run_turn = 0

    def flush() -> None:
        if run:
            suffix = _TURN_WORDS[run_turn]
            parts.extend(f"{part}{suffix}" for part in format_ranges(run).split(", "))
            run.clear()

    for page in placed:
        if page.index is None:
            flush()
            parts.append(BLANK_WORD)
            continue
        turn = page.turn % 360
        if run and turn != run_turn:
            flush()
        run_turn = turn
        run.append(page.index)
    flush()
    return ", ".join(parts)


def format_ranges(indexes: Iterable[int]) -> str:
    """The shortest page list, as a teacher would type it, for these 0-based indexes in this order."""
    runs: list[list[int]] = []
    for number in (index + 1 for index in indexes):
        if runs:
            run = runs[-1]
            step = run[-1] - run[-2] if len(run) > 1 else number - run[-1]
            if step in (1, -1) and number - run[-1] == step:
                run.append(number)
                continue
        runs.append([number])
    parts = []
    for run in runs:
        if len(run) > 2:
            parts.append(f"{run[0]}-{run[-1]}")
        else:
            parts.extend(str(number) for number in run)
    return ", ".join(parts)


def _items(text: str) -> list[str]:
    if len(text) > MAX_RANGE_CHARS:
        raise BadPageRange(
            f"The page list is {len(text):,} characters long; at most {MAX_RANGE_CHARS:,} are accepted."
        )
    # NFKC turns full-width digits and letters into plain ones.
    clean = unicodedata.normalize("NFKC", text).lower()
    clean = _DASHES.sub("-", clean)
    clean = re.sub(r"\s+to\s+", "-", clean)
    clean = re.sub(r"\s*-\s*", "-", clean)
    items = [piece for chunk in re.split(r"[,;]", clean) for piece in chunk.split()]
    if not items:
        raise BadPageRange("No pages were given.", hint="Type page numbers like 1-3, 5, or the word all.")
    return items


def _item_pages(item: str, page_count: int, document: str) -> list[int]:
    if item in _WORDS:
        start = 1 if item == "even" else 0
        step = 1 if item == "all" else 2
        pages = list(range(start, page_count, step))
        if not pages:
            raise BadPageRange(f"There are no {item} pages: {document} has {_pages(page_count)}.")
        return pages
    match = _ITEM.fullmatch(item)
    if match is None or not (match["start"] or match["end"]):
        raise BadPageRange(f"“{item}” is not a page number or a range of pages.")
    first = _bound(match["start"], page_count, document, default=1)
    if not match["dash"]:
        return [first - 1]
    last = _bound(match["end"], page_count, document, default=page_count)
    step = 1 if last >= first else -1
    return list(range(first - 1, last - 1 + step, step))


def _bound(token: str | None, page_count: int, document: str, default: int) -> int:
    if token is None:
        return default
    if token == "last":
        return page_count
    if token == "first":
        return 1
    number = int(token)
    if number == 0:
        raise BadPageRange("There is no page 0: pages are numbered from 1.")
    if number > page_count:
        raise BadPageRange(f"Page {number:,} does not exist: {document} has {_pages(page_count)}.")
    return number


def _pages(count: int) -> str:
    return f"{count:,} page{'s' if count != 1 else ''}"
