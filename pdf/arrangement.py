"""Editing an arrangement of pages, as the page organizer does: turn, remove, duplicate, add a
blank page after, move. Each takes the arrangement and the positions picked (0-based places in
it) and gives the new arrangement with the positions to keep picked; nothing is changed in place.

An arrangement is the list of `pdf.ranges.Placed` that Merge & arrange's page list reads and
writes (`parse_arrangement`, `format_arrangement`), so what the organizer builds is the very
text the job takes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from pdf.ranges import Placed

Arrangement = tuple[Placed, ...]


def every_page(page_count: int) -> Arrangement:
    return tuple(Placed(index) for index in range(page_count))


def _picked(arrangement: Sequence[Placed], positions: Iterable[int]) -> list[int]:
    return sorted({p for p in positions if 0 <= p < len(arrangement)})


def turn(
    arrangement: Sequence[Placed], positions: Iterable[int], degrees: int
) -> tuple[Arrangement, list[int]]:
    """Turn the picked pages by `degrees` clockwise (a blank page keeps its own shape)."""
    picked = set(_picked(arrangement, positions))
    turned = tuple(
        Placed(p.index, (p.turn + degrees) % 360) if i in picked and p.index is not None else p
        for i, p in enumerate(arrangement)
    )
    return turned, sorted(picked)


def remove(arrangement: Sequence[Placed], positions: Iterable[int]) -> tuple[Arrangement, list[int]]:
    picked = set(_picked(arrangement, positions))
    return tuple(p for i, p in enumerate(arrangement) if i not in picked), []


def duplicate(arrangement: Sequence[Placed], positions: Iterable[int]) -> tuple[Arrangement, list[int]]:
    """Each picked page twice, the copy right after it; the copies are picked."""
    return _after_each(arrangement, positions, lambda page: page)


def blank_after(arrangement: Sequence[Placed], positions: Iterable[int]) -> tuple[Arrangement, list[int]]:
    """A blank page after each picked page; the blank pages are picked."""
    return _after_each(arrangement, positions, lambda page: Placed(None))


def _after_each(
    arrangement: Sequence[Placed], positions: Iterable[int], made: Callable[[Placed], Placed]
) -> tuple[Arrangement, list[int]]:
    """`made(page)` inserted after each picked page; the inserted ones are picked."""
    picked = set(_picked(arrangement, positions))
    out: list[Placed] = []
    added = []
    for i, p in enumerate(arrangement):
        out.append(p)
        if i in picked:
            added.append(len(out))
            out.append(made(p))
    return tuple(out), added


def move(
    arrangement: Sequence[Placed], positions: Iterable[int], before: int
) -> tuple[Arrangement, list[int]]:
    """Move the picked pages, in their order, to just before position `before` of the arrangement
    as it is (len(arrangement): to the end); they stay picked."""
    picked = _picked(arrangement, positions)
    if not picked:
        return tuple(arrangement), []
    before = max(0, min(before, len(arrangement)))
    moving = [arrangement[i] for i in picked]
    rest = [p for i, p in enumerate(arrangement) if i not in set(picked)]
    at = before - sum(1 for i in picked if i < before)
    out = rest[:at] + moving + rest[at:]
    return tuple(out), list(range(at, at + len(moving)))


def left_out(arrangement: Sequence[Placed], page_count: int) -> list[int]:
    """The pages (0-based) the arrangement does not use at all."""
    used = {p.index for p in arrangement}
    return [index for index in range(page_count) if index not in used]


def put_back(
    arrangement: Sequence[Placed], positions: Iterable[int], page_count: int
) -> tuple[Arrangement, list[int]]:
    """The pages left out added at the end, as they are; they are picked."""
    missing = left_out(arrangement, page_count)
    return tuple(arrangement) + tuple(Placed(i) for i in missing), list(
        range(len(arrangement), len(arrangement) + len(missing))
    )
