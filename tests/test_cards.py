"""The same page many times per sheet, cut-and-stack order and cut marks (#19): exit tickets,
flashcards and numbered cards, checked by what pdfium reads in each cell and draws in the margin."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from core.errors import BadOptions
from pdf.cut_marks import MIN_MARGIN_MM, cut_lines
from pdf.layout import MM, choose_layout
from pdf.plans import cut_and_stack_sheets
from storage.jobs import Status
from tests.make_files import make_pdf
from tests.test_merge_chain import upload
from worker.kinds.handouts import HandoutOptions


def cell_texts(pdf, layout) -> list[list[str]]:
    """What pdfium reads in each cell of each sheet, in reading order."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        sheets = []
        for page in document:
            text = page.get_textpage()
            sheets.append([" ".join(text.get_text_bounded(c.x, c.y, c.x + c.w, c.y + c.h).split())
                           for c in layout.cells])  # fmt: skip
        return sheets
    finally:
        document.close()


def _layout(options: HandoutOptions):
    return choose_layout([(595.28, 841.89)], options.per_sheet, options.paper, options.orientation,
                         options.margin_mm, options.gap_mm, options.order)  # fmt: skip


def _handouts(jobs, burst, tmp_path, pages: int, options: dict):
    source = upload(jobs.config, make_pdf(tmp_path / "Cards.pdf", pages, "Card"))
    record = jobs.submit("handouts", "Cards", [source], options, "local")
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED, done.error
    return jobs.output_path(done.id, done.outputs[0], None), done


