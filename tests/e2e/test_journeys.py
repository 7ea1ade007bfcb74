"""A teacher's journeys in a real Chromium, against the app started as `make run` starts it.

Each journey starts on the Home page of the one app the module shares (see conftest.py)
and gives its job a unique name, since every job stays on the Jobs page.
"""

from __future__ import annotations

import io
import os
import re
import signal
import uuid
from pathlib import Path

import pytest

pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.txt)"
)

from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader
from rq import Worker

from storage.jobs import Status
from tests.e2e import ui
from tests.make_files import make_pdf

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Enough pages that the merge takes several seconds on a 2-core machine (MAX_PAGES is 5000 per file).
BIG_PAGES = 1600  # three of them stay under the 5,000-page limit of a result


def unique(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:6]}"


def page_signatures(path: Path) -> list[tuple[str, int, int, int]]:
    """What tells pages apart: text, size (points) and rotation."""
    return [
        (page.extract_text().strip(), round(page.mediabox.width), round(page.mediabox.height), page.rotation)
        for page in PdfReader(path).pages
    ]


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.corpus
def test_merge_three_pdfs_in_a_chosen_order_and_download(page, corpus_dir: Path, tmp_path: Path):
    google, simple, habibi, latex = (
        corpus_dir / "pdf" / name
        for name in (
            "google-doc-document.pdf",
            "SimplePDF2.0.pdf",
            "habibi-rotated.pdf",
            "pdflatex-4-pages.pdf",
        )
    )
    assert [len(PdfReader(f).pages) for f in (google, simple, habibi)] == [1, 1, 4]
    title = unique("Reordered")

    ui.open_home(page)
    ui.follow(page, "Merge & arrange")
    expect(ui.main(page).get_by_role("heading", name="Merge & arrange")).to_be_visible()
    ui.upload(page, [google, simple, habibi, latex])
    ui.expect_order(page, [google.name, simple.name, habibi.name, latex.name])
    expect(ui.main(page)).to_contain_text(f"{habibi.name} — 4 pages")

    # The teacher changes their mind about the fourth file, then puts the rotated one first
    # and the Google document last.
    ui.expect_help(page, ui.row_button(page, latex.name, "drop"), "Leave this file out")
    ui.press(page, latex.name, "drop")
    ui.expect_order(page, [google.name, simple.name, habibi.name])
    ui.expect_help(page, ui.row_button(page, habibi.name, "up"), "Move up")
    ui.press(page, habibi.name, "up")
    ui.expect_order(page, [google.name, habibi.name, simple.name])
    ui.press(page, habibi.name, "up")
    ui.expect_order(page, [habibi.name, google.name, simple.name])
    expect(ui.row_button(page, habibi.name, "up")).to_be_disabled()
    ui.expect_help(page, ui.row_button(page, google.name, "down"), "Move down")
    ui.press(page, google.name, "down")
    ui.expect_order(page, [habibi.name, simple.name, google.name])
    expect(ui.main(page)).to_contain_text("You will get one PDF of 6 pages from 3 files")

    ui.submit_merge(page, title)
    ui.follow(page, "Follow it on the Jobs page")
    expect(ui.main(page).get_by_role("heading", name="Jobs")).to_be_visible()
    card = ui.job_card(page, f"Merge & arrange — {title}.pdf")
    ui.expect_status(card, "Done")
    expect(ui.open_details(card)).to_contain_text("✓ Check files")
    expect(card).to_contain_text("✓ Put pages together")

    merged = ui.download(page, card, tmp_path)
    assert merged.name == f"{title}.pdf"
    expected = page_signatures(habibi) + page_signatures(simple) + page_signatures(google)
    assert len(set(expected)) == 6, (
        "the inputs' pages must be told apart for the order check to mean anything"
    )
    assert page_signatures(merged) == expected


