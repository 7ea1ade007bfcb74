"""Printing in a real Chromium (#20): a handout from the Jobs card to a real IPP Everywhere printer,
and a ticket to the print room and back, against the app as `make run` starts it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -r requirements-dev.txt)"
)

from playwright.sync_api import expect

from tests.e2e import ui
from tests.e2e.conftest import RunningApp, running_app
from tests.make_files import make_pdf
from tests.test_printers import dns_sd as dns_sd  # a fixture, used by `app`
from tests.test_printers import pytestmark as needs_ipp
from tests.test_printers import start_printer

pytestmark = [pytest.mark.browser, pytest.mark.slow, needs_ipp]
PRINT_MS = 90_000  # the workers ask the printer what it can do, send, then follow it to the end


@pytest.fixture(scope="module")
def printer(dns_sd, tmp_path_factory):
    started = start_printer(tmp_path_factory.mktemp("printer"), "Room 12 copier")
    yield started
    started.process.terminate()
    started.process.wait(10)


@pytest.fixture(scope="module")
def app(browser, printer, tmp_path_factory) -> Iterator[RunningApp]:
    folder = tmp_path_factory.mktemp("e2e-print-app")
    listing = folder / "printers.toml"
    listing.write_text(f'[[printer]]\nname = "Room 12 copier"\nuri = "{printer.uri}"\nlocation = "Room 12"\n')
    settings = {"PRINTERS_FILE": str(listing), "PRINT_ROOM_EMAILS": "repro@school.example"}
    with running_app(folder, settings=settings) as running:
        yield running


def handouts_job(page, tmp_path: Path) -> tuple[str, object]:
    """Make a two-per-sheet handout of a 4-page PDF; its card on the Jobs page, once done."""
    source = make_pdf(tmp_path / f"Cells {uuid.uuid4().hex[:6]}.pdf", 4, "Cells")
    ui.open_home(page)
    ui.follow(page, "Make handouts")
    ui.upload(page, [source])
    main = ui.main(page)
    main.get_by_role("combobox", name="Pages per sheet").click()
    page.get_by_role("option", name="2", exact=True).click()
    expect(main.get_by_test_id("stMetric").filter(has_text="Sheets of paper")).to_contain_text("2")
    main.get_by_role("button", name="Make handouts").click()
    ui.follow(page, "Follow it on the Jobs page")
    card = ui.main(page).locator('[class*="st-key-job-"]').filter(has_text=source.name).first
    ui.expect_status(card, "Done", tool="Handouts")
    return source.name, card


def test_handouts_print_from_the_jobs_card_and_arrive_at_the_printer(page, app, printer, tmp_path: Path):
    _name, card = handouts_job(page, tmp_path)
    card.get_by_text("Print…").click()
    form = ui.main(page)
    expect(form.get_by_role("button", name="Print", exact=True)).to_be_visible(timeout=PRINT_MS)
    expect(form.get_by_role("combobox", name="Printer")).to_be_visible()
    expect(form).to_contain_text("2 sheets of paper")  # 4 pages, 2 per sheet, one side
    # The test printer has US paper loaded, as it says; it prints the A4 pages all the same.
    expect(form).to_contain_text("Room 12 copier has no A4 paper loaded (it has Letter, #10 envelopes)")
    form.get_by_role("button", name="Print", exact=True).click()
    expect(card).to_contain_text("Printed", timeout=PRINT_MS)
    expect(card).to_contain_text("Room 12 copier: 1 copy")
    received = list(printer.spool.iterdir())
    assert len(received) == 1 and received[0].read_bytes().startswith(b"%PDF")
    [record] = app.jobs().list(None).records[:1]
    output = record.outputs[0]
    assert received[0].read_bytes() == app.jobs().output_path(record.id, output, None).read_bytes()


def test_a_ticket_goes_to_the_print_room_and_comes_back_printed(page, app, tmp_path: Path):
    name, card = handouts_job(page, tmp_path)
    card.get_by_text("Print…").click()
    main = ui.main(page)
    main.get_by_role("radio", name="The print room").click()
    # One field at a time, each sent before the next (a rerun on a busy machine must not race a typing).
    expect(
        main.get_by_role("button", name="Send to the print room")
    ).to_be_visible()  # the ticket form is drawn
    for attempt in range(3):  # a rerun still drawing the form can take the first typing away
        main.get_by_label("Copies").fill("30")
        main.get_by_label("Copies").press("Enter")
        try:
            expect(main).to_contain_text("60 sheets of paper", timeout=10_000)  # 2 sheets, 30 times
            break
        except AssertionError:
            if attempt == 2:
                raise
    main.get_by_label("Class").fill("9B")
    main.get_by_label("Class").press("Enter")
    expect(main.get_by_label("Class")).to_have_value("9B")
    main.get_by_label("Note for the print room").fill("Thursday's lab, please")
    main.get_by_label("Note for the print room").press("Tab")
    expect(main.get_by_label("Note for the print room")).to_have_value("Thursday's lab, please")
    main.get_by_role("button", name="Send to the print room").click()
    expect(card).to_contain_text("Waiting in the print room")
    # Without sign-in whoever uses the app is the print room too: its page is in the navigation.
    page.get_by_test_id("stSidebar").get_by_role("link", name="Print room").click()
    room = ui.main(page)
    ticket = room.locator('[class*="st-key-room-"]').filter(has_text="Thursday's lab, please")
    expect(ticket).to_contain_text("class 9B")
    expect(ticket).to_contain_text("30 copies")
    expect(ticket.get_by_role("button", name="Download")).to_be_visible()
    ticket.get_by_role("button", name="Printed").click()
    expect(room.get_by_role("heading", name="Waiting to be collected (1)")).to_be_visible()
    page.get_by_test_id("stSidebar").get_by_role("link", name="Jobs").click()
    card = ui.main(page).locator('[class*="st-key-job-"]').filter(has_text=name).first
    expect(card).to_contain_text("Printed by the print room, ready to collect")
    card.get_by_role("button", name="I have collected it").click()
    expect(card).to_contain_text("Collected")
