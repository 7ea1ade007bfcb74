"""The page organizer in a real Chromium (#18): pages picked by clicking their pictures and moved by
dragging them, on two PDFs; a 566-page manual paged through and turned at page 500; the web process
never loads a library that opens, draws or tabulates files."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e import ui
from tests.e2e.test_web_memory import web_pid
from tests.make_files import make_pdf

pytestmark = [pytest.mark.browser]
# Libraries the web process must never have loaded (their shared objects would show in its maps).
HEAVY = ("pypdfium2", "pikepdf", "pyarrow", "pandas", "libreoffice")


def tiles(page: Page):
    return page.locator(".tp-tile")


def page_list(page: Page, text: str) -> None:
    expect(ui.main(page).get_by_text(f"Page list the job will use: {text}")).to_be_visible(timeout=15_000)


def picked(page: Page, text: str) -> None:
    expect(ui.main(page).get_by_label("Pages picked", exact=False)).to_have_value(text, timeout=15_000)


def press(page: Page, name: str) -> None:
    ui.main(page).get_by_role("button", name=name, exact=True).click()


def loaded_heavy(pid: int) -> list[str]:
    maps = (Path("/proc") / str(pid) / "maps").read_text()
    return [name for name in HEAVY if name in maps]


def test_two_pdfs_arranged_by_clicking_and_dragging_their_pictures(page, app, tmp_path):
    alpha = make_pdf(tmp_path / "Alpha.pdf", 5, "Alpha")
    beta = make_pdf(tmp_path / "Beta.pdf", 3, "Beta")
    ui.open_home(page)
    ui.follow(page, "Merge & arrange")
    ui.upload(page, [alpha, beta])
    main = ui.main(page)
    expect(main.get_by_text("Beta.pdf — 3 pages")).to_be_visible(timeout=60_000)
    main.get_by_text("See every page").click()
    expect(page.locator(".tp-tile img")).to_have_count(8, timeout=60_000)
    expect(tiles(page).nth(5)).to_contain_text("Beta.pdf")  # each file named at its first page
    tiles(page).nth(3).click()  # turn page 4 only
    picked(page, "4")
    press(page, "Turn right")
    page_list(page, "1-3, 4r, 5-8")
    tiles(page).nth(3).click()  # unpick it
    picked(page, "")
    tiles(page).nth(1).click()  # remove page 2
    picked(page, "2")
    press(page, "Remove")
    page_list(page, "1, 3, 4r, 5-8")
    tiles(page).nth(3).click()  # duplicate page 5 (now 4th)
    picked(page, "4")
    press(page, "Duplicate")
    page_list(page, "1, 3, 4r, 5, 5-8")
    picked(page, "5")  # the copy is picked now
    tiles(page).nth(4).click()  # unpick it
    picked(page, "")
    # Page 7 (Beta 2, now 7th) dragged before the first picture; it stays picked.
    tiles(page).nth(6).drag_to(tiles(page).nth(0), target_position={"x": 4, "y": 60})
    page_list(page, "7, 1, 3, 4r, 5, 5, 6, 8")
    picked(page, "1")
    tiles(page).nth(0).click()
    picked(page, "")
    # Shift-click picks a range; the group turns left together.
    tiles(page).nth(5).click()
    tiles(page).nth(7).click(modifiers=["Shift"])
    picked(page, "6-8")
    press(page, "Turn left")
    page_list(page, "7, 1, 3, 4r, 5, 5l, 6l, 8l")
    press(page, "Undo")
    page_list(page, "7, 1, 3, 4r, 5, 5, 6, 8")
    name = f"Arranged {uuid.uuid4().hex[:6]}"
    ui.submit_merge(page, name)
    ui.follow(page, "Jobs")
    card = ui.job_card(page, name)
    got = PdfReader(ui.download(page, card, tmp_path))
    words = [page.extract_text().strip() for page in got.pages]
    assert words == ["Beta 2", "Alpha 1", "Alpha 3", "Alpha 4", "Alpha 5", "Alpha 5", "Beta 1", "Beta 3"]
    assert [p.rotation for p in got.pages] == [0, 0, 0, 90, 0, 0, 0, 0]
    assert loaded_heavy(web_pid(app.url.rsplit(":", 1)[1])) == []


@pytest.mark.corpus
def test_a_566_page_manual_pages_through_and_turns_page_500(page, app, corpus_dir):
    manual = corpus_dir / "pdf" / "scrguide-en.pdf"
    ui.open_home(page)
    ui.follow(page, "Merge & arrange")
    ui.upload(page, [manual])
    main = ui.main(page)
    expect(main.get_by_text("scrguide-en.pdf — 566 pages")).to_be_visible(timeout=120_000)
    main.get_by_text("See every page").click()
    expect(page.locator(".tp-tile img")).to_have_count(48, timeout=120_000)  # one screen, not 566
    show = main.get_by_role("combobox", name=re.compile("Show"))
    show.click()
    page.keyboard.type("481")
    page.keyboard.press("Enter")
    expect(page.locator('.tp-tile[data-pos="480"] img')).to_be_visible(timeout=120_000)
    tile = page.locator('.tp-tile[data-pos="499"]')
    tile.scroll_into_view_if_needed()
    tile.click()
    picked(page, "500")
    press(page, "Turn right")
    page_list(page, "1-499, 500r, 501-566")
    expect(page.locator('.tp-tile[data-pos="499"] img')).to_have_attribute(
        "style", re.compile("rotate\\(90deg\\)")
    )
    assert loaded_heavy(web_pid(app.url.rsplit(":", 1)[1])) == []


def test_handouts_pages_chosen_by_clicking_their_pictures(page, app, tmp_path):
    quiz = make_pdf(tmp_path / "Quiz.pdf", 6, "Quiz")
    ui.open_home(page)
    ui.follow(page, "Make handouts")
    ui.upload(page, [quiz])
    main = ui.main(page)
    expect(main.get_by_text("Pages in").first).to_be_visible(timeout=60_000)
    main.get_by_text("Choose pages by looking").click()
    expect(page.locator(".tp-tile img")).to_have_count(6, timeout=60_000)
    assert page.locator(".tp-tile").first.get_attribute("draggable") == "false"  # picking, not moving
    tiles(page).nth(1).click()
    box = main.get_by_role("textbox", name=re.compile("Which pages"))
    expect(box).to_have_value("2", timeout=15_000)
    tiles(page).nth(3).click()
    tiles(page).nth(5).click(modifiers=["Shift"])
    expect(box).to_have_value("2, 4-6", timeout=15_000)
    expect(main.get_by_text("Pages picked: 2, 4-6")).to_be_visible()
    box.fill("1-2")
    box.press("Enter")
    expect(page.locator(".tp-tile.picked")).to_have_count(2, timeout=15_000)  # typing picks them too