@pytest.mark.corpus
def test_damaged_and_fake_pdfs_are_refused_before_the_button(page, corpus_dir: Path, tmp_path: Path):
    good = corpus_dir / "pdf" / "SimplePDF2.0.pdf"
    damaged = corpus_dir / "pdf" / "issue15590.pdf"  # no startxref: pypdf cannot read it even leniently
    fake = tmp_path / "class photo.pdf"  # a PNG with a PDF's name
    fake.write_bytes(png_bytes())
    title = unique("Bad files")

    ui.open_home(page)
    ui.follow(page, "Merge & arrange")
    ui.upload(page, [good, damaged, fake])
    ui.expect_order(page, [good.name, damaged.name, fake.name])
    # The page already warns before anything is submitted.
    rows = ui.file_rows(page)
    expect(rows.filter(has_text=damaged.name).get_by_test_id("stAlert")).to_contain_text("is damaged")
    expect(rows.filter(has_text=fake.name).get_by_test_id("stAlert")).to_contain_text("is not a PDF")
    expect(rows.filter(has_text=good.name).get_by_test_id("stAlert")).to_have_count(0)
    # What the library said is for the IT person, behind the row's expander, never in the message.
    expect(rows.filter(has_text=damaged.name).get_by_test_id("stAlert")).not_to_contain_text("Error")
    details = rows.filter(has_text=damaged.name).get_by_test_id("stExpander")
    details.get_by_text("Details for your IT person").click()
    expect(details.get_by_test_id("stCode")).to_contain_text("Error")

    # The button cannot be pressed, and says why right under it.
    button = ui.main(page).get_by_role("button", name="Merge PDFs")
    expect(button).to_be_disabled()
    reasons = ui.main(page).get_by_test_id("stAlert").filter(has_text="Not ready yet")
    expect(reasons).to_contain_text(f"{damaged.name} is damaged and could not be read")
    expect(reasons).to_contain_text(f"{fake.name} is not a PDF")

    # Leaving the two out makes the good one go.
    ui.press(page, damaged.name, "drop")
    ui.expect_order(page, [good.name, fake.name])
    expect(reasons).not_to_contain_text(damaged.name)  # the page has been drawn again in full
    ui.press(page, fake.name, "drop")
    ui.expect_order(page, [good.name])
    expect(button).to_be_enabled()
    ui.submit_merge(page, title)
    ui.follow(page, "Follow it on the Jobs page")
    ui.expect_status(ui.job_card(page, f"Merge & arrange — {title}.pdf"), "Done")


def test_a_retried_job_is_followed_to_its_end(page, app, tmp_path: Path):
    # Long enough to be stopped on the Jobs page (Retry is for what a second try can change:
    # a canceled job, a stopped worker, not a file that would fail the same way).
    inputs = [make_pdf(tmp_path / f"{label}.pdf", BIG_PAGES, label) for label in ("Alpha", "Beta", "Gamma")]
    title = unique("Retried")

    ui.open_home(page)
    ui.follow(page, "Merge & arrange")
    ui.upload(page, inputs)
    ui.expect_order(page, [f.name for f in inputs])
    jobs = app.jobs()
    # The workers are paused (SIGSTOP) so that the job is sure to be waiting when it is
    # canceled from outside the page (as another tab would), however busy the machine.
    workers = [w.pid for w in Worker.all(connection=jobs.store.conn) if w.pid]
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    try:
        ui.submit_merge(page, title)
        jobs.cancel(jobs.list(None, search=title).records[0].id, None)
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
        jobs.store.conn.close()
    ui.follow(page, "Follow it on the Jobs page")
    card = ui.job_card(page, f"Merge & arrange — {title}.pdf")
    ui.expect_status(card, "Canceled")

    ui.open_details(card).get_by_role("button", name="Retry").click()
    # The page follows the second attempt to its end without a reload.
    expect(card).to_contain_text(re.compile(r"Merge & arrange · (Waiting|Working|Done) · attempt 2"))
    ui.expect_status(card, "Done")
    expect(card.get_by_role("button", name="Retry")).to_have_count(0)


