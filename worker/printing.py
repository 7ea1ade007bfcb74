"""Printing on the workers: sending a job's PDF to a printer, following it there, cancelling it,
and asking the school's printers what they can do.

The web process never talks to a printer: it records a print (`storage.prints`) and queues
`send_print`; the card reads what the workers wrote. Each worker's printers thread
(`sweep_printers`, every SWEEP_INTERVAL) asks every printer what it can do about once a minute,
and asks the printers of prints still there how they stand (bounded: a few seconds per printer,
one process at a time, as the lost-worker sweep is). A print whose printer stops answering is
given PRINTER_SILENT_GIVE_UP_S before it is called failed, with Try again.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import redis

from core.errors import (
    InputMissing,
    PrinterBusy,
    PrinterRefused,
    PrinterUnreachable,
    PrintJobGone,
    PrintNotAllowed,
    TeacherPrinterError,
)
from printers.choices import PrintChoice, PrintRules, media_for, problems, sheets_for
from printers.ipp import (
    Capabilities,
    JobAtPrinter,
    cancel_job,
    job_status,
    print_pdf,
    printer_attributes,
    reason_words,
)
from printers.setup import Printer, PrinterSetup, read_setup
from storage.config import Config, load_config
from storage.files import FileStore
from storage.jobs import KEY_PREFIX, JobRecord, OutputFile, TransitionRefused, now
from storage.prints import (
    AT_PRINTER,
    CANCELED,
    CANCELING,
    DONE,
    FAILED,
    HELD,
    PRINTING,
    SENDING,
    STOPPED,
    WAITING,
    PrintRecord,
    PrintStore,
)
from storage.redis_conn import get_redis
from storage.usage import Usage
from worker.steps import PDF_MIME, StepContext, StepDef, StepResult

SEND_PRINT = "worker.printing.send_print"
CANCEL_PRINT = "worker.printing.cancel_print"
CHECK_PRINTERS = "worker.printing.check_printers"
PRINT_TASKS = frozenset({SEND_PRINT, CANCEL_PRINT, CHECK_PRINTERS})

ASK_TIMEOUT_S = 5.0  # one question to a printer, in the sweep
SEND_TIMEOUT_S = 60.0  # sending a file (a long booklet over a slow link)
PRINT_TASK_TIMEOUT_S = 120  # RQ stops a printing task after this; a send takes at most about as long
# A print still "sending" this long after its last change was cut off: its worker stopped mid-send.
SEND_CUT_OFF_S = PRINT_TASK_TIMEOUT_S + 180
PRINTER_CHECK_S = 60  # how often each printer is asked what it can do
PRINTER_SILENT_GIVE_UP_S = 600
POLL_LOCK = f"{KEY_PREFIX}prints:poll-lock"
CHECK_LOCK = f"{KEY_PREFIX}printers:check-lock"
MOST_PRINTS_PER_POLL = 100
BUSY_TRIES, BUSY_WAIT_S = 12, 5.0  # a printer busy with one job at a time: a minute of patience

# The printer's job states, as the card says them.
STATE_OF = {
    "waiting": WAITING,
    "held": HELD,
    "printing": PRINTING,
    "stopped": STOPPED,
    "done": DONE,
    "canceled": CANCELED,
    "aborted": FAILED,
}

log = logging.getLogger(__name__)

_setups: dict[Path, tuple[float, PrinterSetup]] = {}


def setup_for(config: Config) -> PrinterSetup:
    """The printers file as it is now (read again when it changes)."""
    path = config.printers_file
    try:
        changed = path.stat().st_mtime
    except OSError:
        changed = 0.0
    cached = _setups.get(path)
    if cached is None or cached[0] != changed:
        cached = (changed, read_setup(path))
        _setups[path] = cached
    return cached[1]


def person(owner: str, config: Config) -> str | None:
    """Whose printer rules apply: a teacher's address; None for an admin or single-user mode."""
    return None if owner in config.admin_emails or "@" not in owner else owner


def rules_of(config: Config) -> PrintRules:
    return PrintRules(config.max_print_copies, config.print_room_above_sheets)


# -- what the printers can do ---------------------------------------------------------------


def capabilities(conn: redis.Redis) -> dict[str, dict[str, Any]]:
    """What each printer said when last asked: {"ok", "can" or "problem"/"hint", "at"}."""
    return PrintStore(conn).printers_seen()


def can_of(seen: dict[str, Any] | None) -> Capabilities | None:
    if not seen or not seen.get("ok"):
        return None
    return Capabilities.from_dict(seen["can"])


