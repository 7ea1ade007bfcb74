"""Sheet geometry: papers, grids, orientation choice, fitting and the placement matrix."""

from __future__ import annotations

import itertools

import pytest

from core.errors import LimitExceeded
from pdf.layout import (
    GRIDS,
    MM,
    PageBox,
    Rect,
    choose_layout,
    fit,
    grid_layout,
    normalise_rotation,
    paper_size,
    placement_matrix,
    plan_n_up,
)

A4_PORTRAIT = (595.2756, 841.8898)
A4_LANDSCAPE = (841.8898, 595.2756)


def apply(m: tuple[float, ...], x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


@pytest.mark.parametrize(
    ("paper", "size"),
    [("A4", A4_PORTRAIT), ("a4", A4_PORTRAIT), ("Letter", (612, 792)), ("A3", (841.8898, 1190.5512))],
)
def test_paper_sizes_in_points(paper: str, size: tuple[float, float]) -> None:
    assert paper_size(paper) == pytest.approx(size, abs=0.01)
    assert paper_size(paper, "landscape") == pytest.approx(size[::-1], abs=0.01)


def test_unknown_paper_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown paper"):
        paper_size("B5")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0), (90, 90), (360, 0), (-90, 270), (-270, 90), (-450, 270), (540, 180), (990, 270), (-180, 180)],
)
def test_rotation_is_normalised(value: int, expected: int) -> None:
    assert normalise_rotation(value) == expected


@pytest.mark.parametrize(
    ("n", "orientation"), list(itertools.product(sorted(GRIDS), ["portrait", "landscape"]))
)
def test_grid_cells_fill_the_sheet_inside_margins_without_overlap(n: int, orientation: str) -> None:
    cols, rows = GRIDS[n] if orientation == "portrait" else GRIDS[n][::-1]
    layout = grid_layout("A4", orientation, cols, rows, margin_mm=10, gap_mm=5)
    inner = Rect(10 * MM, 10 * MM, layout.width - 20 * MM, layout.height - 20 * MM)
    assert len(layout.cells) == n
    assert all(inner.contains(cell) for cell in layout.cells)
    for one, other in itertools.combinations(layout.cells, 2):
        apart_x = one.x + one.w <= other.x + 0.01 or other.x + other.w <= one.x + 0.01
        apart_y = one.y + one.h <= other.y + 0.01 or other.y + other.h <= one.y + 0.01
        assert apart_x or apart_y
    used_w = cols * layout.cells[0].w + (cols - 1) * 5 * MM
    assert used_w == pytest.approx(inner.w)


def test_reading_order_across_fills_rows_first_and_down_fills_columns_first() -> None:
    across = grid_layout("A4", "portrait", 2, 3, 10, 5, order="across").cells
    down = grid_layout("A4", "portrait", 2, 3, 10, 5, order="down").cells
    # Across: 1 2 / 3 4 / 5 6.   Down: 1 4 / 2 5 / 3 6.
    assert across[0].y == across[1].y > across[2].y
    assert across[0].x < across[1].x
    assert down[0].x == down[1].x == down[2].x < down[3].x
    assert down[0].y > down[1].y > down[2].y
    assert down[1] == across[2]


@pytest.mark.parametrize(
    ("size", "n", "expected"),
    [
        (A4_PORTRAIT, 1, ("portrait", 1, 1)),
        (A4_PORTRAIT, 2, ("landscape", 2, 1)),
        (A4_PORTRAIT, 4, ("portrait", 2, 2)),
        (A4_PORTRAIT, 6, ("landscape", 3, 2)),
        (A4_PORTRAIT, 8, ("landscape", 4, 2)),
        (A4_PORTRAIT, 9, ("portrait", 3, 3)),
        (A4_PORTRAIT, 16, ("portrait", 4, 4)),
        (A4_LANDSCAPE, 1, ("landscape", 1, 1)),
        (A4_LANDSCAPE, 2, ("portrait", 1, 2)),
        (A4_LANDSCAPE, 4, ("landscape", 2, 2)),
        (A4_LANDSCAPE, 6, ("portrait", 2, 3)),
        (A4_LANDSCAPE, 8, ("portrait", 2, 4)),
    ],
)
def test_auto_orientation_wastes_least_paper(size: tuple[float, float], n: int, expected: tuple) -> None:
    layout = choose_layout([size] * 3, n, "A4")
    assert (layout.orientation, layout.cols, layout.rows) == expected


