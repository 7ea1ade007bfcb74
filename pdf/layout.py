"""Sheet geometry: paper sizes, grids, orientation choice, cells and page placement.

Pure arithmetic in PDF points (1/72 inch), origin at the bottom left of a sheet.
Nothing here reads or writes a file, so the Handouts page can use it to say what
the teacher will get before any job runs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.errors import LimitExceeded
from pdf.limits import MAX_MARGIN_MM, MIN_CELL_MM

MM = 72 / 25.4

# Portrait width and height in points.
PAPERS: dict[str, tuple[float, float]] = {
    "A4": (210 * MM, 297 * MM),
    "Letter": (612.0, 792.0),
    "A3": (297 * MM, 420 * MM),
    "A5": (148 * MM, 210 * MM),
}

# Columns and rows on a portrait sheet; a landscape sheet swaps them.
GRIDS: dict[int, tuple[int, int]] = {
    1: (1, 1),
    2: (1, 2),
    4: (2, 2),
    6: (2, 3),
    8: (2, 4),
    9: (3, 3),
    16: (4, 4),
}

ORIENTATIONS = ("auto", "portrait", "landscape")
ORDERS = ("across", "down")

Matrix = tuple[float, float, float, float, float, float]


@dataclass(frozen=True, slots=True)
class Rect:
    """An upright rectangle: bottom-left corner, width and height."""

    x: float
    y: float
    w: float
    h: float

    def contains(self, other: Rect, tolerance: float = 0.01) -> bool:
        """True when `other` lies inside this rectangle."""
        return (
            other.x >= self.x - tolerance
            and other.y >= self.y - tolerance
            and other.x + other.w <= self.x + self.w + tolerance
            and other.y + other.h <= self.y + self.h + tolerance
        )


@dataclass(frozen=True, slots=True)
class PageBox:
    """The visible box of a source page in its own user space, and its /Rotate (0, 90, 180, 270)."""

    x0: float
    y0: float
    x1: float
    y1: float
    rotation: int = 0

    @property
    def size(self) -> tuple[float, float]:
        """Width and height as a reader shows the page, rotation applied."""
        w, h = self.x1 - self.x0, self.y1 - self.y0
        return (h, w) if self.rotation in (90, 270) else (w, h)


@dataclass(frozen=True)
class Layout:
    """A sheet and its cells, in reading order."""

    paper: str
    orientation: str
    width: float
    height: float
    cols: int
    rows: int
    cells: tuple[Rect, ...]

    @property
    def n(self) -> int:
        return len(self.cells)


@dataclass(frozen=True)
class NUpPlan:
    """What an N-per-sheet run will give, computed without writing a file."""

    layout: Layout
    placed_pages: int
    sheets: int
    blank_cells: int


def normalise_rotation(value: float) -> int:
    """A /Rotate value as 0, 90, 180 or 270 (negative and oversized values are legal in files)."""
    return (round(value / 90) * 90) % 360


def paper_size(paper: str, orientation: str = "portrait") -> tuple[float, float]:
    """Width and height in points of a named paper, turned to `orientation`."""
    for name, (w, h) in PAPERS.items():
        if name.lower() == paper.strip().lower():
            return (h, w) if orientation == "landscape" else (w, h)
    raise ValueError(f"unknown paper {paper!r}; choose one of {', '.join(PAPERS)}")


def canonical_paper(paper: str) -> str:
    """The paper name as spelled in PAPERS."""
    for name in PAPERS:
        if name.lower() == paper.strip().lower():
            return name
    raise ValueError(f"unknown paper {paper!r}; choose one of {', '.join(PAPERS)}")


def grid_layout(
    paper: str,
    orientation: str,
    cols: int,
    rows: int,
    margin_mm: float,
    gap_mm: float,
    order: str = "across",
) -> Layout:
    """The cells of a cols × rows grid on a sheet, numbered in reading order."""
    if orientation not in ("portrait", "landscape"):
        raise ValueError(f"orientation must be portrait or landscape, not {orientation!r}")
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    _check_spacing(margin_mm, gap_mm)
    width, height = paper_size(paper, orientation)
    margin, gap = margin_mm * MM, gap_mm * MM
    cell_w = (width - 2 * margin - (cols - 1) * gap) / cols
    cell_h = (height - 2 * margin - (rows - 1) * gap) / rows
    if min(cell_w, cell_h) < MIN_CELL_MM * MM:
        raise LimitExceeded(
            f"With these margins and gaps each page would be smaller than {MIN_CELL_MM} mm.",
            hint="Choose smaller margins or gaps, or fewer pages per sheet.",
        )
    cells = []
    for k in range(cols * rows):
        row, col = divmod(k, cols) if order == "across" else (k % rows, k // rows)
        x = margin + col * (cell_w + gap)
        y = height - margin - cell_h - row * (cell_h + gap)
        cells.append(Rect(x, y, cell_w, cell_h))
    return Layout(canonical_paper(paper), orientation, width, height, cols, rows, tuple(cells))


def choose_layout(
    page_sizes: Iterable[tuple[float, float]],
    n: int,
    paper: str = "A4",
    orientation: str = "auto",
    margin_mm: float = 10,
    gap_mm: float = 5,
    order: str = "across",
) -> Layout:
    """The grid for `n` per sheet that wastes least paper for these page sizes (as displayed)."""
    if n not in GRIDS:
        raise ValueError(f"n must be one of {sorted(GRIDS)}, not {n!r}")
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {ORIENTATIONS}, not {orientation!r}")
    shapes = Counter((round(w, 1), round(h, 1)) for w, h in page_sizes if w > 0 and h > 0)
    best: Layout | None = None
    best_score = -1.0
    for sheet_orientation, cols, rows in _candidates(n, orientation):
        layout = grid_layout(paper, sheet_orientation, cols, rows, margin_mm, gap_mm, order)
        cell = layout.cells[0]
        score = sum(count * _fitted_area((w, h), cell) for (w, h), count in shapes.items())
        # Ties keep the earlier, more conventional candidate.
        if score > best_score * (1 + 1e-9):
            best, best_score = layout, score
    assert best is not None
    return best


def plan_n_up(
    page_sizes: Sequence[tuple[float, float]],
    n: int,
    paper: str = "A4",
    orientation: str = "auto",
    margin_mm: float = 10,
    gap_mm: float = 5,
    order: str = "across",
) -> NUpPlan:
    """Sheets and blank cells for placing these pages (in order) `n` per sheet."""
    layout = choose_layout(page_sizes, n, paper, orientation, margin_mm, gap_mm, order)
    placed = len(page_sizes)
    sheets = math.ceil(placed / n)
    return NUpPlan(layout, placed, sheets, sheets * n - placed)


def mirrored_places(layout: Layout) -> list[int]:
    """For each cell, the cell behind it on the back of the sheet: the same row, the mirrored column
    (the paper is turned over on its vertical edge, as two-sided handouts are printed)."""
    found = []
    for cell in layout.cells:
        mirror_x = layout.width - (cell.x + cell.w)
        found.append(
            min(
                range(layout.n),
                key=lambda j: abs(layout.cells[j].x - mirror_x) + abs(layout.cells[j].y - cell.y),
            )
        )
    return found


def fit(size: tuple[float, float], cell: Rect) -> Rect:
    """The largest rectangle of this shape centred in `cell`."""
    w, h = size
    scale = min(cell.w / w, cell.h / h)
    return Rect(cell.x + (cell.w - w * scale) / 2, cell.y + (cell.h - h * scale) / 2, w * scale, h * scale)


def placement_matrix(box: PageBox, cell: Rect) -> Matrix:
    """The `cm` matrix that draws the page's visible box upright, scaled and centred in `cell`."""
    target = fit(box.size, cell)
    w, h = box.x1 - box.x0, box.y1 - box.y0
    scale = target.w / box.size[0]
    # /Rotate turns the page clockwise for display: map the box (origin at 0,0) onto the displayed page.
    a, b, c, d, e, f = {
        0: (1, 0, 0, 1, 0, 0),
        90: (0, -1, 1, 0, 0, w),
        180: (-1, 0, 0, -1, w, h),
        270: (0, 1, -1, 0, h, 0),
    }[box.rotation]
    e -= a * box.x0 + c * box.y0
    f -= b * box.x0 + d * box.y0
    return (
        a * scale,
        b * scale,
        c * scale,
        d * scale,
        e * scale + target.x,
        f * scale + target.y,
    )


def _candidates(n: int, orientation: str) -> list[tuple[str, int, int]]:
    cols, rows = GRIDS[n]
    conventional = [("portrait", cols, rows), ("landscape", rows, cols)]
    swapped = [("portrait", rows, cols), ("landscape", cols, rows)]
    ordered = conventional + [c for c in swapped if c not in conventional]
    if orientation == "auto":
        return ordered
    return [c for c in ordered if c[0] == orientation]


def _fitted_area(size: tuple[float, float], cell: Rect) -> float:
    placed = fit(size, cell)
    return placed.w * placed.h


def _check_spacing(margin_mm: float, gap_mm: float) -> None:
    for name, value in (("margin", margin_mm), ("gap", gap_mm)):
        if not (0 <= value <= MAX_MARGIN_MM) or math.isnan(value):
            raise ValueError(f"{name} must be between 0 and {MAX_MARGIN_MM} mm, not {value!r}")
