"""Cut marks: short lines in a sheet's outer margin where its cells begin and end, so that a
guillotine cuts the sheet into cards (exit tickets, flashcards, labels) along the cells.

Marks never enter the grid of cells: they start a little outside it and stop before the paper's
edge. A margin too narrow to hold one is refused where the options are checked.
"""

from __future__ import annotations

from pdf.layout import MM, Layout

MARK_GAP_MM = 1.5  # between the grid and where a mark starts
MARK_LENGTH_MM = 6.0  # the longest mark; shorter where the margin is narrower
MIN_MARK_MM = 1.5  # a shorter mark is not seen
MIN_MARGIN_MM = MARK_GAP_MM + MIN_MARK_MM + 0.5  # the margin cut marks need
# Thin black lines: 0.3 pt.
MARK_STYLE = b"0.3 w 0 G"

Line = tuple[float, float, float, float]  # x0, y0, x1, y1 in points


def cut_lines(layout: Layout) -> list[Line]:
    """The cut marks of one sheet of `layout`, in PDF points."""
    left = min(c.x for c in layout.cells)
    right = max(c.x + c.w for c in layout.cells)
    bottom = min(c.y for c in layout.cells)
    top = max(c.y + c.h for c in layout.cells)
    xs = sorted({round(v, 3) for c in layout.cells for v in (c.x, c.x + c.w)})
    ys = sorted({round(v, 3) for c in layout.cells for v in (c.y, c.y + c.h)})
    gap = MARK_GAP_MM * MM
    room = min(left, bottom, layout.width - right, layout.height - top) - gap
    length = min(MARK_LENGTH_MM * MM, room - 0.5 * MM)
    if length < MIN_MARK_MM * MM:
        return []
    lines: list[Line] = []
    for x in xs:
        lines.append((x, top + gap, x, top + gap + length))
        lines.append((x, bottom - gap, x, bottom - gap - length))
    for y in ys:
        lines.append((left - gap, y, left - gap - length, y))
        lines.append((right + gap, y, right + gap + length, y))
    return lines


def draw_cut_marks(layout: Layout) -> bytes:
    """The content-stream operators of the sheet's cut marks (b"" when there is no room for them)."""
    lines = cut_lines(layout)
    if not lines:
        return b""
    ops = [b"q " + MARK_STYLE]
    ops += [b"%s m %s l" % (_pair(x0, y0), _pair(x1, y1)) for x0, y0, x1, y1 in lines]
    return b" ".join(ops) + b" S Q"


def _pair(x: float, y: float) -> bytes:
    return f"{x:.3f} {y:.3f}".encode()
