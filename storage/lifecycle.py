"""The lifecycle of a job record: the table in DESIGN.md as code, one function per event.

Each event declares the states it applies from and the state it leads to (`EVENTS`).
Its function changes the record in one optimistic transaction (`JobStore.transition`)
that raises TransitionRefused from any other state, so two writers can never flip a
record back and forth, and that refuses a change ending anywhere but the declared
state. The queue side of an event (enqueueing, stopping or canceling RQ jobs) is the
caller's: this module knows records, not RQ.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from storage.jobs import (
    ACTIVE,
    ENDED,
    JobError,
    JobRecord,
    JobStore,
    OutputFile,
    Status,
    TransitionRefused,
    now,
)
from storage.prints import PrintStore
from storage.usage import Usage, UsageLedger


@dataclass(frozen=True)
class Event:
    """One row of the table: what happens, the states it applies from, the state it leads to."""

    what: str
    applies_from: frozenset[Status]
    leads_to: Status | None  # None: the record is gone


SUBMIT = Event("teacher submits", frozenset(), Status.QUEUED)
START_STEP = Event("a step starts", ACTIVE, Status.RUNNING)
# Not a transition: progress is written beside the record, and read only while it is running.
PROGRESS = Event("a step reports progress", frozenset({Status.RUNNING}), Status.RUNNING)
STEP_DONE = Event("a step before the last succeeds", frozenset({Status.RUNNING}), Status.RUNNING)
FINISH = Event("the last step succeeds", frozenset({Status.RUNNING}), Status.FINISHED)
# A queued step fails too when its worker is lost: its queue entry may vanish before it starts.
FAIL = Event("a step raises, or its worker is lost", ACTIVE, Status.FAILED)
CANCEL = Event("teacher cancels, or a step is stopped from outside", ACTIVE, Status.CANCELED)
RETRY = Event("teacher retries", frozenset({Status.FAILED, Status.CANCELED}), Status.QUEUED)
DELETE = Event("teacher deletes, or retention expires", ENDED, None)

EVENTS = (SUBMIT, START_STEP, PROGRESS, STEP_DONE, FINISH, FAIL, CANCEL, RETRY, DELETE)


class RetryWouldFailAgain(TransitionRefused):
    """The job failed in a way retrying it cannot change (core.errors.TeacherPrinterError.permanent)."""


class StaleAttempt(TransitionRefused):
    """The event is about an earlier attempt; a retry has started a newer one."""


def _apply(
    store: JobStore,
    event: Event,
    job_id: str,
    change: Callable[[JobRecord], None],
    attempt: int | None = None,
    beat_ttl: int | None = None,
    which: Callable[[JobRecord], Event] | None = None,
    also: Callable[[JobRecord, Any], None] | None = None,
) -> JobRecord:
    """Apply `change` as `event`; `which`, if given, picks the event from the record as read
    (one of events applying from the same states as `event`), so that no second read is needed."""

    def checked(record: JobRecord) -> None:
        if attempt is not None and record.attempt != attempt:
            raise StaleAttempt(f"job {job_id} is on attempt {record.attempt}, not {attempt}")
        declared = which(record) if which else event
        change(record)
        if record.status != declared.leads_to:
            raise ValueError(f"{declared.what!r} must lead to {declared.leads_to}, not {record.status}")

    return store.transition(job_id, event.applies_from, checked, beat_ttl=beat_ttl, also=also)


def _name_queue_entries(record: JobRecord, start: int) -> None:
    """Name each step's RQ job from `start` on after the job, the step and the attempt."""
    for index, step in enumerate(record.steps[start:], start=start):
        step.rq_id = f"{record.id}-{index}-{record.attempt}"


def submit(store: JobStore, record: JobRecord) -> JobRecord:
    """Record a new job as queued, every step's queue entry named."""
    if record.status != SUBMIT.leads_to:
        raise ValueError(f"a new job is {SUBMIT.leads_to}, not {record.status}")
    _name_queue_entries(record, 0)
    return store.create(record)


def start_step(
    store: JobStore, job_id: str, index: int, attempt: int, beat_ttl: int, runner: str = ""
) -> JobRecord:
    """Mark step `index` running (by `runner`, "<host>:<pid>"); its heartbeat starts, the last
    step's progress is dropped."""

    def change(r: JobRecord) -> None:
        r.status = Status.RUNNING
        r.started_at = r.started_at or now()
        step = r.steps[index]
        step.status = Status.RUNNING
        step.started_at = now()
        step.runner = runner
        r.progress = r.overall_progress(index, 0.0)
        r.progress_text = f"{step.label}…"

    return _apply(store, START_STEP, job_id, change, attempt, beat_ttl=beat_ttl)


