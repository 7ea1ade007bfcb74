"""Prints of finished jobs: sent to a printer over IPP, or to the print room as a ticket.

A print is one JSON record (`tp:print:<id>`), listed under its job (`tp:prints:job:<job_id>`),
in the set the workers' sweep polls while the printer still has it (`tp:prints:active`) or
while it is being sent (`tp:prints:sending`, for sends a stopped worker cut off), and,
for a ticket, in the print room's queue (`tp:prints:room`). Every change goes through
`PrintStore.change`, an optimistic transaction that applies only from the states it names, as
the job records' transitions do. A print goes with its job (deleted, or expired).

Each record also has a copy beside its job's manifest (`jobs/<job_id>/prints/<id>.json`), from
which `rebuild_from_copies` puts back what Redis lost, as job records are rebuilt: a ticket the
print room has not printed yet survives a Redis that came back empty.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import redis

from core.files import atomic_write_bytes
from storage.files import FileStore, new_id
from storage.jobs import KEY_PREFIX, JobRecord, OutputFile, TransitionRefused

ACTIVE_PRINTS_KEY = f"{KEY_PREFIX}prints:active"
SENDING_KEY = f"{KEY_PREFIX}prints:sending"  # on their way to a printer: the sweep finds sends cut off
ROOM_KEY = f"{KEY_PREFIX}prints:room"
PRINTERS_SEEN_KEY = f"{KEY_PREFIX}printers:seen"  # printer name -> what it said when last asked


def print_key(print_id: str) -> str:
    return f"{KEY_PREFIX}print:{print_id}"


def job_prints_key(job_id: str) -> str:
    return f"{KEY_PREFIX}prints:job:{job_id}"


# The states of a print at a printer, and of a ticket in the print room.
SENDING, WAITING, HELD, PRINTING, STOPPED = "sending", "waiting", "held", "printing", "stopped"
DONE, CANCELING, CANCELED, FAILED = "done", "canceling", "canceled", "failed"
SENT, PRINTED, COLLECTED, DECLINED = "sent", "printed", "collected", "declined"
# At the printer (or on its way), so the sweep asks how it stands.
AT_PRINTER = frozenset({WAITING, HELD, PRINTING, STOPPED, CANCELING})
# Changing by itself within seconds: the card redraws these (a ticket moves when the room acts).
LIVE = frozenset({SENDING, *AT_PRINTER})
# A ticket the print room still has to print, or the teacher to collect.
IN_ROOM = frozenset({SENT, PRINTED})
ENDED = frozenset({DONE, CANCELED, FAILED, COLLECTED, DECLINED})
STATE_WORDS = {
    SENDING: "Sending to the printer",
    WAITING: "Waiting at the printer",
    HELD: "Held at the printer",
    PRINTING: "Printing",
    STOPPED: "Stopped at the printer",
    DONE: "Printed",
    CANCELING: "Canceling at the printer",
    CANCELED: "Canceled",
    FAILED: "Not printed",
    SENT: "Waiting in the print room",
    PRINTED: "Printed by the print room, ready to collect",
    COLLECTED: "Collected",
    DECLINED: "Not printed by the print room",
}


@dataclass
class PrintRecord:
    id: str
    job_id: str
    owner: str
    where: str  # "printer" or "room"
    title: str
    output_ref: str
    output_name: str
    created_at: float
    state: str
    sheets: int = 0
    printer: str = ""
    copies: int = 1
    sides: str = "one-sided"
    color: str = ""
    media: str = ""
    finishings: list[int] = field(default_factory=list)
    printer_job_id: int | None = None
    # What the printer says, in words ("out of paper"); the message and hint of a failure.
    reasons: list[str] = field(default_factory=list)
    message: str = ""
    hint: str = ""
    updated_at: float = 0.0
    # Since when the printer has not answered about a job it has (None: it answers).
    unanswered_since: float | None = None
    attempt: int = 1
    # A print room ticket: what was asked (`printers.tickets.Ticket`), the file the room prints
    # (a copy with the ticket in its margin, where the school asks for one), who handled it.
    ticket: dict[str, Any] = field(default_factory=dict)
    file_ref: str = ""
    handled_by: str = ""
    printed_at: float | None = None
    collected_at: float | None = None

    @classmethod
    def of_output(
        cls, job: JobRecord, output: OutputFile, where: str, state: str, **fields: Any
    ) -> PrintRecord:
        """A new print of one output of a job: where it goes, how it starts, and its own choices."""
        return cls(id=new_id(), job_id=job.id, owner=job.owner, where=where, title=job.title,
                   output_ref=output.ref, output_name=output.name, created_at=time.time(), state=state,
                   **fields)  # fmt: skip

    @property
    def ended(self) -> bool:
        return self.state in ENDED

    @property
    def words(self) -> str:
        return STATE_WORDS.get(self.state, self.state)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> PrintRecord:
        data = json.loads(raw)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class PrintStore:
    """The print records; with `files`, each change is copied beside the job's manifest too."""

    def __init__(self, conn: redis.Redis, files: FileStore | None = None) -> None:
        self.conn = conn
        self.files = files

    def add(self, record: PrintRecord) -> None:
        record.updated_at = record.updated_at or time.time()
        self._copy(record)
        with self.conn.pipeline() as pipe:
            self._index(pipe, record)
            pipe.execute()

    def _index(self, pipe: redis.client.Pipeline, record: PrintRecord) -> None:
        pipe.set(print_key(record.id), record.to_json())
        pipe.zadd(job_prints_key(record.job_id), {record.id: record.created_at})
        if record.state == SENDING:
            pipe.sadd(SENDING_KEY, record.id)
        if record.state in AT_PRINTER and record.printer_job_id is not None:
            pipe.sadd(ACTIVE_PRINTS_KEY, record.id)
        if record.where == "room":
            pipe.zadd(ROOM_KEY, {record.id: record.created_at})

    def _copy_path(self, record: PrintRecord) -> Path:
        assert self.files is not None
        return self.files.job_dir(record.job_id) / "prints" / f"{record.id}.json"

    def _copy(self, record: PrintRecord) -> None:
        if self.files is not None:
            # Not fsynced, as a manifest is not: Redis holds the record, this is the copy to rebuild from.
            atomic_write_bytes(self._copy_path(record), record.to_json().encode(), durable=False)

    def rebuild_from_copies(self) -> int:
        """Put back every print whose copy is on the volume but whose record Redis lost; returns how many."""
        assert self.files is not None
        jobs = self.files.root / "jobs"
        copies = sorted(jobs.glob("*/prints/*.json")) if jobs.is_dir() else []
        restored = 0
        for path in copies:
            if self.conn.exists(print_key(path.stem)):
                continue
            try:
                record = PrintRecord.from_json(path.read_bytes())
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a copy we cannot read is left for the IT person, not fatal
            with self.conn.pipeline() as pipe:
                self._index(pipe, record)
                pipe.execute()
            restored += 1
        return restored

    def get(self, print_id: str) -> PrintRecord | None:
        raw = self.conn.get(print_key(print_id))
        return PrintRecord.from_json(raw) if raw else None

    def of_job(self, job_id: str) -> list[PrintRecord]:
        """The job's prints, newest first."""
        ids = [i.decode() for i in self.conn.zrevrange(job_prints_key(job_id), 0, -1)]
        return self._many(ids)

    def at_printers(self) -> list[PrintRecord]:
        return self._many(sorted(i.decode() for i in self.conn.smembers(ACTIVE_PRINTS_KEY)))

    def room_queue(self, include_ended: bool = False) -> list[PrintRecord]:
        """The print room's tickets, oldest first (the order they are printed in)."""
        tickets = self._many([i.decode() for i in self.conn.zrange(ROOM_KEY, 0, -1)])
        return [t for t in tickets if include_ended or not t.ended]

    def _many(self, ids: list[str]) -> list[PrintRecord]:
        if not ids:
            return []
        return [PrintRecord.from_json(raw) for raw in self.conn.mget([print_key(i) for i in ids]) if raw]

    def change(
        self, print_id: str, allowed: Iterable[str], change: Callable[[PrintRecord], None]
    ) -> PrintRecord:
        """Apply `change` if the print's state is one of `allowed`; TransitionRefused if not."""
        allowed = set(allowed)
        key = print_key(print_id)
        with self.conn.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if raw is None:
                        raise TransitionRefused(f"print {print_id} has no record")
                    record = PrintRecord.from_json(raw)
                    if record.state not in allowed:
                        raise TransitionRefused(f"print {print_id} is {record.state}")
                    change(record)
                    record.updated_at = time.time()
                    self._copy(record)  # before Redis: a rebuild may bring back a change, never lose one
                    pipe.multi()
                    pipe.set(key, record.to_json())
                    if record.state in AT_PRINTER and record.printer_job_id is not None:
                        pipe.sadd(ACTIVE_PRINTS_KEY, print_id)
                    else:
                        pipe.srem(ACTIVE_PRINTS_KEY, print_id)
                    if record.state == SENDING:
                        pipe.sadd(SENDING_KEY, print_id)
                    else:
                        pipe.srem(SENDING_KEY, print_id)
                    pipe.execute()
                    return record
                except redis.WatchError:
                    continue

    def delete_one(self, record: PrintRecord) -> None:
        if self.files is not None:
            self._copy_path(record).unlink(missing_ok=True)
        with self.conn.pipeline() as pipe:
            pipe.delete(print_key(record.id))
            pipe.srem(ACTIVE_PRINTS_KEY, record.id)
            pipe.srem(SENDING_KEY, record.id)
            pipe.zrem(ROOM_KEY, record.id)
            pipe.zrem(job_prints_key(record.job_id), record.id)
            pipe.execute()

    def open_for_job(self, job_id: str) -> bool:
        """Whether a print of the job is still under way (at a printer, or with the print room)."""
        return any(not p.ended for p in self.of_job(job_id))

    def any_at_printers(self) -> bool:
        return bool(self.conn.scard(ACTIVE_PRINTS_KEY))

    def sending(self) -> list[PrintRecord]:
        return self._many(sorted(i.decode() for i in self.conn.smembers(SENDING_KEY)))

    def delete_for_job(self, job_id: str) -> None:
        """Forget the job's prints (their copies go with the job's folder)."""
        ids = [i.decode() for i in self.conn.zrange(job_prints_key(job_id), 0, -1)]
        with self.conn.pipeline() as pipe:
            for print_id in ids:
                pipe.delete(print_key(print_id))
                pipe.srem(ACTIVE_PRINTS_KEY, print_id)
                pipe.srem(SENDING_KEY, print_id)
                pipe.zrem(ROOM_KEY, print_id)
            pipe.delete(job_prints_key(job_id))
            pipe.execute()

    # -- what each printer said when last asked (the workers ask; the pages only read) ----------
    def printer_seen(self, name: str, seen: dict[str, Any]) -> None:
        self.conn.hset(PRINTERS_SEEN_KEY, name, json.dumps(seen, ensure_ascii=False))

    def forget_printer(self, name: str) -> None:
        self.conn.hdel(PRINTERS_SEEN_KEY, name)

    def printers_seen(self) -> dict[str, dict[str, Any]]:
        return {k.decode(): json.loads(v) for k, v in self.conn.hgetall(PRINTERS_SEEN_KEY).items()}