def test_cut_and_stack_gives_the_cards_back_in_order_for_every_count():
    for count in range(1, 30):
        for n in (2, 4, 6, 8, 9, 16):
            sheets = cut_and_stack_sheets(list(range(count)), n)
            piles = [[sheet[c] for sheet in sheets] for c in range(n)]  # cut: one pile per place
            stacked = [i for pile in piles for i in pile if i is not None]  # the first pile on top
            assert stacked == list(range(count)), (count, n)
            assert len(sheets) == -(-count // n)


def test_numbered_cards_come_out_in_order_once_cut_and_stacked(jobs, burst, tmp_path):
    options = {"layout": "n_up", "per_sheet": 4, "fill": "stack", "cut_marks": True}
    out, _done = _handouts(jobs, burst, tmp_path, 10, options)
    sheets = cell_texts(out, _layout(HandoutOptions.from_dict(options)))
    assert len(sheets) == 3  # 10 cards, 4 per sheet
    piles = [[sheet[c] for sheet in sheets] for c in range(4)]
    stacked = [text for pile in piles for text in pile if text]
    assert stacked == [f"Card {n}" for n in range(1, 11)]


def test_two_sided_cards_have_each_back_behind_its_front_and_stay_in_order(jobs, burst, tmp_path):
    options = {"layout": "n_up", "per_sheet": 4, "fill": "stack", "duplex": True, "cut_marks": True}
    out, done = _handouts(jobs, burst, tmp_path, 10, options)  # 5 cards: pages 1/2, 3/4, … 9/10
    layout = _layout(HandoutOptions.from_dict(options))
    sheets = cell_texts(out, layout)
    assert len(sheets) == 4  # 2 sheets of paper, front and back
    for front, back in zip(sheets[0::2], sheets[1::2], strict=True):
        for c, cell in enumerate(layout.cells):
            # Turned over on its vertical edge: the same row, the mirrored column.
            [d] = [j for j, other in enumerate(layout.cells)
                   if abs(other.x - (layout.width - cell.x - cell.w)) < 0.5 and abs(other.y - cell.y) < 0.5]  # fmt: skip
            if front[c]:
                number = int(front[c].split()[1])
                assert number % 2 == 1 and back[d] == f"Card {number + 1}", (front, back)
            else:
                assert not back[d]
    piles = [[sheet[c] for sheet in sheets[0::2]] for c in range(4)]
    assert [t for pile in piles for t in pile if t] == [f"Card {n}" for n in (1, 3, 5, 7, 9)]
    [step] = [s for s in done.steps if s.result.get("sheets_of_paper")]
    assert step.result["sheets_of_paper"] == 2


def test_each_page_fills_its_own_sheet_when_repeated(jobs, burst, tmp_path):
    options = {"layout": "n_up", "per_sheet": 8, "fill": "repeat"}
    out, done = _handouts(jobs, burst, tmp_path, 3, options)
    sheets = cell_texts(out, _layout(HandoutOptions.from_dict(options)))
    assert sheets == [[f"Card {n}"] * 8 for n in (1, 2, 3)]
    [step] = [s for s in done.steps if s.result.get("sheets_of_paper")]
    assert step.result["sheets_of_paper"] == 3 and step.result["blank_cells"] == 0


def test_cut_marks_sit_in_the_margin_on_every_cell_boundary(jobs, burst, tmp_path):
    options = {
        "layout": "n_up",
        "per_sheet": 6,
        "fill": "repeat",
        "cut_marks": True,
        "margin_mm": 12,
        "gap_mm": 6,
    }
    out, _ = _handouts(jobs, burst, tmp_path, 1, options)
    layout = _layout(HandoutOptions.from_dict(options))
    xs = sorted({round(v, 1) for c in layout.cells for v in (c.x, c.x + c.w)})
    ys = sorted({round(v, 1) for c in layout.cells for v in (c.y, c.y + c.h)})
    assert len(xs) == 2 * layout.cols and len(ys) == 2 * layout.rows  # both sides of every gap
    lines = cut_lines(layout)
    assert {round(x0, 1) for x0, y0, x1, y1 in lines if x0 == x1} == set(xs)
    assert {round(y0, 1) for x0, y0, x1, y1 in lines if y0 == y1} == set(ys)
    grid = (min(xs), min(ys), max(xs), max(ys))
    for x0, y0, x1, y1 in lines:  # outside the grid, inside the paper
        for x, y in ((x0, y0), (x1, y1)):
            assert 0 < x < layout.width and 0 < y < layout.height
            assert not (grid[0] < x < grid[2] and grid[1] < y < grid[3])
    # Rendered: the paper is dark where a vertical mark runs through the top margin, white beside it.
    document = pdfium.PdfDocument(str(out))
    scale = 4
    image = document[0].render(scale=scale, grayscale=True).to_pil()
    document.close()
    x = xs[1]
    top_mark_y = layout.height - (grid[3] + (MIN_MARGIN_MM + 1) * MM)  # from the top, in points
    darkest = min(image.getpixel((round(x * scale) + dx, round(top_mark_y * scale))) for dx in (-1, 0, 1))
    beside = image.getpixel((round((x + 2 * MM) * scale), round(top_mark_y * scale)))
    assert darkest < 128 < beside


def test_cut_marks_need_room_in_the_margin():
    with pytest.raises(BadOptions, match="cut marks need a margin of at least"):
        HandoutOptions.from_dict({"per_sheet": 4, "cut_marks": True, "margin_mm": 2})
    HandoutOptions.from_dict({"per_sheet": 4, "cut_marks": True, "margin_mm": MIN_MARGIN_MM})


def test_the_handouts_page_counts_repeated_sheets_before_the_button(app_env):
    from tests.make_files import pdf_bytes
    from tests.test_pages import app, assert_clean

    at = app()
    at.switch_page("ui/handouts.py").run()
    at.file_uploader(key="handouts_files").upload("Tickets.pdf", pdf_bytes(3, "Ticket"), "application/pdf")
    at.run()
    at.selectbox(key="handouts_n").set_value(8).run()
    at.selectbox(key="handouts_fill").set_value("repeat").run()
    at.checkbox(key="handouts_cut_marks").check().run()
    assert_clean(at)
    sheets = next(m for m in at.metric if m.label == "Sheets of paper")
    assert sheets.value == "3"  # one sheet per page, each page eight times
    picture = at.get("image")
    assert len(picture) == 1  # the first sheet, eight tickets with their cut marks


def test_the_handouts_page_says_what_the_layout_saves(app_env):
    from tests.make_files import pdf_bytes
    from tests.test_pages import app, assert_clean, texts

    at = app()
    at.switch_page("ui/handouts.py").run()
    at.file_uploader(key="handouts_files").upload("Notes.pdf", pdf_bytes(149, "N"), "application/pdf")
    at.run()
    at.selectbox(key="handouts_n").set_value(2).run()
    at.checkbox(key="handouts_duplex").check().run()
    assert_clean(at)
    assert "2 per sheet, both sides: 38 sheets instead of 149 printed one page per sheet." in texts(at)
    at.selectbox(key="handouts_fill").set_value("repeat").run()
    assert "instead of" not in texts(at)  # a page repeated to fill its sheet saves nothing
