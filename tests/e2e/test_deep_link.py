"""A bookmark opened on a freshly started server still goes through the app's navigation.

Its own module, so that its app fixture is a fresh server whose first request is the deep link.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_bookmarked_pages_on_a_fresh_server(page):
    page.goto("/class_sets")  # the very first request this server sees
    expect(page.get_by_test_id("stMain").get_by_role("heading", name="Class sets")).to_be_visible()
    page.goto("/jobs")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav).to_contain_text("Merge & arrange")
    expect(nav).to_contain_text("Jobs")
    expect(nav).not_to_contain_text("uploads")  # the helper modules in pages/ are not pages
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Job service running")
    expect(page.get_by_test_id("stMain").get_by_role("heading", name="Jobs")).to_be_visible()


def test_every_tool_page_can_be_bookmarked(page):
    for path, heading in (
        ("/class_sets", "Class sets"),
        ("/handouts", "Handouts"),
        ("/merge", "Merge & arrange"),
    ):
        page.goto(path)
        expect(page.get_by_test_id("stMain").get_by_role("heading", name=heading)).to_be_visible()
        expect(page.get_by_test_id("stSidebarNav")).to_contain_text("Class sets")
