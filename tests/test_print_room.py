"""The print room (#20): tickets from the Jobs card to the reprographics room's queue, seen only by
their teacher and the room's staff; printed, collected, sent back; the margin line; retention."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from pypdf import PdfReader

from core.errors import NotAllowed, PrintNotAllowed
from printers.tickets import Ticket
from services.print_room import PrintRoom
from storage.config import load_config
from storage.jobs import Status
from storage.prints import CANCELED, COLLECTED, DECLINED, PRINTED, SENT, PrintStore
from storage.redis_conn import get_redis
from tests.make_files import make_pdf
from tests.test_merge_chain import upload
from tests.test_owners import AUTH

STAFF = "repro@school.org"
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


@pytest.fixture
def room(app_env, monkeypatch) -> PrintRoom:
    monkeypatch.setenv("PRINT_ROOM_EMAILS", f"{STAFF}, Office@School.org")
    monkeypatch.setenv("ADMIN_EMAILS", "it@school.org")
    return PrintRoom(load_config())


def _finished(jobs, burst, tmp_path, owner="ada@school.org", kind="handouts", options=None):
    source = upload(jobs.config, make_pdf(tmp_path / f"Cells-{owner}.pdf", 8, "Cells"))
    record = jobs.submit(kind, f"Cells for {owner}", [source], options or {"layout": "booklet"}, owner)
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED, done.error
    return done


def test_a_ticket_goes_to_the_room_and_comes_back_printed_and_collected(room, jobs, burst, tmp_path):
    done = _finished(jobs, burst, tmp_path)
    output = done.outputs[0]
    ticket = Ticket(30, "two-sided-short-edge", TOMORROW, ("staple",), "yellow", "9B", "For Thursday's lab")
    sent = room.send(done, output.ref, ticket, "ada@school.org")
    assert (sent.state, sent.copies, sent.sheets) == (SENT, 30, 60)  # 4 pages on 2 sheets, 30 times
    [queued] = room.waiting(STAFF)
    assert queued.id == sent.id and Ticket.from_dict(queued.ticket) == ticket
    assert (
        room.file_of(sent.id, "office@school.org").read_bytes()
        == jobs.output_path(done.id, output, None).read_bytes()
    )
    room.mark_printed(sent.id, STAFF)
    [printed] = room.waiting(STAFF)  # still there: not collected yet
    assert (printed.state, printed.handled_by) == (PRINTED, STAFF)
    with pytest.raises(NotAllowed, match="printed it already"):
        room.withdraw(sent.id, "ada@school.org")
    room.mark_collected(sent.id, "ada@school.org")  # the teacher says so herself
    assert room.waiting(STAFF) == []
    [ended] = room.done_lately(STAFF)
    assert ended.state == COLLECTED and ended.collected_at is not None


def test_tickets_are_seen_only_by_their_teacher_and_the_print_room(room, jobs, burst, tmp_path):
    done = _finished(jobs, burst, tmp_path)
    sent = room.send(done, done.outputs[0].ref, Ticket(1, "one-sided", TOMORROW), "ada@school.org")
    for outsider in ("bob@school.org", "it@school.org"):  # another teacher, and an admin who is not staff
        with pytest.raises(NotAllowed, match="print room's staff"):
            room.waiting(outsider)
        with pytest.raises(NotAllowed, match="print room's staff"):
            room.file_of(sent.id, outsider)
        with pytest.raises(NotAllowed, match="print room's staff"):
            room.mark_printed(sent.id, outsider)
    with pytest.raises(NotAllowed, match="not yours"):
        room.withdraw(sent.id, "bob@school.org")
    with pytest.raises(NotAllowed, match="not yours"):
        room.send(done, done.outputs[0].ref, Ticket(1, "one-sided", TOMORROW), "bob@school.org")
    assert (
        PrintStore(get_redis(room.config)).get(sent.id).state == SENT
    )  # nothing the outsiders did changed it


def test_the_teacher_can_take_a_ticket_back_until_it_is_printed(room, jobs, burst, tmp_path):
    done = _finished(jobs, burst, tmp_path)
    sent = room.send(done, done.outputs[0].ref, Ticket(2, "one-sided", TOMORROW), "ada@school.org")
    room.withdraw(sent.id, "ada@school.org")
    assert room.waiting(STAFF) == []
    assert PrintStore(get_redis(room.config)).get(sent.id).state == CANCELED
    with pytest.raises(NotAllowed, match="not waiting to be printed"):
        room.mark_printed(sent.id, STAFF)


def test_a_ticket_the_room_cannot_print_goes_back_with_its_reason(room, jobs, burst, tmp_path):
    done = _finished(jobs, burst, tmp_path)
    sent = room.send(
        done, done.outputs[0].ref, Ticket(2, "one-sided", TOMORROW, paper_colour="pink"), "ada@school.org"
    )
    with pytest.raises(NotAllowed, match="Say why"):
        room.decline(sent.id, STAFF, "   ")
    room.decline(sent.id, STAFF, "No pink paper until Friday.")
    back = PrintStore(get_redis(room.config)).get(sent.id)
    assert (back.state, back.message) == (DECLINED, "The print room says: No pink paper until Friday.")


def test_what_a_ticket_cannot_ask_for_is_said_before_it_is_sent(room, jobs, burst, tmp_path):
    done = _finished(jobs, burst, tmp_path)
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    bad = Ticket(500, "two-sided-sideways", yesterday, ("glitter",), "purple", "x" * 61, "n" * 501)
    said = " ".join(room.problems(bad, done))
    for words in ("between 1 and 100 copies", "one side or both", "has passed", "does not offer glitter",
                  "paper colour", "class to 60", "note to 500"):  # fmt: skip
        assert words in said
    with pytest.raises(PrintNotAllowed, match="has passed"):
        room.send(done, done.outputs[0].ref, bad, "ada@school.org")
    class_set = _finished(jobs, burst, tmp_path, owner="bob@school.org")
    object.__setattr__(class_set, "kind", "class_sets")
    assert "one copy per student" in " ".join(room.problems(Ticket(3, "one-sided", TOMORROW), class_set))


def test_without_a_print_room_no_ticket_is_taken(app_env, jobs, burst, tmp_path):
    done = _finished(jobs, burst, tmp_path)
    room = PrintRoom(load_config())
    assert not room.offered
    with pytest.raises(NotAllowed, match="no print room"):
        room.send(done, done.outputs[0].ref, Ticket(1, "one-sided", TOMORROW), "ada@school.org")


def test_the_ticket_goes_in_the_first_sheets_margin_when_the_school_asks(
    room, jobs, burst, tmp_path, monkeypatch
):
    monkeypatch.setenv("PRINT_ROOM_NOTE_ON_PAGE", "yes")
    room = PrintRoom(load_config())
    done = _finished(jobs, burst, tmp_path)
    output = done.outputs[0]
    sent = room.send(done, output.ref, Ticket(25, "two-sided-short-edge", TOMORROW, ("staple",), class_name="9B",
                                               note="Thursday {page} lab"), "ada@school.org")  # fmt: skip
    with pytest.raises(NotAllowed, match="being prepared"):
        room.file_of(sent.id, STAFF)
    burst()  # a worker writes the copy
    copy = room.file_of(sent.id, STAFF)
    original = jobs.output_path(done.id, output, None)
    assert copy != original
    made, before = PdfReader(copy), PdfReader(original)
    assert len(made.pages) == len(before.pages)
    first = " ".join(made.pages[0].extract_text().split())
    for words in (
        "Print room",
        "ada@school.org",
        "25 copies",
        "staple (top left)",
        "class 9B",
        "Thursday (page) lab",
    ):
        assert words in first
    assert "ada@school.org" not in before.pages[0].extract_text()
    assert made.pages[1].extract_text() == before.pages[1].extract_text()  # only the first sheet


def test_retention_keeps_a_job_while_its_ticket_is_open(room, jobs, burst, tmp_path):
    from storage import lifecycle

    done = _finished(jobs, burst, tmp_path)
    other = _finished(jobs, burst, tmp_path, owner="bob@school.org")
    sent = room.send(done, done.outputs[0].ref, Ticket(1, "one-sided", TOMORROW), "ada@school.org")
    later = time.time() + 86400 * 365
    assert lifecycle.remove_expired(jobs.store, later) == 1  # Bob's job went; Ada's waits for the room
    assert jobs.get(done.id, None) is not None and jobs.get(other.id, None) is None
    room.mark_printed(sent.id, STAFF)
    room.mark_collected(sent.id, STAFF)
    assert lifecycle.remove_expired(jobs.store, later) == 1
    assert jobs.get(done.id, None) is None


# -- the pages ------------------------------------------------------------------------------------


def _signed_in(email: str, page: str):
    from tests.apptest import app_test

    at = app_test(30)
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": True, "email": email}
    at.run()
    return at.switch_page(page).run()


def test_a_teacher_sends_a_ticket_from_the_jobs_card_and_the_room_prints_it(room, jobs, burst, tmp_path):
    from tests.test_pages import assert_clean, texts

    done = _finished(jobs, burst, tmp_path)
    at = _signed_in("ada@school.org", "ui/jobs.py")
    at.toggle(key=f"print-open-{done.id}").set_value(True).run()
    assert_clean(at)
    # No printers are set up here: the print room's ticket is the form.
    key = f"ticket-{done.id}"
    assert at.radio(key=f"{key}-sides").value == "two-sided-short-edge"  # the booklet's own sides
    at.number_input(key=f"{key}-copies").set_value(28).run()
    at.multiselect(key=f"{key}-finishing").select("staple").run()
    at.selectbox(key=f"{key}-paper").set_value("blue").run()
    at.text_input(key=f"{key}-class").input("8C").run()
    at.text_area(key=f"{key}-note").input("Please collate").run()
    assert "56 sheets of paper" in texts(at)
    at.button(key=f"{key}-go").click().run()
    assert_clean(at)
    assert "Waiting in the print room" in texts(at)
    assert at.button(key=f"ticket-back-{PrintStore(get_redis(room.config)).of_job(done.id)[0].id}")

    # Another teacher: the app has no Print room page for him at all (its address opens Home).
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        _signed_in("bob@school.org", "ui/print_room.py")

    staff = _signed_in(STAFF, "ui/print_room.py")
    assert_clean(staff)
    shown = texts(staff)
    for words in ("Cells for ada@school.org", "class 8C", "28 copies", "blue paper", "staple (top left)",
                  "Please collate", "needed tomorrow", "56 sheets"):  # fmt: skip
        assert words in shown, words
    [made] = room.waiting(STAFF)
    assert staff.get("download_button")  # the file to print
    staff.button(key=f"room-printed-{made.id}").click().run()
    assert_clean(staff)
    assert "Waiting to be collected (1)" in [s.value for s in staff.subheader]

    at.run()
    assert "Printed by the print room, ready to collect" in texts(at)
    at.button(key=f"ticket-got-{made.id}").click().run()
    assert "Collected" in texts(at)


def test_the_room_sends_a_ticket_back_and_the_teacher_reads_why(room, jobs, burst, tmp_path):
    from tests.test_pages import assert_clean, texts

    done = _finished(jobs, burst, tmp_path)
    sent = room.send(done, done.outputs[0].ref, Ticket(1, "one-sided", TOMORROW), "ada@school.org")
    staff = _signed_in("office@school.org", "ui/print_room.py")
    staff.toggle(key=f"room-no-{sent.id}").set_value(True).run()
    assert staff.button(key=f"room-back-{sent.id}").disabled  # a reason first
    staff.text_input(key=f"room-why-{sent.id}").input("The file has no page 3.").run()
    staff.button(key=f"room-back-{sent.id}").click().run()
    assert_clean(staff)
    assert "Nothing to print." in texts(staff)
    at = _signed_in("ada@school.org", "ui/jobs.py")
    assert "The print room says: The file has no page 3." in texts(at)


def test_only_the_print_room_sees_its_page_in_the_navigation(room):
    from ui.tools import sections

    def titles(audiences):
        return [p.title for pages in sections(audiences).values() for p in pages]

    assert "Print room" not in titles(frozenset())
    assert "Print room" in titles(frozenset({"print_room"}))


def test_a_ticket_outlives_a_redis_that_came_back_empty(room, jobs, burst, tmp_path):
    from worker.sweep import rebuild

    done = _finished(jobs, burst, tmp_path)
    sent = room.send(
        done, done.outputs[0].ref, Ticket(12, "one-sided", TOMORROW, class_name="7A"), "ada@school.org"
    )
    room.mark_printed(sent.id, STAFF)
    jobs.store.conn.flushdb()  # Redis lost everything (no persistence, a new server)
    rebuild(jobs.store)
    [back] = room.waiting(STAFF)
    assert (back.id, back.state, back.copies, back.handled_by) == (sent.id, PRINTED, 12, STAFF)
    assert Ticket.from_dict(back.ticket).class_name == "7A"
    assert [p.id for p in PrintStore(get_redis(room.config)).of_job(done.id)] == [sent.id]
    room.mark_collected(sent.id, "ada@school.org")  # and it carries on from where it was
    jobs.delete(done.id, None)
    assert room.done_lately(STAFF) == []
    rebuild(jobs.store)
    assert PrintStore(get_redis(room.config)).get(sent.id) is None  # deleted with its job: not back
