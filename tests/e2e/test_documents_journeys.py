"""Word files, slides and phone photos in a real Chromium, against the app as `make run` starts it (#17)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.txt)"
)

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e import ui
from tests.make_files import docx_file, photo_file, pptx_file

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed (make office)"),
]
# A first conversion on a busy 2-core machine: LibreOffice starting, then the preview.
LOOK_MS = 60_000


def unique(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:6]}"


def result_card(page, name: str):
    ui.follow(page, "Follow it on the Jobs page")
    return ui.main(page).locator('[class*="st-key-job-"]').filter(has_text=name).first


def test_a_word_worksheet_straight_into_handouts_two_per_sheet(page, tmp_path: Path):
    worksheet = docx_file(tmp_path / f"{unique('Fractions')}.docx", pages=4)
    ui.open_home(page)
    ui.follow(page, "Make handouts")
    ui.upload(page, [worksheet])
    main = ui.main(page)
    expect(main).to_contain_text(
        f"{worksheet.name} (a Word document) becomes a PDF of 4 pages.", timeout=LOOK_MS
    )
    main.get_by_role("combobox", name="Pages per sheet").click()
    page.get_by_role("option", name="2", exact=True).click()
    expect(main.get_by_test_id("stMetric").filter(has_text="Sheets of paper")).to_contain_text("2")
    expect(main.get_by_test_id("stImage").locator("img")).to_be_visible(timeout=LOOK_MS)
    main.get_by_role("button", name="Make handouts").click()
    card = result_card(page, worksheet.name)
    ui.expect_status(card, "Done", tool="Handouts")
    ui.open_details(card)
    expect(card).to_contain_text("Turn documents into PDF")
    reader = PdfReader(ui.download(page, card, tmp_path))
    assert len(reader.pages) == 2
    assert "part 2" in reader.pages[0].extract_text()


def test_three_phone_photos_into_make_pdf(page, tmp_path: Path):
    stem = unique("Board")
    photos = [
        photo_file(tmp_path / f"{stem} {n}.jpg", size=(1600, 1200), orientation=orientation)
        for n, orientation in ((1, 1), (2, 6), (3, 1))
    ]
    ui.open_home(page)
    ui.follow(page, "Make a PDF")
    expect(ui.main(page).get_by_role("heading", name="Make PDF")).to_be_visible()
    ui.upload(page, photos)
    main = ui.main(page)
    expect(main.get_by_test_id("stMetric").filter(has_text="Pages")).to_contain_text("3", timeout=LOOK_MS)
    main.get_by_role("button", name="Make the PDF").click()
    card = result_card(page, photos[0].name)
    ui.expect_status(card, "Done", tool="Make PDF")
    reader = PdfReader(ui.download(page, card, tmp_path))
    assert [page_.mediabox.width > page_.mediabox.height for page_ in reader.pages] == [True, False, True]


def test_a_powerpoint_into_a_booklet(page, tmp_path: Path):
    deck = pptx_file(tmp_path / f"{unique('Cells')}.pptx", slides=6)
    ui.open_home(page)
    ui.follow(page, "Make handouts")
    ui.upload(page, [deck])
    main = ui.main(page)
    expect(main).to_contain_text("(a PowerPoint presentation) becomes a PDF of 6 pages.", timeout=LOOK_MS)
    main.get_by_text("Booklet (fold in the middle)").click()
    expect(main.get_by_test_id("stMetric").filter(has_text="Sheets of paper")).to_contain_text("2")
    main.get_by_role("button", name="Make handouts").click()
    card = result_card(page, deck.name)
    ui.expect_status(card, "Done", tool="Handouts")
    reader = PdfReader(ui.download(page, card, tmp_path))
    assert len(reader.pages) == 4  # 2 sheets, both sides
    assert reader.viewer_preferences["/Duplex"] == "/DuplexFlipShortEdge"