def report_progress(store: JobStore, record: JobRecord, index: int, fraction: float, text: str) -> bool:
    """Say how far step `index` is; False when refused (the record no longer runs this attempt)."""
    pct = record.overall_progress(index, min(1.0, max(0.0, fraction)))
    return store.set_progress(record.id, record.attempt, pct, text)


def finish_step(
    store: JobStore,
    job_id: str,
    index: int,
    attempt: int,
    data: dict[str, Any],
    outputs: list[OutputFile],
    usage_of: Callable[[JobRecord], Usage] | None = None,
) -> JobRecord:
    """Record step `index`'s result and outputs for `attempt`; the job is finished after its last step.

    Refused (StaleAttempt) when a retry has started a newer attempt since the step began. A job
    that finishes adds `usage_of(record)` to its owner's month in the same transaction: once.
    """

    def count(r: JobRecord, pipe: Any) -> None:
        if usage_of is not None and r.status == Status.FINISHED:
            UsageLedger(store.conn).add(pipe, r.owner, r.ended_at or now(), usage_of(r))

    def is_last(r: JobRecord) -> bool:
        return index == len(r.steps) - 1

    def change(r: JobRecord) -> None:
        last = is_last(r)
        done = r.steps[index]
        done.status = Status.FINISHED
        done.ended_at = now()
        done.result = data
        known = {o.ref for o in outputs}
        r.outputs = [o for o in r.outputs if o.ref not in known] + outputs
        if last:
            r.status = Status.FINISHED
            r.ended_at = now()
            r.progress = 100
            r.progress_text = "Done"
        else:
            r.progress = r.overall_progress(index + 1, 0.0)
            r.progress_text = f"Waiting to start: {r.steps[index + 1].label}"

    # One read decides which of the two events it is: they apply from the same states.
    assert FINISH.applies_from == STEP_DONE.applies_from
    return _apply(
        store, STEP_DONE, job_id, change, attempt, which=lambda r: FINISH if is_last(r) else STEP_DONE,
        also=count,
    )  # fmt: skip


def fail(store: JobStore, job_id: str, index: int, attempt: int, error: JobError) -> JobRecord:
    """Mark step `index` failed, the unfinished steps after it canceled, the job failed."""

    def change(r: JobRecord) -> None:
        r.status = Status.FAILED
        r.ended_at = now()
        r.error = error
        r.progress_text = error.message
        for i, step in enumerate(r.steps):
            if i == index:
                step.status = Status.FAILED
                step.ended_at = now()
            elif i > index and step.status != Status.FINISHED:
                step.status = Status.CANCELED

    return _apply(store, FAIL, job_id, change, attempt)


def cancel(store: JobStore, job_id: str, attempt: int | None = None) -> JobRecord:
    """Mark the job and its unfinished steps canceled (only for `attempt`, when it is given)."""

    def change(r: JobRecord) -> None:
        r.status = Status.CANCELED
        r.ended_at = now()
        r.progress_text = "Canceled"
        for step in r.steps:
            if step.status != Status.FINISHED:
                step.status = Status.CANCELED

    return _apply(store, CANCEL, job_id, change, attempt)


def retry(store: JobStore, job_id: str) -> JobRecord:
    """Queue the job again, as a new attempt, from its first unfinished step."""

    def change(r: JobRecord) -> None:
        if r.error is not None and r.error.permanent:
            raise RetryWouldFailAgain(f"job {job_id} failed with {r.error.key}, which retrying cannot change")
        start = r.current_step() or 0
        r.attempt += 1
        r.status = Status.QUEUED
        r.error = None
        r.ended_at = None
        for step in r.steps[start:]:
            step.status = Status.QUEUED
            step.started_at = step.ended_at = None
            step.result = {}
        _name_queue_entries(r, start)
        r.progress = r.overall_progress(start, 0.0)
        r.progress_text = "Waiting for a free worker"

    return _apply(store, RETRY, job_id, change)


def delete(store: JobStore, job_id: str) -> None:
    """Remove an ended job's record, progress, prints and files (a job that is gone already: its leftovers)."""
    store.delete(job_id, only_from=DELETE.applies_from)
    PrintStore(store.conn, store.files).delete_for_job(job_id)


def remove_expired(store: JobStore, cutoff: float) -> int:
    """Delete every job that ended before `cutoff`; returns how many were removed.

    A job with a print still under way stays (a print room ticket due next month, a printer
    that holds it): the print needs its file. It goes once the print has ended.
    """
    removed = 0
    prints = PrintStore(store.conn, store.files)
    for record in store.get_many(store.created_before(cutoff)):
        if record.status in DELETE.applies_from and (record.ended_at or record.created_at) < cutoff:
            if prints.open_for_job(record.id):
                continue
            with contextlib.suppress(TransitionRefused):  # retried meanwhile: it is in use again
                delete(store, record.id)
                removed += 1
    return removed
