"""What a print will cost (#19): toner cover and colour measured by rendering, sides and price
before the button."""

from __future__ import annotations

from fpdf import FPDF

from pdf.cost import InkReport, PageInk, Prices, estimate, money
from pdf.ink import page_ink


def coloured_pdf(path, pages: list[tuple[str, float]]):
    """One page per (colour, share of the page filled): "black", "red" or "none"."""
    pdf = FPDF(format="A4")
    for colour, share in pages:
        pdf.add_page()
        if colour != "none":
            pdf.set_fill_color(*{"black": (0, 0, 0), "red": (220, 0, 0)}[colour])
            pdf.rect(0, 0, 210, 297 * share, style="F")
    pdf.output(str(path))
    return path


def test_toner_cover_and_colour_are_measured_from_the_rendered_page(tmp_path):
    report = page_ink(
        coloured_pdf(tmp_path / "p.pdf", [("none", 0), ("black", 0.25), ("black", 1.0), ("red", 0.5)])
    )
    cover = [round(p.coverage, 2) for p in report.pages]
    assert cover[0] == 0.0 and abs(cover[1] - 0.25) < 0.03 and cover[2] > 0.97
    assert 0.2 < cover[3] < 0.5  # red is lighter than black on a grey scale
    assert [p.colour for p in report.pages] == [False, False, False, True]
    assert not report.sampled and report.measured == 4


def test_a_long_file_is_sampled_and_says_so(tmp_path):
    pages = [("black", 0.1)] * 150
    report = page_ink(coloured_pdf(tmp_path / "long.pdf", pages), sample_pages=20)
    assert report.sampled and report.measured == 20 and len(report.pages) == 150
    assert all(abs(p.coverage - 0.1) < 0.03 for p in report.pages)
    assert InkReport.from_dict(report.to_dict()).measured == 20


def test_the_estimate_counts_sides_colour_toner_and_price():
    ink = [PageInk(0.2, False), PageInk(0.4, True), PageInk(0.0, False), PageInk(0.1, False)]
    cover, colour = [p.coverage for p in ink], [p.colour for p in ink]
    sides = [[0, 1], [2, 3], [3, None]]  # 2 per sheet: the colour page makes its side colour
    prices = Prices(0.02, 0.10, "£")
    cost = estimate(sides, cover, colour, prices, copies=30, area_share=0.5)
    assert (cost.mono_sides, cost.colour_sides) == (60, 30)
    assert abs(cost.coverage - ((0.2 + 0.4) / 2 + 0.1 / 2 + 0.1 / 2) / 3) < 1e-9
    assert abs(cost.price - 30 * (2 * 0.02 + 0.10)) < 1e-9
    assert money(cost.price, "£") == "£4.20"
    assert estimate(sides, cover, colour, Prices(None, None)).price is None
    assert estimate(sides, cover, colour, Prices(0.03, None)).price == 3 * 0.03  # colour at the mono price


def test_the_handouts_page_says_what_it_will_cost(app_env, monkeypatch, burst):
    from tests.test_pages import app, assert_clean, texts

    monkeypatch.setenv("COST_PER_SIDE_MONO", "0.02")
    monkeypatch.setenv("COST_PER_SIDE_COLOUR", "0.10")
    monkeypatch.setenv("CURRENCY", "£")
    path = coloured_pdf(app_env / "slides.pdf", [("black", 0.2)] * 6 + [("red", 0.5)] * 2)
    at = app()
    at.switch_page("ui/handouts.py").run()
    at.file_uploader(key="handouts_files").upload("Slides.pdf", path.read_bytes(), "application/pdf")
    at.run()
    burst()  # the toner look, where no look worker runs beside AppTest
    at.run()
    assert_clean(at)
    shown = texts(at)
    # 4 per sheet: sides 1 (pages 1-4, black) and 2 (pages 5-6 black, 7-8 red: a colour side).
    assert "2 pages to print, 1 in colour" in shown, shown
    assert "about **£0.12** to print" in shown


def test_a_class_set_costs_one_copy_per_student_blank_pages_included():
    from services.previews import class_set_cost
    from worker.kinds.class_sets import ClassSetOptions

    ink = InkReport([PageInk(0.1, False), PageInk(0.3, True), PageInk(0.05, False)], 3)
    options = ClassSetOptions.from_dict({"name_column": "Name", "duplex": True})
    cost = class_set_cost(3, 28, options, ink, Prices(0.02, 0.10, "€"))
    # 3 pages, two-sided: padded to 4 sides per copy (one blank), the second side in colour.
    assert (cost.mono_sides, cost.colour_sides) == (28 * 3, 28)
    assert abs(cost.price - 28 * (3 * 0.02 + 0.10)) < 1e-9