def test_closing_the_tab_mid_job_loses_nothing(page, context, app, tmp_path: Path):
    inputs = [make_pdf(tmp_path / f"{label}.pdf", BIG_PAGES, label) for label in ("Alpha", "Beta", "Gamma")]
    title = unique("Tab closed")
    full_title = f"Merge & arrange — {title}.pdf"

    ui.open_home(page)
    ui.follow(page, "Merge & arrange")
    ui.upload(page, inputs)
    ui.expect_order(page, [f.name for f in inputs])
    expect(ui.main(page)).to_contain_text(f"one PDF of {3 * BIG_PAGES:,} pages")
    ui.submit_merge(page, title)
    page.close()

    jobs = app.jobs()
    listing = jobs.list(None, search=title)
    assert [r.title for r in listing.records] == [full_title]
    record = listing.records[0]
    assert record.status in (Status.QUEUED, Status.RUNNING), "the job ended before the tab closed"

    again = context.new_page()
    again.goto("/jobs")
    card = ui.job_card(again, full_title)
    # Still at work when the page opens: the page refreshes itself until it is done, no reload.
    expect(card.get_by_role("progressbar")).to_be_visible()
    ui.expect_status(card, "Done")
    expect(card.get_by_role("progressbar")).to_have_count(0)

    out = tmp_path / "downloaded"
    out.mkdir()
    pages = PdfReader(ui.download(again, card, out)).pages
    assert len(pages) == 3 * BIG_PAGES
    for index, text in ((0, "Alpha 1"), (BIG_PAGES, "Beta 1"), (-1, f"Gamma {BIG_PAGES}")):
        assert pages[index].extract_text().strip() == text
    assert jobs.get(record.id, None).status == Status.FINISHED
    jobs.store.conn.close()


@pytest.mark.corpus
def test_handouts_four_per_sheet_with_preview(page, corpus_dir: Path, tmp_path: Path):
    source = corpus_dir / "pdf" / "pdflatex-4-pages.pdf"
    worksheet = make_pdf(tmp_path / f"{unique('Fractions')}.pdf", 9, "Fractions")
    ui.open_home(page)
    ui.follow(page, "Make handouts")
    expect(ui.main(page).get_by_role("heading", name="Handouts")).to_be_visible()
    ui.upload(page, [source, worksheet])
    main = ui.main(page)
    # Four per sheet is the default; the page shows the counts and a picture of the first sheet.
    expect(main.get_by_test_id("stMetric").filter(has_text="Pages in")).to_contain_text("13")
    expect(main.get_by_test_id("stMetric").filter(has_text="Sheets of paper")).to_contain_text("4")
    expect(main.get_by_test_id("stImage").locator("img")).to_be_visible()
    main.get_by_role("button", name="Make handouts").click()
    expect(main.get_by_text("Submitted: Handouts · 4 per sheet")).to_be_visible()
    ui.follow(page, "Follow it on the Jobs page")
    card = ui.main(page).locator('[class*="st-key-job-"]').filter(has_text=source.name).first
    ui.expect_status(card, "Done", tool="Handouts")
    result = ui.download(page, card, tmp_path)
    reader = PdfReader(result)
    assert len(reader.pages) == 4
    assert float(reader.pages[0].mediabox.width) < float(reader.pages[0].mediabox.height)  # A4, upright
    assert "Fractions 1" in reader.pages[1].extract_text()