def test_auto_orientation_follows_the_majority_of_mixed_pages() -> None:
    assert choose_layout([A4_LANDSCAPE] * 5 + [A4_PORTRAIT], 2).orientation == "portrait"
    assert choose_layout([A4_PORTRAIT] * 5 + [A4_LANDSCAPE], 2).orientation == "landscape"


@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
def test_orientation_can_be_forced(orientation: str) -> None:
    layout = choose_layout([A4_PORTRAIT], 2, "Letter", orientation)
    assert layout.orientation == orientation
    assert layout.n == 2
    assert (layout.width < layout.height) == (orientation == "portrait")


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="n must be"):
        choose_layout([A4_PORTRAIT], 3)
    with pytest.raises(ValueError, match="orientation"):
        choose_layout([A4_PORTRAIT], 4, orientation="sideways")
    with pytest.raises(ValueError, match="order"):
        choose_layout([A4_PORTRAIT], 4, order="spiral")
    with pytest.raises(ValueError, match="margin"):
        choose_layout([A4_PORTRAIT], 4, margin_mm=-1)


def test_margins_that_leave_no_room_raise_a_limit_in_plain_words() -> None:
    with pytest.raises(LimitExceeded) as caught:
        choose_layout([A4_PORTRAIT], 16, "A4", margin_mm=50, gap_mm=20)
    assert "smaller margins" in caught.value.for_teacher()


def test_fit_keeps_the_shape_and_centres() -> None:
    cell = Rect(100, 200, 300, 300)
    placed = fit((200, 100), cell)
    assert (placed.w, placed.h) == pytest.approx((300, 150))
    assert placed.y - cell.y == pytest.approx(cell.y + cell.h - placed.y - placed.h)
    assert cell.contains(placed)


# Where the corner a reader shows at the top left sits in the page's own coordinates, by /Rotate
# (the page turns clockwise): the left edge goes to the top for 90, and so on.
TOP_LEFT_SOURCE = {
    0: lambda b: (b.x0, b.y1),
    90: lambda b: (b.x0, b.y0),
    180: lambda b: (b.x1, b.y0),
    270: lambda b: (b.x1, b.y1),
}


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize(
    "box", [(0, 0, 612, 792), (10, 20, 582, 752), (-99, -99, 612, 792), (0, 482, 361, 792)]
)
def test_placement_lands_the_visible_box_upright_inside_its_cell(rotation: int, box: tuple) -> None:
    page = PageBox(*box, rotation=rotation)
    cell = Rect(40, 60, 250, 180)
    m = placement_matrix(page, cell)
    corners = [apply(m, x, y) for x in (page.x0, page.x1) for y in (page.y0, page.y1)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    placed = Rect(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    assert cell.contains(placed)
    assert placed.w / placed.h == pytest.approx(page.size[0] / page.size[1])
    expected = fit(page.size, cell)
    assert (placed.x, placed.y, placed.w, placed.h) == pytest.approx(
        (expected.x, expected.y, expected.w, expected.h)
    )
    top_left = apply(m, *TOP_LEFT_SOURCE[rotation](page))
    assert top_left == pytest.approx((placed.x, placed.y + placed.h))
    # Upright: no mirror image (positive determinant).
    assert m[0] * m[3] - m[1] * m[2] > 0


def test_plan_counts_sheets_and_blank_cells() -> None:
    plan = plan_n_up([(510.2, 595.3)] * 566, 4)
    assert (plan.sheets, plan.placed_pages, plan.blank_cells) == (142, 566, 2)
    assert plan_n_up([A4_PORTRAIT] * 9, 9).blank_cells == 0
