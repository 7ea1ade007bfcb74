"""The very first request a freshly started server sees shows the app's own pages.

Each test starts its own server (`python run.py`), so that the address it opens is that
server's first request: the root, every page's bookmark, and a made-up address. A script
injected before the page loads records every name the sidebar navigation ever shows, so
that even a brief flash of Streamlit's own list of modules fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp, running_app
from ui.tools import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Everyone's pages: the print room's is not in the navigation of an app without PRINT_ROOM_EMAILS.
EVERYONES = [page for page in PAGES if not page.audience]
NAVIGATION = {page.title for page in EVERYONES}
# Every name the sidebar shows is added to window.__navSeen as soon as it appears.
RECORD_NAVIGATION = r"""
window.__navSeen = [];
new MutationObserver(() => {
  for (const link of document.querySelectorAll('[data-testid="stSidebarNav"] a')) {
    const name = link.innerText.trim().split('\n').pop().trim();
    if (name && !window.__navSeen.includes(name)) window.__navSeen.push(name);
  }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


@pytest.fixture
def app(browser, tmp_path) -> Iterator[RunningApp]:
    """A server of this test's own, so that the test makes its very first request."""
    with running_app(tmp_path, workers=1) as running:
        yield running


def open_first(page: Page, path: str, heading: str) -> None:
    page.add_init_script(RECORD_NAVIGATION)
    page.goto(path)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    nav = page.get_by_test_id("stSidebarNav")
    for name in NAVIGATION:
        expect(nav).to_contain_text(name)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Job service running")
    seen = set(page.evaluate("window.__navSeen"))
    assert seen <= NAVIGATION, f"the sidebar showed names that are not pages: {sorted(seen - NAVIGATION)}"


@pytest.mark.parametrize(
    ("path", "heading"),
    # Every page by its bookmark (Home's heading is the app's name), and made-up addresses.
    [(f"/{p.url}", p.title if p.url else "Teacher Printer") for p in EVERYONES]
    + [("/no-such-page", "Teacher Printer")]
    # A page for others only (the print room's) is, for everyone else, an address with no page.
    + [(f"/{p.url}", "Teacher Printer") for p in PAGES if p.audience],
)
def test_first_request_shows_the_right_page(page: Page, path: str, heading: str):
    open_first(page, path, heading)


@pytest.mark.parametrize("helper", ["ui", "_uploads", "app"])
def test_helpers_are_never_pages(page: Page, helper: str):
    """A helper module's name as the first request leads to Home, not to a blank page."""
    open_first(page, f"/{helper}", "Teacher Printer")
    # and after the app has run once, the same address still does
    page.goto(f"/{helper}")
    expect(page.get_by_test_id("stMain").get_by_role("heading", name="Teacher Printer")).to_be_visible()