def check_printers(names: list[str] | None = None) -> dict[str, bool]:
    """Ask every printer (or those named) what it can do, side by side; the RQ task behind "Check again"."""
    config = load_config()
    return _check(PrintStore(get_redis(config), FileStore(config)), setup_for(config), names)


def _check(prints: PrintStore, setup: PrinterSetup, names: list[str] | None = None) -> dict[str, bool]:
    wanted = [p for p in setup.printers if names is None or p.name in names]

    def ask(printer: Printer) -> dict[str, Any]:
        try:
            return {
                "ok": True,
                "can": printer_attributes(printer.request_uri, ASK_TIMEOUT_S).to_dict(),
                "at": now(),
            }
        except TeacherPrinterError as exc:
            return {"ok": False, "problem": exc.message, "hint": exc.hint, "at": now()}

    with ThreadPoolExecutor(max_workers=max(1, min(8, len(wanted)))) as pool:
        answers = list(pool.map(ask, wanted))
    for printer, seen in zip(wanted, answers, strict=True):
        prints.printer_seen(printer.name, seen)
    known = {p.name for p in setup.printers}
    for name in set(prints.printers_seen()) - known:
        prints.forget_printer(name)  # taken out of the file
    return {p.name: bool(s["ok"]) for p, s in zip(wanted, answers, strict=True)}


# -- a print's record -------------------------------------------------------------------------


def meant_sides(record: JobRecord) -> str:
    """How the job's result is meant to be printed, as IPP says it (a booklet: two-sided-short-edge)."""
    from pdf.printing import setup_of  # reads words only; loads no PDF library

    for step in reversed(record.steps):
        if step.result.get("printing"):
            return setup_of(step.result).ipp_sides
    return "one-sided"


def printable(record: JobRecord) -> list[OutputFile]:
    """The job's results a printer can take: its PDFs."""
    return [o for o in record.outputs if o.mime == PDF_MIME]


def usage_of(record: JobRecord) -> Usage:
    """What a finished job comes to: one print of each of its PDFs, on the sides it is meant for."""
    sides = meant_sides(record)
    outputs = printable(record)
    return Usage(
        jobs=1,
        sheets=sum(sheets_for(o.pages, sides, 1) for o in outputs),
        sides=sum(o.pages for o in outputs),
        colour_sides=sum(o.colour_pages for o in outputs),
    )


def new_print(
    record: JobRecord, output: OutputFile, choice: PrintChoice, can: Capabilities | None
) -> PrintRecord:
    """The record of one print of `output`, to send, with the choices resolved (sides, paper)."""
    sides = choice.sides_for(meant_sides(record))
    return PrintRecord.of_output(
        record,
        output,
        "printer",
        SENDING,
        sheets=sheets_for(output.pages, sides, choice.copies),
        printer=choice.printer,
        copies=choice.copies,
        sides=sides,
        color=choice.color,
        media=media_for(output.paper, can),
        finishings=list(choice.finishings),
    )


# -- sending ------------------------------------------------------------------------------------


def send_print(print_id: str) -> dict[str, Any]:
    """Send one recorded print to its printer; the RQ task the Print… form queues."""
    config = load_config()
    prints = PrintStore(get_redis(config), FileStore(config))
    record = prints.get(print_id)
    if record is None or record.state != SENDING:
        return {"skipped": "not waiting to be sent"}
    try:
        deliver(prints, record, config)
    except TeacherPrinterError as exc:
        _failed(prints, print_id, exc)
        return {"failed": exc.key}
    except Exception:
        log.exception("print %s could not be sent", print_id)
        _failed(
            prints,
            print_id,
            PrinterRefused(
                "Something went wrong while sending this to the printer.",
                "Press Try again; if it fails again, tell your IT person.",
            ),
        )
        return {"failed": "unexpected"}
    return {"sent": print_id}


def deliver(prints: PrintStore, record: PrintRecord, config: Config) -> PrintRecord:
    """Check the print against the printer and the rules again, send it, and record the printer's job."""
    setup = setup_for(config)
    printer = setup.find(record.printer)
    can = can_of(capabilities(prints.conn).get(record.printer))
    choice = PrintChoice(record.printer, record.copies, record.sides, record.color, tuple(record.finishings))
    # A printer that did not answer when last asked is tried all the same: it may be back.
    if found := problems(
        choice, printer, setup, person(record.owner, config), can, rules_of(config), record.sides
    ):
        raise PrintNotAllowed(" ".join(found))
    assert printer is not None
    path = FileStore(config).resolve(record.output_ref)
    if not path.is_file():
        raise InputMissing(
            f"{record.output_name} is no longer on the server.", "Run the job again, then print it."
        )
    job_id = _while_busy(
        lambda: print_pdf(
            printer.request_uri,
            path,
            job_name=_job_name(record),
            user=record.owner,
            copies=record.copies,
            sides=record.sides,
            color=record.color,
            media=record.media,
            finishings=tuple(record.finishings),
            timeout_s=SEND_TIMEOUT_S,
        )
    )
    log.info("print %s of job %s sent to %s as its job %s", record.id, record.job_id, printer.name, job_id)

    def sent(r: PrintRecord) -> None:
        r.state, r.printer_job_id, r.message, r.hint, r.reasons = WAITING, job_id, "", "", []

    record = prints.change(record.id, {SENDING}, sent)
    return _follow(prints, record, printer, None)


