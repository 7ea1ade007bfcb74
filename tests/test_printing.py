"""Printing a job (#20): real IPP Everywhere printers (CUPS's ippeveprinter), a real Redis, real RQ workers."""

from __future__ import annotations

import signal
import time

import pytest
from pypdf import PdfReader

from core.errors import NotAllowed, PrintNotAllowed
from printers.choices import PrintChoice
from printers.ipp import job_status
from printers.setup import PrintersFileError, parse_setup
from services.printing import Printing
from storage.jobs import Status
from storage.prints import DONE, FAILED, PrintStore
from storage.redis_conn import get_redis
from tests.make_files import make_pdf
from tests.test_merge_chain import upload
from tests.test_printers import dns_sd as dns_sd  # a fixture, used by `school`
from tests.test_printers import pytestmark as needs_ipp
from tests.test_printers import start_printer
from worker.printing import _check, poll_prints, setup_for

pytestmark = needs_ipp


@pytest.fixture
def school(dns_sd, tmp_path, monkeypatch):
    """Two printers: a duplex one for everyone and a one-sided one for the science group only."""
    duplex = start_printer(tmp_path / "p1", "Library copier")
    single = start_printer(tmp_path / "p2", "Science laser", duplex=False)
    printers = tmp_path / "printers.toml"
    printers.write_text(
        f"""
[groups]
science = ["ada@school.org"]

[[printer]]
name = "Library copier"
uri = "{duplex.uri}"
location = "Library"

[[printer]]
name = "Science laser"
uri = "{single.uri}"
groups = ["science"]
"""
    )
    monkeypatch.setenv("PRINTERS_FILE", str(printers))
    yield {"Library copier": duplex, "Science laser": single}
    for printer in (duplex, single):
        if printer.process.poll() is None:
            printer.process.terminate()
            printer.process.wait(10)


def _asked(config):
    from storage.config import load_config

    config = load_config()
    _check(PrintStore(get_redis(config)), setup_for(config))
    return config


def _finished_booklet(jobs, config, burst, tmp_path, owner="ada@school.org"):
    source = upload(config, make_pdf(tmp_path / "Cells.pdf", 8, "Cells"))
    record = jobs.submit("handouts", "Cells booklet", [source], {"layout": "booklet"}, owner)
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED, done.error
    return done


def _until_ended(config, printing, job_id, timeout=30):
    prints = PrintStore(get_redis(config))
    deadline = time.monotonic() + timeout
    while True:
        poll_prints(prints, setup_for(config))
        [record] = printing.prints_of(job_id)
        if record.ended or time.monotonic() > deadline:
            return record
        time.sleep(0.5)


def test_a_booklet_from_the_jobs_card_arrives_two_sided_short_edge_with_its_copies_and_name(
    school, jobs, burst, tmp_path
):
    config = _asked(jobs.config)
    done = _finished_booklet(jobs, config, burst, tmp_path)
    output = done.outputs[0]
    assert (output.pages, output.paper) == (4, "A4")  # 8 pages on 2 sheets, both sides
    printing = Printing(config)
    made = printing.print_job(done, output.ref, PrintChoice("Library copier", copies=3), "ada@school.org")
    assert (made.sides, made.sheets, made.media) == ("two-sided-short-edge", 6, "iso_a4_210x297mm")
    burst()  # the worker sends it
    [sent] = printing.prints_of(done.id)
    assert sent.printer_job_id is not None and sent.state != FAILED, sent.message
    ended = _until_ended(config, printing, done.id)
    assert ended.state == DONE, (ended.state, ended.message, ended.reasons)
    printer = school["Library copier"]
    at_printer = job_status(printer.uri, sent.printer_job_id, "ada@school.org")
    assert (at_printer.name, at_printer.copies, at_printer.sides) == (
        "Cells booklet",
        3,
        "two-sided-short-edge",
    )
    [received] = list(printer.spool.iterdir())
    assert received.read_bytes() == jobs.output_path(done.id, output, None).read_bytes()


