"""What a print will cost (#19): toner cover and colour measured by rendering, sides and price
before the button."""

from __future__ import annotations

import pytest
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


def test_the_merge_page_costs_each_pdf_of_a_zip_and_says_what_greyscale_saves(app_env, monkeypatch, burst):
    """A ZIP's PDFs each get their own toner look; blank pages count as sides; greyscale's saving is said."""
    from tests.make_files import zip_of
    from tests.test_pages import app, assert_clean, texts

    monkeypatch.setenv("COST_PER_SIDE_MONO", "0.02")
    monkeypatch.setenv("COST_PER_SIDE_COLOUR", "0.10")
    monkeypatch.setenv("CURRENCY", "£")
    red = coloured_pdf(app_env / "red.pdf", [("red", 0.5)] * 3).read_bytes()
    black = coloured_pdf(app_env / "black.pdf", [("black", 0.2)] * 2).read_bytes()
    at = app()
    at.switch_page("ui/merge.py").run()
    at.file_uploader(key="merge_files").upload(
        "Week 3.zip", zip_of({"Red.pdf": red, "Black.pdf": black}), "application/zip"
    )
    at.run()
    burst()  # the ZIP's look, then the toner looks of its two PDFs
    at.run()
    burst()
    at.run()
    at.text_input(key="merge_blanks").input("5").run()  # one blank page after the last
    burst()
    at.run()
    assert_clean(at)
    shown = texts(at)
    assert "6 pages to print, 3 in colour" in shown, shown  # 3 red, 2 black, 1 blank
    assert "about **£0.36** to print" in shown  # 3 × 0.10 + 3 × 0.02
    at.checkbox(key="merge_greyscale").check().run()
    shown = texts(at)
    assert "6 pages to print ·" in shown and "about **£0.12** to print" in shown, shown
    assert "0 pages in colour instead of 3" in shown and "about £0.12 instead of £0.36" in shown


def test_a_finished_job_counts_once_in_its_teachers_month_with_its_toner(jobs, config, burst, tmp_path):
    from services.usage import Totals
    from storage.jobs import Status
    from storage.usage import month_of
    from tests.test_merge_chain import upload

    src = coloured_pdf(tmp_path / "mixed.pdf", [("black", 0.2)] * 3 + [("red", 0.5)])
    teacher = "ada@school.example"
    record = jobs.submit("merge", "m", [upload(config, src)], {"duplex": False}, teacher)
    burst()
    done = jobs.get(record.id, teacher)
    assert done.status == Status.FINISHED
    (output,) = done.outputs
    assert output.pages == 4 and output.colour_pages == 1 and 0.1 < output.coverage < 0.3
    totals = Totals(config)
    mine = totals.of(teacher)
    assert (mine.usage.jobs, mine.usage.sheets, mine.usage.sides, mine.usage.colour_sides) == (1, 4, 4, 1)
    assert totals.of("bob@school.example").usage.jobs == 0
    assert totals.of(None).usage.sheets == 4  # everyone's, for an admin
    jobs.delete(record.id, teacher)  # tidying the Jobs page does not shrink the month
    assert totals.of(teacher).usage.sheets == 4
    table = totals.csv(month_of(done.ended_at)).decode("utf-8-sig").splitlines()
    assert table[0].startswith("month,teacher,jobs,sheets")
    assert table[1].split(",")[1:6] == [teacher, "1", "4", "4", "1"]


def test_a_used_up_allowance_holds_back_new_jobs_and_prints_but_not_admins(
    app_env, monkeypatch, tmp_path, burst
):
    from core.errors import AllowanceUsed
    from services.control import Jobs
    from storage.config import load_config
    from tests.make_files import make_pdf
    from tests.test_merge_chain import upload

    monkeypatch.setenv("MONTHLY_SHEETS_ALLOWANCE", "3")
    monkeypatch.setenv("ADMIN_EMAILS", "head@school.example")
    config = load_config()
    jobs = Jobs(config)
    teacher = "ada@school.example"
    src = make_pdf(tmp_path / "four.pdf", 4)
    jobs.submit("merge", "first", [upload(config, src)], {}, teacher)  # under the allowance: it runs
    burst()
    with pytest.raises(AllowanceUsed, match="4 sheets of paper: the school's allowance is 3 a month"):
        jobs.submit("merge", "second", [upload(config, src)], {}, teacher)
    jobs.submit("merge", "admin's", [upload(config, src)], {}, "head@school.example")  # never held back
    from services.usage import Totals

    assert Totals(config).problem("bob@school.example") is None


def test_the_print_form_says_what_the_copies_cost():
    from storage.config import load_config
    from storage.jobs import OutputFile
    from ui._print import cost_words

    config = load_config({"COST_PER_SIDE_MONO": "0.02", "COST_PER_SIDE_COLOUR": "0.10", "CURRENCY": "€"})
    output = OutputFile(
        "r", "Quiz.pdf", 1, "application/pdf", pages=4, paper="A4", colour_pages=1, coverage=0.06
    )
    assert cost_words(config, output, 10) == (
        " · 40 pages to print, 10 in colour · about 6% toner cover · about **€1.60**"
    )
    assert cost_words(config, output, 10, colour=False).endswith("about **€0.80**")  # all in black
    assert cost_words(config, OutputFile("r", "old.pdf", 1, "application/pdf", pages=4), 1) == ""


def test_the_jobs_page_shows_each_teacher_their_month_and_an_admin_everyones(
    app_env, monkeypatch, tmp_path, burst
):
    from services.control import Jobs
    from services.usage import month_label
    from storage.config import load_config
    from storage.usage import month_of
    from tests.test_merge_chain import upload
    from tests.test_owners import jobs_page
    from tests.test_pages import texts

    monkeypatch.setenv("COST_PER_SIDE_MONO", "0.05")
    monkeypatch.setenv("CURRENCY", "£")
    monkeypatch.setenv("ADMIN_EMAILS", "it@school.org")
    monkeypatch.setenv("MONTHLY_SHEETS_ALLOWANCE", "100")
    config = load_config()
    jobs = Jobs(config)
    two = upload(config, coloured_pdf(tmp_path / "two.pdf", [("black", 0.1)] * 2))
    record = jobs.submit("merge", "a", [two], {}, "alice@school.org")
    jobs.submit("merge", "b", [two, two], {}, "bob@school.org")
    burst()
    month = month_label(month_of(jobs.get(record.id, None).ended_at))
    alice = jobs_page({"is_logged_in": True, "email": "alice@school.org"})
    assert not alice.exception
    shown = texts(alice)
    assert f"Your jobs in {month}: 1 finished job, 2 sheets of paper, 2 pages to print" in shown, shown
    assert "about **£0.10** · 2 of your 100 sheets this month" in shown
    assert all(b.key != "jobs_totals_csv" for b in alice.get("download_button"))  # no one else's totals
    admin = jobs_page({"is_logged_in": True, "email": "it@school.org"})
    shown = texts(admin)
    assert f"Everyone's jobs in {month}: 2 finished jobs, 6 sheets of paper" in shown, shown
    assert admin.selectbox(key="jobs_totals_month").value == month_of(record.created_at)
    assert [b.label for b in admin.get("download_button") if b.key == "jobs_totals_csv"] == ["Download"]