def _while_busy(send: Callable[[], int]) -> int:
    """Send, and send again while the printer says it is busy (one job at a time), for a while."""
    for _ in range(BUSY_TRIES - 1):
        try:
            return send()
        except PrinterBusy:
            time.sleep(BUSY_WAIT_S)
    return send()


def _job_name(record: PrintRecord) -> str:
    """The job's name at the printer: its title, without anything a request file could misread."""
    name = "".join(ch for ch in record.title if ch.isprintable()).strip()
    return (name or record.output_name)[:200]


def _failed(prints: PrintStore, print_id: str, exc: TeacherPrinterError) -> None:
    def change(r: PrintRecord) -> None:
        r.state, r.message, r.hint = FAILED, exc.message, exc.hint

    with contextlib.suppress(TransitionRefused):  # canceled or deleted meanwhile
        prints.change(print_id, {SENDING, *AT_PRINTER}, change)


# -- following it at the printer ------------------------------------------------------------


def _follow(
    prints: PrintStore, record: PrintRecord, printer: Printer, can: Capabilities | None
) -> PrintRecord:
    """Ask the printer how the print stands and record it (a cancel asked for is sent again)."""
    assert record.printer_job_id is not None
    try:
        if record.state == CANCELING:
            # Asked again until the printer says it is canceled; "already canceled" is an answer too.
            with contextlib.suppress(PrinterRefused):
                cancel_job(printer.request_uri, record.printer_job_id, record.owner, ASK_TIMEOUT_S)
        status = job_status(printer.request_uri, record.printer_job_id, record.owner, ASK_TIMEOUT_S)
    except PrintJobGone:
        gone = CANCELED if record.state == CANCELING else FAILED
        return _record(
            prints,
            record,
            gone,
            [],
            PrintJobGone(
                f"{printer.name} no longer knows this job: it was restarted or switched off before it said the job was printed.",
                "If nothing came out, press Try again.",
            ),
        )
    except PrinterUnreachable:
        since = record.unanswered_since or now()
        if now() - since > PRINTER_SILENT_GIVE_UP_S:
            return _record(
                prints,
                record,
                FAILED,
                [],
                PrinterUnreachable(
                    f"{printer.name} stopped answering before it said this job was printed.",
                    "Check the printer: if nothing came out, press Try again.",
                ),
            )

        def silent(r: PrintRecord) -> None:
            r.unanswered_since, r.reasons = since, ["the printer is not answering"]

        return prints.change(record.id, AT_PRINTER, silent)
    return _record_status(prints, record, status, can)


def _record_status(
    prints: PrintStore, record: PrintRecord, status: JobAtPrinter, can: Capabilities | None
) -> PrintRecord:
    state = STATE_OF.get(status.state, record.state)
    if state == WAITING and (
        "printer-stopped" in status.reasons or (can is not None and can.state == "stopped")
    ):
        state = STOPPED  # a paused CUPS queue keeps its jobs pending: they wait for someone to act
    if record.state == CANCELING and state not in (CANCELED, DONE, FAILED):
        state = CANCELING
    words = reason_words(status.reasons)
    if can is not None and state in (WAITING, HELD, STOPPED, PRINTING):
        # Out of paper, a jam: the printer's own reasons, and what its operator wrote (CUPS's reason for pausing).
        words += [w for w in reason_words(can.reasons) if w not in words]
        if state == STOPPED and can.message and can.message not in words:
            words.append(can.message)
    problem = None
    if state == FAILED:
        problem = PrinterUnreachable(
            f"{record.printer} gave up on this job" + (f" ({', '.join(words)})." if words else "."),
            "Check the printer, then press Try again.",
        )
    return _record(prints, record, state, words, problem)


def _record(
    prints: PrintStore, record: PrintRecord, state: str, words: list[str], problem: TeacherPrinterError | None
) -> PrintRecord:
    def change(r: PrintRecord) -> None:
        r.state, r.reasons, r.unanswered_since = state, words, None
        if problem is not None:
            r.message, r.hint = problem.message, problem.hint

    try:
        return prints.change(record.id, AT_PRINTER, change)
    except TransitionRefused:
        return prints.get(record.id) or record


