"""The tools table is the one place a page is registered: navigation, Home and Run again read it."""

from __future__ import annotations

import re

from tests.apptest import app_test
from tests.conftest import ROOT
from ui.tools import PAGES, TOOLS
from worker.pipelines import OPTION_TYPES, PIPELINES


def test_every_kind_a_teacher_starts_has_exactly_one_tool_page():
    kinds = [tool.kind for tool in TOOLS]
    assert len(kinds) == len(set(kinds))
    assert set(kinds) == set(OPTION_TYPES)
    assert set(PIPELINES) - set(kinds) == {"selftest"}  # the workers' own check has no page


def test_every_page_script_is_in_the_table_once():
    scripts = [page.script for page in PAGES]
    assert len(scripts) == len(set(scripts))
    on_disk = {f"ui/{p.name}" for p in (ROOT / "ui").glob("*.py") if not p.name.startswith("_")}
    assert set(scripts) == on_disk - {"ui/tools.py"}
    assert len({page.url for page in PAGES}) == len(PAGES)


def test_no_page_is_named_outside_the_table():
    """A page's script, title or address stands only in ui/tools.py (tests may name pages)."""
    sources = [ROOT / "app.py", *(ROOT / "ui").glob("*.py"), *(ROOT / "services").glob("*.py")]
    named = {
        f"{path.relative_to(ROOT)}: {hit}"
        for path in sources
        if path.name != "tools.py"
        for hit in re.findall(r"[\"']ui/\w+\.py[\"']|url_path=[\"']|st\.Page\(\s*[\"']", path.read_text())
    }
    assert not named, sorted(named)


def _registered(at) -> list[tuple[str, str, str, str]]:
    return [
        (info["page_name"], info["icon"], info["url_pathname"], info["script_path"])
        for info in at._registered_pages.values()  # what st.navigation was given, in its order
    ]


def test_navigation_and_home_show_exactly_the_tables_pages(app_env):
    at = app_test(30).run()
    assert not at.exception, [e.value for e in at.exception]
    # Without a print room, everyone's pages only.
    assert _registered(at) == [
        (p.title, p.icon, p.url, str(ROOT / p.script)) for p in PAGES if not p.audience
    ]
    links = sorted((link.proto.page, link.value) for link in at.page_link)
    assert links == sorted((p.url, p.link) for p in PAGES if p.blurb)
    cards = [h.value for h in at.subheader]
    assert sorted(cards) == sorted(f"{p.icon} {p.title}" for p in PAGES if p.blurb)


def test_the_print_rooms_page_is_in_the_navigation_of_its_staff_only(app_env, monkeypatch):
    from tests.test_owners import AUTH

    monkeypatch.setenv("PRINT_ROOM_EMAILS", "repro@school.org")
    for email, sees in (("repro@school.org", True), ("ada@school.org", False)):
        at = app_test(30)
        at.secrets.update(AUTH)
        at.user = {"is_logged_in": True, "email": email}
        at.run()
        assert not at.exception
        assert ("Print room" in [r[0] for r in _registered(at)]) is sees, email
    at = app_test(30).run()  # without sign-in: whoever uses the app is the print room too
    assert _registered(at) == [(p.title, p.icon, p.url, str(ROOT / p.script)) for p in PAGES]
