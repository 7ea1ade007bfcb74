"""What the pages may do about printing: which printers a teacher may use and what each can do,
print a finished job, cancel or try a print again, and read how its prints stand.

The web process never talks to a printer: it records the print and queues the worker's task;
what a printer can do is what a worker last heard from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis
from rq import Queue
from rq.serializers import JSONSerializer

from core.errors import NotAllowed, PrintNotAllowed
from printers.choices import PrintChoice, problems
from printers.ipp import Capabilities
from printers.setup import Printer
from services.reachable import unreachable
from services.usage import Totals
from storage.config import Config
from storage.files import FileStore
from storage.jobs import JobRecord, Status, TransitionRefused
from storage.prints import AT_PRINTER, CANCELED, CANCELING, FAILED, SENDING, PrintRecord, PrintStore
from storage.redis_conn import get_redis
from worker.printing import (
    CANCEL_PRINT,
    CHECK_PRINTERS,
    PRINT_TASK_TIMEOUT_S,
    SEND_PRINT,
    can_of,
    capabilities,
    meant_sides,
    new_print,
    person,
    printable,
    rules_of,
    setup_for,
)

TASK_TTL_S = 3600


@dataclass(frozen=True)
class PrinterState:
    """One printer as the Print… form offers it."""

    printer: Printer
    can: Capabilities | None  # None: it did not answer when last asked, or was not asked yet
    problem: str = ""
    checked_at: float | None = None


class Printing:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.conn = get_redis(config)
        self.prints = PrintStore(self.conn, FileStore(config))
        # The looks' queue: every worker takes it first, so a print never waits behind a long job.
        self.queue = Queue(config.look_queue_name, connection=self.conn, serializer=JSONSerializer)

    def printers_for(self, owner: str) -> list[PrinterState]:
        """The printers this teacher may use, with what each said when a worker last asked."""
        setup = setup_for(self.config)
        try:
            seen = capabilities(self.conn)
        except redis.RedisError as exc:
            raise unreachable(exc) from exc
        return [
            PrinterState(
                p,
                can_of(seen.get(p.name)),
                str(seen.get(p.name, {}).get("problem", "")),
                seen.get(p.name, {}).get("at"),
            )
            for p in setup.for_person(person(owner, self.config))
        ]

    def check_again(self) -> None:
        """Ask a worker to ask every printer now."""
        self._enqueue(CHECK_PRINTERS, [])

    def problems(
        self, record: JobRecord, choice: PrintChoice, owner: str, can: Capabilities | None = None
    ) -> list[str]:
        """What keeps this print from being sent, in words, as the worker would refuse it
        (`can`: what the printer said, when the caller has read it already)."""
        setup = setup_for(self.config)
        can = can or can_of(capabilities(self.conn).get(choice.printer))
        found = problems(choice, setup.find(choice.printer), setup, person(owner, self.config), can,
                         rules_of(self.config), meant_sides(record))  # fmt: skip
        if allowance := Totals(self.config).problem(owner):
            found.append(allowance)
        return found

    def print_job(self, record: JobRecord, output_ref: str, choice: PrintChoice, owner: str) -> PrintRecord:
        """Send one PDF of a finished job of this teacher to a printer (a worker does the sending)."""
        if record.owner != owner and person(owner, self.config) is not None:
            raise NotAllowed("That job is not yours.")
        if record.status != Status.FINISHED:
            raise NotAllowed("Only a finished job can be printed.")
        if record.kind == "class_sets" and choice.copies != 1:
            raise PrintNotAllowed("A class set is one copy per student already: print 1 copy of it.")
        output = next((o for o in printable(record) if o.ref == output_ref), None)
        if output is None:
            raise NotAllowed("That file is not one of this job's PDFs.")
        can = can_of(capabilities(self.conn).get(choice.printer))
        if found := self.problems(record, choice, owner, can):
            raise PrintNotAllowed(" ".join(found))
        made = new_print(record, output, choice, can)
        try:
            self.prints.add(made)
            self._enqueue(SEND_PRINT, [made.id])
        except redis.RedisError as exc:
            raise unreachable(exc) from exc
        return made

    def prints_of(self, job_id: str) -> list[PrintRecord]:
        try:
            return self.prints.of_job(job_id)
        except redis.RedisError as exc:
            raise unreachable(exc) from exc

    def cancel(self, print_id: str, owner: str) -> None:
        """Cancel a print: at the printer when it is there (a worker asks it), else before it is sent."""
        record = self._owned(print_id, owner)

        def canceling(r: PrintRecord) -> None:
            r.state = CANCELING if r.printer_job_id is not None else CANCELED

        try:
            changed = self.prints.change(record.id, {SENDING, *AT_PRINTER} - {CANCELING}, canceling)
        except TransitionRefused as exc:
            raise NotAllowed("This print has already ended.") from exc
        if changed.state == CANCELING:
            self._enqueue(CANCEL_PRINT, [changed.id])

    def try_again(self, print_id: str, owner: str) -> None:
        """Send a print that failed once more, as it was chosen."""
        record = self._owned(print_id, owner)

        def again(r: PrintRecord) -> None:
            r.state, r.printer_job_id, r.reasons, r.message, r.hint = SENDING, None, [], "", ""
            r.attempt += 1

        try:
            self.prints.change(record.id, {FAILED}, again)
        except TransitionRefused as exc:
            raise NotAllowed("Only a print that failed can be tried again.") from exc
        self._enqueue(SEND_PRINT, [record.id])

    def _owned(self, print_id: str, owner: str) -> PrintRecord:
        record = self.prints.get(print_id)
        if record is None or (record.owner != owner and person(owner, self.config) is not None):
            raise NotAllowed("That print does not exist any more, or it is not yours.")
        return record

    def _enqueue(self, task: str, args: list[Any]) -> None:
        self.queue.enqueue_call(
            task, args=args, timeout=PRINT_TASK_TIMEOUT_S, result_ttl=TASK_TTL_S, failure_ttl=TASK_TTL_S
        )