def test_the_rules_a_school_sets_are_kept(school, jobs, burst, tmp_path, monkeypatch):
    monkeypatch.setenv("MAX_PRINT_COPIES", "5")
    config = _asked(jobs.config)
    done = _finished_booklet(jobs, config, burst, tmp_path, owner="bob@school.org")
    printing = Printing(config)
    names = [state.printer.name for state in printing.printers_for("bob@school.org")]
    assert names == ["Library copier"]  # not in the science group
    assert [s.printer.name for s in printing.printers_for("ada@school.org")] == [
        "Library copier",
        "Science laser",
    ]
    ref = done.outputs[0].ref
    with pytest.raises(PrintNotAllowed, match="Science laser is not one of the printers you may use"):
        printing.print_job(done, ref, PrintChoice("Science laser"), "bob@school.org")
    with pytest.raises(PrintNotAllowed, match="At most 5 copies"):
        printing.print_job(done, ref, PrintChoice("Library copier", copies=6), "bob@school.org")
    with pytest.raises(NotAllowed, match="not yours"):
        printing.print_job(done, ref, PrintChoice("Library copier"), "ada@school.org")
    # A booklet needs both sides: the one-sided printer is refused for it, in words, before sending.
    mine = _finished_booklet(jobs, config, burst, tmp_path / "ada", owner="ada@school.org")
    assert printing.problems(mine, PrintChoice("Science laser"), "ada@school.org") == [
        "Science laser cannot print on both sides: choose one-sided, or another printer."
    ]
    assert printing.problems(mine, PrintChoice("Science laser", sides="one-sided"), "ada@school.org") == []
    assert PrintStore(get_redis(config)).of_job(done.id) == []  # nothing refused was recorded


def test_a_printer_that_goes_away_is_said_and_try_again_sends_it_when_it_is_back(
    school, jobs, burst, tmp_path, monkeypatch
):
    config = _asked(jobs.config)
    done = _finished_booklet(jobs, config, burst, tmp_path)
    printing = Printing(config)
    printer = school["Library copier"]
    printer.process.send_signal(signal.SIGSTOP)  # frozen: takes the connection, never answers
    try:
        monkeypatch.setattr("worker.printing.SEND_TIMEOUT_S", 2.0)
        printing.print_job(done, done.outputs[0].ref, PrintChoice("Library copier"), "ada@school.org")
        burst()
    finally:
        printer.process.send_signal(signal.SIGCONT)
    [failed] = printing.prints_of(done.id)
    assert failed.state == FAILED
    assert "did not answer within 2 s of being sent the file" in failed.message
    assert failed.hint == "It may still print it: look at the printer before you press Try again."
    printing.try_again(failed.id, "ada@school.org")
    burst()
    ended = _until_ended(config, printing, done.id)
    assert (ended.state, ended.attempt) == (DONE, 2), (ended.message, ended.reasons)
    # And so it did: the frozen printer read the first request when it woke. Two copies came out,
    # which the hint warned of (IPP cannot say whether a request that timed out went through).
    assert len(list(printer.spool.iterdir())) == 2


def test_a_job_can_end_by_sending_itself_to_the_printer(school, jobs, burst, tmp_path):
    config = _asked(jobs.config)
    source = upload(config, make_pdf(tmp_path / "Quiz.pdf", 4, "Quiz"))
    record = jobs.submit(
        "handouts", "Quiz", [source], {"per_sheet": 2}, "ada@school.org",
        printing=PrintChoice("Library copier", copies=2).to_dict(),
    )  # fmt: skip
    assert record.steps[-1].label == "Send to printer"
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED, done.error
    printing = Printing(config)
    ended = _until_ended(config, printing, done.id)
    assert (ended.state, ended.copies, ended.sides) == (DONE, 2, "one-sided")
    [received] = list(school["Library copier"].spool.iterdir())
    assert len(PdfReader(received).pages) == 2


def test_a_print_to_a_printer_outside_the_teachers_group_is_refused_at_submit(school, jobs, config, tmp_path):
    source = upload(config, make_pdf(tmp_path / "Quiz.pdf", 2))
    with pytest.raises(PrintNotAllowed, match="not one of the printers you may use"):
        jobs.submit("handouts", "Quiz", [source], {}, "bob@school.org", printing={"printer": "Science laser"})


def test_a_printers_file_with_a_mistake_says_where():
    with pytest.raises(PrintersFileError, match=r"printer 1 .*uri must be an IPP address"):
        parse_setup('[[printer]]\nname = "A"\nuri = "smb://x/y"\n')
    with pytest.raises(PrintersFileError, match="not in \\[groups\\]"):
        parse_setup('[[printer]]\nname = "A"\nuri = "ipp://x/ipp/print"\ngroups = ["art"]\n')
    setup = parse_setup(
        '[groups]\nart = ["*@art.school.org"]\n[[printer]]\nname = "A"\nuri = "ipps://x/ipp/print"\n'
        'groups = ["art"]\nusername = "tp"\npassword = "s3cr:t"\n'
    )
    [printer] = setup.printers
    assert setup.may_use(printer, "kim@art.school.org") and not setup.may_use(printer, "kim@school.org")
    assert printer.request_uri == "ipps://tp:s3cr%3At@x/ipp/print"
    assert "s3cr" not in repr(printer) and printer.shown_uri == "ipps://x/ipp/print"