def poll_prints(prints: PrintStore, setup: PrinterSetup) -> int:
    """Ask the printers how each print still there stands; returns how many were asked about."""
    by_printer: dict[str, list[PrintRecord]] = {}
    for record in prints.at_printers()[:MOST_PRINTS_PER_POLL]:
        by_printer.setdefault(record.printer, []).append(record)
    asked = 0
    for name, records in by_printer.items():
        printer = setup.find(name)
        if printer is None:
            for record in records:
                _record(
                    prints,
                    record,
                    FAILED,
                    [],
                    PrintNotAllowed(
                        f"The printer {name} was taken out of the school's list before this job was printed."
                    ),
                )
            continue
        can = None
        try:
            can = printer_attributes(printer.request_uri, ASK_TIMEOUT_S)
            prints.printer_seen(name, {"ok": True, "can": can.to_dict(), "at": now()})
        except TeacherPrinterError:
            pass  # each print then finds it silent, and counts the time
        for record in records:
            try:
                _follow(prints, record, printer, can)
            except TeacherPrinterError as exc:  # one print's odd answer never stops the round
                log.warning("print %s: %s asked how it stands: %s", record.id, name, exc.message)
            asked += 1
    return asked


def cancel_print(print_id: str) -> dict[str, Any]:
    """Cancel a print at its printer; the RQ task behind the card's Cancel."""
    config = load_config()
    prints = PrintStore(get_redis(config), FileStore(config))
    record = prints.get(print_id)
    if record is None or record.state != CANCELING or record.printer_job_id is None:
        return {"skipped": "nothing to cancel"}
    printer = setup_for(config).find(record.printer)
    if printer is None:
        return {"skipped": "no such printer"}
    return {"state": _follow(prints, record, printer, None).state}


def sweep_printers(conn: redis.Redis, config: Config) -> None:
    """A worker's printers round: what each printer can do (each minute), how prints stand (each round)."""
    prints = PrintStore(conn, FileStore(config))
    setup = setup_for(config)
    if setup.printers and conn.set(CHECK_LOCK, "1", nx=True, ex=PRINTER_CHECK_S):
        _check(prints, setup)
    if (prints.any_at_printers() or prints.sending()) and conn.set(
        POLL_LOCK, "1", nx=True, ex=max(1, config.sweep_interval - 1)
    ):
        fail_cut_off_sends(prints)
        poll_prints(prints, setup)


def fail_cut_off_sends(prints: PrintStore) -> int:
    """Call failed, with Try again, each print whose send stopped with its worker; returns how many."""
    failed = 0
    for record in prints.sending():
        if now() - record.updated_at < SEND_CUT_OFF_S:
            continue
        problem = PrinterUnreachable(
            f"Sending this to {record.printer} was cut off: the computer sending it stopped.",
            "Look at the printer: if nothing came out, press Try again.",
        )

        def cut_off(r: PrintRecord, problem: PrinterUnreachable = problem) -> None:
            r.state, r.message, r.hint = FAILED, problem.message, problem.hint

        with contextlib.suppress(TransitionRefused):  # it moved on meanwhile
            prints.change(record.id, {SENDING}, cut_off)
            log.warning("print %s: its send to %s was cut off; marked failed", record.id, record.printer)
            failed += 1
    return failed


# -- "Send to printer" at the end of a job's chain -------------------------------------------


def send_from_chain(ctx: StepContext[Any]) -> StepResult:
    """The chain's last step: send the job's PDF to the printer chosen on the tool page."""
    config = ctx.files.config
    prints = PrintStore(get_redis(config), FileStore(config))
    choice = PrintChoice.from_dict(ctx.record.printing)
    outputs = printable(ctx.record)
    if not outputs:
        raise PrintNotAllowed(
            "This job made no PDF to print.", "Download its files and print them from your computer."
        )
    ctx.progress(0, 1, f"Sending to {choice.printer}")
    record = new_print(ctx.record, outputs[0], choice, can_of(capabilities(prints.conn).get(choice.printer)))
    prints.add(record)
    try:
        sent = deliver(prints, record, config)
    except TeacherPrinterError:
        prints.delete_one(record)  # the job's own failure says it, with Retry
        raise
    ctx.progress(1, 1, f"Sent to {choice.printer}")
    return StepResult({"print_id": sent.id, "printer": choice.printer})


SEND_TO_PRINTER = StepDef("print", "Send to printer", send_from_chain, weight=1)