@pytest.mark.corpus
def test_spreadsheet_csv_to_workbook(page, corpus_dir: Path, tmp_path: Path):
    import openpyxl

    source = corpus_dir / "csv" / "test_latin1.csv"
    ui.open_home(page)
    ui.follow(page, "Open Spreadsheets")
    ui.upload(page, [source])
    main = ui.main(page)
    expect(main.get_by_text("Column names read from row")).to_be_visible()
    preview = main.get_by_role("table").first  # the first rows, read as the job will read them
    expect(preview).to_be_visible()
    assert "Ã" not in preview.inner_text()  # Latin-1 read as such, not as UTF-8
    main.get_by_role("button", name="Make it").click()
    expect(main.get_by_text("Submitted: Spreadsheets")).to_be_visible()
    ui.follow(page, "Follow it on the Jobs page")
    card = ui.main(page).locator('[class*="st-key-job-"]').filter(has_text=source.name).first
    ui.expect_status(card, "Done", tool="Spreadsheets")
    result = ui.download(page, card, tmp_path)
    assert result.suffix == ".xlsx"
    sheet = openpyxl.load_workbook(result).active
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert sheet.max_row >= 2 and "Ã" not in text


@pytest.mark.corpus
def test_class_set_one_named_copy_per_student(page, corpus_dir: Path, tmp_path: Path):
    import zipfile

    worksheet = corpus_dir / "pdf" / "pdflatex-4-pages.pdf"
    class_list = tmp_path / f"{unique('9C')}.csv"
    class_list.write_text(
        "Class list 9C\n\nFirst name,Surname,Class\nZoë,Ångström,9C\n Пётр ,Иванов,9C\n\nNguyễn,Thị Hoa,9C\n",
        encoding="utf-8",
    )
    ui.open_home(page)
    ui.follow(page, "Make a class set")
    inputs = page.locator(ui.UPLOAD_INPUT)
    inputs.nth(0).set_input_files(str(worksheet))
    inputs.nth(1).set_input_files(str(class_list))
    main = ui.main(page)
    # The name columns are found by themselves; the first student's first page is previewed.
    expect(main.get_by_test_id("stImage").locator("img")).to_be_visible()
    expect(main.get_by_test_id("stMetric").filter(has_text="Students")).to_contain_text("3")
    main.get_by_role("button", name="Make the class set").click()
    expect(main.get_by_text("Submitted: Class set · 3 students")).to_be_visible()
    ui.follow(page, "Follow it on the Jobs page")
    card = ui.main(page).locator('[class*="st-key-job-"]').filter(has_text="Class set · 3 students").first
    ui.expect_status(card, "Done", tool="Class sets")
    zip_button = ui.open_details(card).get_by_role("button", name=re.compile(r"^Download .*\.zip"))
    with page.expect_download() as info:
        zip_button.click()
    archive = tmp_path / info.value.suggested_filename
    info.value.save_as(archive)
    with zipfile.ZipFile(archive) as bundle:
        names = sorted(bundle.namelist())
        assert len(names) == 3
        texts = {n: PdfReader(io.BytesIO(bundle.read(n))).pages[0].extract_text() for n in names}
    assert any("Ångström" in n for n in names)
    joined = " ".join(texts.values())
    for student in ("Zoë Ångström", "Пётр Иванов", "Nguyễn"):
        assert student in joined, student


def test_run_again_with_a_change_makes_a_second_job(page, tmp_path: Path):
    notes, quiz = make_pdf(tmp_path / "notes.pdf", 2, "Notes"), make_pdf(tmp_path / "quiz.pdf", 3, "Quiz")
    first, second = unique("Weekly"), unique("Weekly again")

    ui.open_home(page)
    ui.follow(page, "Merge & arrange")
    ui.upload(page, [notes, quiz])
    ui.press(page, quiz.name, "up")
    ui.expect_order(page, [quiz.name, notes.name])
    ui.submit_merge(page, first)
    ui.follow(page, "Follow it on the Jobs page")
    card = ui.job_card(page, f"Merge & arrange — {first}.pdf")
    ui.expect_status(card, "Done")

    ui.open_details(card).get_by_role("button", name="Run again…").click()
    main = ui.main(page)
    expect(main.get_by_role("heading", name="Merge & arrange")).to_be_visible()
    expect(main).to_contain_text(f"Filled in from Merge & arrange — {first}.pdf")
    ui.expect_order(page, [quiz.name, notes.name])  # the same files, in the same order, not uploaded again
    main.get_by_text("Pages: keep some, turn them, add blank pages").click()
    keep = main.get_by_role("textbox", name="Pages to keep, in this order (empty keeps them all)")
    keep.fill("1")
    keep.press("Enter")
    expect(main).to_contain_text("one PDF of 1 page from 2 files")
    ui.submit_merge(page, second)
    ui.follow(page, "Follow it on the Jobs page")
    ui.expect_status(ui.job_card(page, f"Merge & arrange — {second}.pdf"), "Done")
    pages = PdfReader(ui.download(page, ui.job_card(page, f"Merge & arrange — {second}.pdf"), tmp_path)).pages
    assert [p.extract_text().strip() for p in pages] == ["Quiz 1"]
    ui.expect_status(ui.job_card(page, f"Merge & arrange — {first}.pdf"), "Done")  # the first is as it was