def test_what_a_printer_can_do_is_asked_by_the_workers_and_read_by_the_page(school, jobs):
    config = _asked(jobs.config)
    states = {s.printer.name: s for s in Printing(config).printers_for("ada@school.org")}
    assert states["Library copier"].can.two_sided and not states["Science laser"].can.two_sided
    school["Science laser"].process.terminate()
    school["Science laser"].process.wait(10)
    _asked(config)
    gone = Printing(config).printers_for("ada@school.org")[1]
    assert gone.can is None and "cannot be reached" in gone.problem


def test_the_jobs_card_prints_a_booklet_both_sides_short_edge(school, jobs, burst, tmp_path):
    """AppTest: Print… on a finished booklet's card offers the sides of the result and the printers'
    own choices, and Print sends it (single-user mode: every printer is offered)."""
    from tests.test_pages import app, assert_clean, texts

    config = _asked(jobs.config)
    done = _finished_booklet(jobs, config, burst, tmp_path, owner="local")
    at = app()
    at.switch_page("ui/jobs.py").run()
    at.toggle(key=f"print-open-{done.id}").set_value(True).run()
    assert_clean(at)
    sides = at.radio(key=f"print-{done.id}-sides-Library copier")
    assert sides.value == "two-sided-short-edge"
    assert "2 sheets of paper" in texts(at)
    at.selectbox(key=f"print-{done.id}-printer").set_value("Science laser").run()
    assert at.radio(key=f"print-{done.id}-sides-Science laser").options == ["One-sided"]  # all it can do
    at.selectbox(key=f"print-{done.id}-printer").set_value("Library copier").run()
    at.number_input(key=f"print-{done.id}-copies").set_value(2).run()
    at.button(key=f"print-{done.id}-go").click().run()
    assert_clean(at)
    [made] = Printing(config).prints_of(done.id)
    assert (made.printer, made.copies, made.sides) == ("Library copier", 2, "two-sided-short-edge")
    burst()
    ended = _until_ended(config, Printing(config), done.id)
    assert ended.state == DONE, ended.message
    at.run()
    assert "Printed" in texts(at) and "Library copier: 2 copies" in texts(at)


def test_cancel_printing_cancels_at_the_printer(school, jobs, burst, tmp_path):
    config = _asked(jobs.config)
    done = _finished_booklet(jobs, config, burst, tmp_path)
    printing = Printing(config)
    made = printing.print_job(done, done.outputs[0].ref, PrintChoice("Library copier"), "ada@school.org")
    burst()  # sent: the test printer takes some seconds over each job
    with pytest.raises(NotAllowed, match="not yours"):
        printing.cancel(made.id, "bob@school.org")
    printing.cancel(made.id, "ada@school.org")
    burst()  # the worker asks the printer to cancel it
    ended = _until_ended(config, printing, done.id)
    assert ended.state == "canceled", (ended.state, ended.reasons)
    at_printer = job_status(school["Library copier"].uri, ended.printer_job_id, "ada@school.org")
    assert at_printer.state == "canceled"


def test_a_tool_page_can_send_its_result_to_a_printer_when_it_is_done(school, jobs, burst, tmp_path):
    """AppTest: Handouts with "Send it to a printer when it is done": the job ends with Send to printer."""
    from tests.test_pages import app, assert_clean

    config = _asked(jobs.config)
    at = app()
    at.switch_page("ui/handouts.py").run()
    data = make_pdf(tmp_path / "Quiz.pdf", 4, "Quiz").read_bytes()
    at.file_uploader(key="handouts_files").upload("Quiz.pdf", data, "application/pdf")
    at.run()
    assert_clean(at)
    at.checkbox(key="handouts_print").check().run()
    at.selectbox(key="handouts_print_printer").set_value("Science laser").run()
    assert "Science laser prints on one side only." in [c.value for c in at.caption]
    at.button(key="handouts_submit").click().run()
    assert_clean(at)
    [record] = jobs.list(None).records
    assert record.steps[-1].label == "Send to printer"
    assert record.printing["printer"] == "Science laser" and record.printing["sides"] == "one-sided"
    burst()
    ended = _until_ended(config, Printing(config), record.id)
    assert ended.state == DONE, ended.message
