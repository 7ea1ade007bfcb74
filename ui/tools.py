"""Every page of the app, in one table: the navigation, Home's cards, Run again and the tests read it.

A new tool is one row here (with its page script in `ui/` and its kind in `worker/kinds/`).
Nothing here draws, so that tests and the entry point can read the table without Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    script: str  # the page's script, relative to app.py
    title: str  # its name in the navigation and on its Home card
    icon: str
    url: str  # its address ("" for Home, the page the app opens on)
    section: str  # the navigation's group
    kind: str | None = None  # the kind of job the page submits (Run again opens the page for it)
    blurb: str = ""  # what Home says of it ("" for no card on Home)
    link: str = ""  # the words of the link on its Home card
    audience: str = ""  # who sees it in the navigation ("" everyone; "print_room" its staff)


PAGES: tuple[Page, ...] = (
    Page("ui/home.py", "Home", ":material/home:", "", ""),
    Page(
        "ui/handouts.py", "Handouts", ":material/grid_view:", "handouts", "Tools", kind="handouts",
        blurb="Several pages on each sheet to save paper, or a booklet to fold and staple.",
        link="Make handouts",
    ),
    Page(
        "ui/class_sets.py", "Class sets", ":material/groups:", "class_sets", "Tools", kind="class_sets",
        blurb="One copy of a worksheet for every student on your class list, each with the student's name.",
        link="Make a class set",
    ),
    Page(
        "ui/merge.py", "Merge & arrange", ":material/merge:", "merge", "Tools", kind="merge",
        blurb="Put PDFs together in your order; keep, turn or number pages; make the file smaller; split it.",
        link="Merge & arrange",
    ),
    Page(
        "ui/make_pdf.py", "Make PDF", ":material/picture_as_pdf:", "make_pdf", "Tools", kind="make_pdf",
        blurb="Word and PowerPoint files and phone photos into one PDF, or one PDF each.",
        link="Make a PDF",
    ),
    Page(
        "ui/spreadsheets.py", "Spreadsheets", ":material/table:", "spreadsheets", "Tools", kind="spreadsheets",
        blurb="Class lists and mark sheets: CSV to a tidy Excel workbook, workbooks to CSV.",
        link="Open Spreadsheets",
    ),
    Page(
        "ui/jobs.py", "Jobs", ":material/list_alt:", "jobs", "Your work",
        blurb="See what is running, download what is done, and find out what went wrong.",
        link="Open Jobs",
    ),
    Page("ui/files.py", "My files", ":material/folder:", "files", "Your work"),
    Page("ui/print_room.py", "Print room", ":material/local_printshop:", "print_room", "Print room",
         audience="print_room"),
)  # fmt: skip

TOOLS: tuple[Page, ...] = tuple(page for page in PAGES if page.kind)
TOOL_PAGES: dict[str, str] = {page.kind: page.script for page in TOOLS if page.kind}
HOME_PAGE, JOBS_PAGE = (next(page.script for page in PAGES if page.url == url) for url in ("", "jobs"))


def sections(audiences: frozenset[str] = frozenset()) -> dict[str, list[Page]]:
    """The pages by navigation group, in the table's order: everyone's, and those of `audiences`."""
    groups: dict[str, list[Page]] = {}
    for page in PAGES:
        if not page.audience or page.audience in audiences:
            groups.setdefault(page.section, []).append(page)
    return groups