def test_run_again_keeps_its_filled_page_through_a_reload(page, tmp_path: Path):
    notes, quiz = make_pdf(tmp_path / "notes.pdf", 2, "Notes"), make_pdf(tmp_path / "quiz.pdf", 3, "Quiz")
    first, second = unique("Friday"), unique("Friday again")

    ui.open_home(page)
    ui.follow(page, "Merge & arrange")
    ui.upload(page, [notes, quiz])
    ui.press(page, quiz.name, "up")
    ui.expect_order(page, [quiz.name, notes.name])
    ui.submit_merge(page, first)
    ui.follow(page, "Follow it on the Jobs page")
    card = ui.job_card(page, f"Merge & arrange — {first}.pdf")
    ui.expect_status(card, "Done")
    ui.open_details(card).get_by_role("button", name="Run again…").click()
    main = ui.main(page)
    expect(main).to_contain_text(f"Filled in from Merge & arrange — {first}.pdf")

    page.reload()  # a slip of the finger, or the laptop woke up
    main = ui.main(page)
    expect(main.get_by_role("heading", name="Merge & arrange")).to_be_visible()
    expect(main).to_contain_text(f"Filled in from Merge & arrange — {first}.pdf")
    ui.expect_order(page, [quiz.name, notes.name])  # the same files in the same order, still there

    ui.submit_merge(page, second)
    page.reload()  # once submitted, a reload starts afresh rather than offering the same job again
    expect(ui.main(page).get_by_role("heading", name="Merge & arrange")).to_be_visible()
    expect(ui.main(page)).to_contain_text(
        "Add PDFs, Word or PowerPoint files, photos or a ZIP of PDFs to begin."
    )
    expect(ui.main(page)).not_to_contain_text("Filled in from")


def test_preset_and_my_files_make_next_week_one_click(page, tmp_path: Path):
    worksheet = make_pdf(tmp_path / f"{unique('Spelling')}.pdf", 6, "Spelling")
    preset = unique("Two per sheet")

    # This week: upload, choose 2 per sheet, save the choices as a preset.
    ui.open_home(page)
    ui.follow(page, "Make handouts")
    ui.upload(page, [worksheet])
    main = ui.main(page)
    expect(main.get_by_test_id("stImage").locator("img")).to_be_visible()
    main.get_by_test_id("stSelectbox").filter(has_text="Pages per sheet").click()
    page.get_by_role("option", name="2", exact=True).click()
    expect(main.get_by_test_id("stMetric").filter(has_text="Sheets of paper")).to_contain_text("3")
    expect(main.get_by_label("Name of the result")).to_have_value(f"{worksheet.stem} 2 per sheet")
    main.get_by_text("Save or manage presets").click()
    main.get_by_label("Save these choices as").fill(preset)
    main.get_by_label("Save these choices as").press("Enter")
    main.get_by_role("button", name="Save preset").click()
    expect(main).to_contain_text(preset)

    # Next week, in a new tab: no upload — pick the file from My files, then the preset.
    again = page.context.new_page()
    again.goto("/handouts")
    main = ui.main(again)
    picker = main.get_by_test_id("stMultiSelect").filter(has_text="Or use files you uploaded before")
    picker.click()
    again.get_by_role("option", name=re.compile(re.escape(worksheet.name))).click()
    again.keyboard.press("Escape")
    expect(main.get_by_test_id("stImage").locator("img")).to_be_visible()
    expect(main.get_by_test_id("stMetric").filter(has_text="Sheets of paper")).to_contain_text(
        "2"
    )  # 4 per sheet
    main.get_by_test_id("stSelectbox").filter(has_text="Start from a preset").click()
    again.get_by_role("option", name=re.compile(re.escape(preset))).click()
    expect(main.get_by_test_id("stMetric").filter(has_text="Sheets of paper")).to_contain_text(
        "3"
    )  # 2 per sheet
    expect(main.get_by_label("Name of the result")).to_have_value(f"{worksheet.stem} 2 per sheet")


