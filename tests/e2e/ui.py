"""How the journeys find things on Teacher Printer's pages in a real browser.

Streamlit gives few accessible names, so a few selectors lean on what the pages
declare: `data-testid`s that Streamlit puts on its elements, and the `st-key-<key>`
class that it adds to an element created with `key=` (ui/merge.py keys each row's
buttons `up-…`, `down-…`, `drop-…`; ui/jobs.py keys each job's line `job-<id>`, `job-live-<id>` while it runs).
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

UPLOAD_INPUT = '[data-testid="stFileUploader"] input[type=file]'
ROW_ACTIONS = {"up": "Move up", "down": "Move down", "drop": "Leave this file out"}
JOB_TIMEOUT_MS = 90_000


def main(page: Page) -> Locator:
    """The page's own content, without the sidebar (which repeats the page names)."""
    return page.get_by_test_id("stMain")


def open_home(page: Page) -> None:
    page.goto("/")
    expect(main(page).get_by_role("heading", name="Teacher Printer")).to_be_visible()


def follow(page: Page, link: str) -> None:
    """Click a link in the page's content and wait for the page it leads to."""
    main(page).get_by_role("link", name=link).click()


# -- Merge PDFs ---------------------------------------------------------------------


def upload(page: Page, files: list[Path]) -> None:
    page.locator(UPLOAD_INPUT).set_input_files([str(f) for f in files])


def file_rows(page: Page) -> Locator:
    """The bordered rows of the order list, one per file, top to bottom."""
    return main(page).get_by_test_id("stHorizontalBlock").filter(has=page.locator('[class*="st-key-drop-"]'))


def expect_order(page: Page, names: list[str]) -> None:
    """The rows show exactly these files, numbered 1, 2, … in this order."""
    rows = file_rows(page)
    expect(rows).to_have_count(len(names))
    expect(rows).to_contain_text([f"{number}. {name}" for number, name in enumerate(names, start=1)])


def row_button(page: Page, name: str, action: str) -> Locator:
    """The ↑ (`up`), ↓ (`down`) or ✕ (`drop`) button of the row of file `name`.

    A button with a help text is drawn twice (once hidden, to measure it): take the visible one.
    """
    row = file_rows(page).filter(has_text=name)
    expect(row).to_have_count(1)
    return row.locator(f'[class*="st-key-{action}-"]').get_by_role("button").filter(visible=True)


def press(page: Page, name: str, action: str) -> None:
    button = row_button(page, name, action)
    expect(button).to_be_enabled()
    button.click()


def expect_help(page: Page, button: Locator, text: str) -> None:
    """Hovering the button shows its help text."""
    button.hover()
    expect(page.get_by_test_id("stTooltipContent")).to_have_text(text)
    page.mouse.move(0, 0)


def submit_merge(page: Page, output_name: str) -> None:
    """Name the merged PDF, press the button and wait for the page to confirm."""
    name_box = main(page).get_by_label("Name of the merged PDF")
    name_box.fill(output_name)
    main(page).get_by_role("button", name="Merge PDFs").click()
    expect(main(page).get_by_text(f"Submitted: Merge & arrange — {output_name}.pdf")).to_be_visible()


# -- Jobs ---------------------------------------------------------------------------


def job_card(page: Page, title: str) -> Locator:
    """The bordered card of the job with this (unique) title on the Jobs page."""
    card = main(page).locator('[class*="st-key-job-"]').filter(has_text=title)
    expect(card).to_have_count(1)
    return card


def expect_status(
    card: Locator, words: str, timeout: float = JOB_TIMEOUT_MS, tool: str = "Merge & arrange"
) -> None:
    """The card's status line, e.g. 'Merge & arrange · Done'.

    While a running job's card turns into an ended one, the browser holds both for a moment
    (the live one is keyed apart): the card that says `words` is the one looked for.
    """
    expect(card.filter(has_text=f"{tool} · {words}")).to_have_count(1, timeout=timeout)


def open_details(card: Locator) -> Locator:
    """Turn on the job's "Details" (steps, notes, every download, the actions) if they are off."""
    switch = card.get_by_role("switch", name="Details")
    if not switch.is_checked():
        card.get_by_text("Details", exact=True).click()
    expect(switch).to_be_checked()
    return card


def download_button(card: Locator) -> Locator:
    return card.get_by_role("button", name=re.compile(r"^Download "))


def download(page: Page, card: Locator, dest_dir: Path) -> Path:
    """Press the card's Download button and keep the file the browser receives."""
    button = download_button(card)
    expect(button).to_be_visible(timeout=JOB_TIMEOUT_MS)
    with page.expect_download() as info:
        button.click()
    received = info.value
    assert received.failure() is None, received.failure()
    path = dest_dir / received.suggested_filename
    received.save_as(path)
    return path
