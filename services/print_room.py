"""The print room (reprographics): teachers send a finished job's PDF there as a ticket; its staff
(PRINT_ROOM_EMAILS) see the queue, download the file, and mark each ticket printed, collected,
or not printed with a reason. A ticket is seen only by its teacher and the print room.

A ticket is a print record (`storage.prints`, where="room"), so the Jobs card shows it with the
job's other prints, and it goes with its job; retention keeps a job while its ticket is open.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import redis
from rq import Queue
from rq.serializers import JSONSerializer

from core.errors import NotAllowed, PrintNotAllowed
from printers.choices import sheets_for
from printers.tickets import Ticket
from services.reachable import unreachable
from storage.config import Config
from storage.files import FileStore
from storage.jobs import JobRecord, Status, TransitionRefused
from storage.prints import (
    CANCELED,
    COLLECTED,
    DECLINED,
    IN_ROOM,
    PRINTED,
    SENT,
    PrintRecord,
    PrintStore,
)
from storage.redis_conn import get_redis
from worker.print_room import PREPARE_TICKET
from worker.printing import PRINT_TASK_TIMEOUT_S, person, printable

TASK_TTL_S = 3600
# Tickets the room finished with stay on its page this long, for "who collected that?".
DONE_SHOWN_S = 7 * 86400
MAX_REASON_CHARS = 300


def in_print_room(who: str, config: Config) -> bool:
    """Whether `who` works in the print room (without sign-in, whoever uses the app does)."""
    if not config.print_room_emails:
        return False
    return "@" not in who or who in config.print_room_emails


class PrintRoom:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.conn = get_redis(config)
        self.files = FileStore(config)
        self.prints = PrintStore(self.conn, self.files)
        self.queue = Queue(config.look_queue_name, connection=self.conn, serializer=JSONSerializer)

    @property
    def offered(self) -> bool:
        """Whether the school has a print room to send tickets to."""
        return bool(self.config.print_room_emails)

    # -- the teacher's side -------------------------------------------------------------------
    def send(self, record: JobRecord, output_ref: str, ticket: Ticket, owner: str) -> PrintRecord:
        """Send one PDF of a finished job of this teacher to the print room as a ticket."""
        if not self.offered:
            raise NotAllowed("This school has no print room set up here.")
        if record.owner != owner and person(owner, self.config) is not None:
            raise NotAllowed("That job is not yours.")
        if record.status != Status.FINISHED:
            raise NotAllowed("Only a finished job can be printed.")
        output = next((o for o in printable(record) if o.ref == output_ref), None)
        if output is None:
            raise NotAllowed("That file is not one of this job's PDFs.")
        if found := self.problems(ticket, record):
            raise PrintNotAllowed(" ".join(found))
        made = PrintRecord.of_output(
            record,
            output,
            "room",
            SENT,
            sheets=sheets_for(output.pages, ticket.sides, ticket.copies),
            printer="Print room",
            copies=ticket.copies,
            sides=ticket.sides,
            ticket=ticket.to_dict(),
            # The room prints the file as it is, unless the school wants the ticket on its first sheet.
            file_ref="" if self.config.print_room_note_on_page else output.ref,
        )
        try:
            self.prints.add(made)
            if not made.file_ref:
                self.queue.enqueue_call(
                    PREPARE_TICKET,
                    args=[made.id],
                    timeout=PRINT_TASK_TIMEOUT_S,
                    result_ttl=TASK_TTL_S,
                    failure_ttl=TASK_TTL_S,
                )
        except redis.RedisError as exc:
            raise unreachable(exc) from exc
        return made

    def problems(self, ticket: Ticket, record: JobRecord) -> list[str]:
        """What keeps the ticket from being sent, in words."""
        found = ticket.problems(dt.date.today(), self.config.max_print_copies)
        if record.kind == "class_sets" and ticket.copies != 1:
            found.append("A class set is one copy per student already: ask for 1 copy of it.")
        return found

    def withdraw(self, print_id: str, owner: str) -> None:
        """The teacher takes a ticket back before the room has printed it."""
        ticket = self._ticket(print_id)
        if ticket.owner != owner and person(owner, self.config) is not None:
            raise NotAllowed("That ticket does not exist any more, or it is not yours.")
        self._change(
            print_id,
            {SENT},
            lambda r: setattr(r, "state", CANCELED),
            "The print room has printed it already.",
        )

    # -- the print room's side ----------------------------------------------------------------
    def waiting(self, who: str) -> list[PrintRecord]:
        """The tickets still to print or to collect: the soonest needed first, then the oldest."""
        self._staff(who)
        try:
            tickets = self.prints.room_queue()
        except redis.RedisError as exc:
            raise unreachable(exc) from exc
        return sorted(tickets, key=lambda t: (t.state != SENT, t.ticket.get("due", ""), t.created_at))

    def done_lately(self, who: str) -> list[PrintRecord]:
        """Tickets that ended in the last week, newest first."""
        self._staff(who)
        since = time.time() - DONE_SHOWN_S
        try:
            tickets = self.prints.room_queue(include_ended=True)
        except redis.RedisError as exc:
            raise unreachable(exc) from exc
        ended = [t for t in tickets if t.ended and t.updated_at >= since]
        return sorted(ended, key=lambda t: t.updated_at, reverse=True)

    def file_of(self, print_id: str, who: str) -> Path:
        """The file the room prints for a ticket."""
        self._staff(who)
        ticket = self._ticket(print_id)
        if not ticket.file_ref:
            raise NotAllowed("The file is still being prepared: try again in a moment.")
        path = self.files.resolve(ticket.file_ref)
        if not path.is_file():
            raise NotAllowed(
                "The file of this ticket is not there any more; ask the teacher to send it again."
            )
        return path

    def mark_printed(self, print_id: str, who: str) -> None:
        self._staff(who)

        def printed(r: PrintRecord) -> None:
            r.state, r.handled_by, r.printed_at = PRINTED, who, time.time()

        self._change(print_id, {SENT}, printed, "This ticket is not waiting to be printed.")

    def mark_collected(self, print_id: str, who: str) -> None:
        """Collected: marked by the room, or by the teacher who collected it."""
        ticket = self._ticket(print_id)
        if ticket.owner != who and person(who, self.config) is not None:
            self._staff(who)

        def collected(r: PrintRecord) -> None:
            r.state, r.collected_at = COLLECTED, time.time()

        self._change(print_id, {PRINTED}, collected, "This ticket has not been printed yet.")

    def decline(self, print_id: str, who: str, reason: str) -> None:
        """The room will not print it (the file is unreadable, the paper is out): the teacher is told why."""
        self._staff(who)
        reason = " ".join(reason.split())
        if not reason:
            raise NotAllowed("Say why it is not printed, so that the teacher knows what to do.")
        if len(reason) > MAX_REASON_CHARS:
            raise NotAllowed(f"Say it in at most {MAX_REASON_CHARS} characters.")

        def declined(r: PrintRecord) -> None:
            r.state, r.handled_by, r.message = DECLINED, who, f"The print room says: {reason}"

        self._change(print_id, IN_ROOM, declined, "This ticket has ended already.")

    # -- helpers --------------------------------------------------------------------------------
    def _staff(self, who: str) -> None:
        if not in_print_room(who, self.config):
            raise NotAllowed("Only the print room's staff see its tickets.")

    def _ticket(self, print_id: str) -> PrintRecord:
        try:
            record = self.prints.get(print_id)
        except redis.RedisError as exc:
            raise unreachable(exc) from exc
        if record is None or record.where != "room":
            raise NotAllowed("That ticket does not exist any more.")
        return record

    def _change(
        self, print_id: str, allowed: set[str], change: Callable[[PrintRecord], None], refused: str
    ) -> PrintRecord:
        try:
            return self.prints.change(print_id, allowed, change)
        except TransitionRefused as exc:
            raise NotAllowed(refused) from exc
        except redis.RedisError as exc:
            raise unreachable(exc) from exc