def test_a_card_that_ends_while_the_page_is_open_shows_its_end(page, app, tmp_path: Path):
    """A waiting job canceled from elsewhere (another tab) turns Canceled on an open Jobs page."""
    inputs = [make_pdf(tmp_path / f"{label}.pdf", 20, label) for label in ("Alpha", "Beta")]
    title = unique("Ends while open")
    jobs = app.jobs()
    ui.open_home(page)
    ui.follow(page, "Merge & arrange")
    ui.upload(page, inputs)
    ui.expect_order(page, [f.name for f in inputs])  # looked at by the workers, before they pause
    workers = [w.pid for w in Worker.all(connection=jobs.store.conn) if w.pid]
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)  # it waits, so the card is a live one when the page opens
    try:
        ui.submit_merge(page, title)
        ui.follow(page, "Follow it on the Jobs page")
        card = ui.job_card(page, f"Merge & arrange — {title}.pdf")
        ui.expect_status(card, "Waiting")
        jobs.cancel(jobs.list(None, search=title).records[0].id, None)
        ui.expect_status(card, "Canceled", timeout=30_000)
        expect(card.get_by_role("button", name="Cancel")).to_have_count(0)
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
        jobs.store.conn.close()


def test_a_slow_look_keeps_the_page_usable_and_its_answer_arrives_by_itself(page, app, tmp_path: Path):
    """While no worker can answer (all paused), the page says what it waits for and takes more input."""
    first = make_pdf(tmp_path / f"{unique('Slow')}.pdf", 6, "Slow")
    second = make_pdf(tmp_path / f"{unique('Second')}.pdf", 2, "Second")
    ui.open_home(page)
    ui.follow(page, "Make handouts")
    main = ui.main(page)
    expect(main.get_by_role("heading", name="Handouts")).to_be_visible()
    jobs = app.jobs()
    workers = [w.pid for w in Worker.all(connection=jobs.store.conn) if w.pid]
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)
    try:
        ui.upload(page, [first])
        expect(main.get_by_text(f"Looking inside {first.name}").first).to_be_visible()
        expect(main.get_by_role("button", name="Make handouts")).to_be_disabled()
        # The page is not frozen: it takes a second file (the uploader adds it), and waits for both.
        ui.upload(page, [second])
        expect(
            main.get_by_text(re.compile(f"Looking inside {first.name}, {second.name}")).first
        ).to_be_visible()
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGCONT)
        jobs.store.conn.close()
    # Without a reload, the answers arrive: the counts, then the picture of the first sheet.
    expect(main.get_by_test_id("stMetric").filter(has_text="Pages in")).to_contain_text("8", timeout=30_000)
    expect(main.get_by_test_id("stImage").locator("img")).to_be_visible(timeout=30_000)
    expect(main.get_by_text("Looking inside")).to_have_count(0)
    expect(main.get_by_role("button", name="Make handouts")).to_be_enabled()
