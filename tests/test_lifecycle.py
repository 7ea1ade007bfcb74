"""The lifecycle table of DESIGN.md, pinned: every event from every state, against the real test Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from storage import lifecycle
from storage.files import FileStore, new_id
from storage.jobs import JobError, JobRecord, JobStore, Status, StepRecord, TransitionRefused, now
from storage.redis_conn import get_redis

Q, R, F, X, C = Status.QUEUED, Status.RUNNING, Status.FINISHED, Status.FAILED, Status.CANCELED

# event: (the states it applies from, the state it leads to; None = the record is gone)
TABLE: dict[str, tuple[set[Status], Status | None]] = {
    "submit": (set(), Q),
    "start_step": ({Q, R}, R),
    "report_progress": ({R}, R),
    "finish_step": ({R}, R),
    "finish_last_step": ({R}, F),
    "fail": ({Q, R}, X),
    "cancel": ({Q, R}, C),
    "retry": ({X, C}, Q),
    "delete": ({F, X, C}, None),
}
DECLARED = {
    "submit": lifecycle.SUBMIT,
    "start_step": lifecycle.START_STEP,
    "report_progress": lifecycle.PROGRESS,
    "finish_step": lifecycle.STEP_DONE,
    "finish_last_step": lifecycle.FINISH,
    "fail": lifecycle.FAIL,
    "cancel": lifecycle.CANCEL,
    "retry": lifecycle.RETRY,
    "delete": lifecycle.DELETE,
}
TRANSITIONS = [name for name in TABLE if name not in ("submit", "report_progress")]
LOCKED = JobError("pdf_encrypted", "It is locked.", permanent=True)


@pytest.fixture
def store(config) -> JobStore:
    return JobStore(get_redis(config), FileStore(config))


def record_in(status: Status) -> JobRecord:
    """A two-step job in `status`, its steps as that state leaves them."""
    steps = [StepRecord("check", "Check files"), StepRecord("merge", "Merge", weight=3)]
    record = JobRecord(new_id(), "merge", "Fractions", "t1", now(), steps, status=status)
    first, second = steps
    if status == R:
        first.status, first.started_at, record.started_at = R, now(), now()
    elif status == F:
        first.status = second.status = F
    elif status == X:
        first.status, second.status = F, X
        record.error = JobError("damaged_file", "It is damaged.")
    elif status == C:
        first.status, second.status = F, C
    if not status.active:
        record.ended_at = now()
    return record


EVENTS: dict[str, Callable[[JobStore, str], object]] = {
    "start_step": lambda store, job_id: lifecycle.start_step(store, job_id, 0, 1, 3),
    "finish_step": lambda store, job_id: lifecycle.finish_step(store, job_id, 0, 1, {"pages": 2}, []),
    "finish_last_step": lambda store, job_id: lifecycle.finish_step(store, job_id, 1, 1, {}, []),
    "fail": lambda store, job_id: lifecycle.fail(store, job_id, 0, 1, JobError("x", "Broke.")),
    "cancel": lambda store, job_id: lifecycle.cancel(store, job_id),
    "retry": lambda store, job_id: lifecycle.retry(store, job_id),
    "delete": lambda store, job_id: lifecycle.delete(store, job_id),
}


def test_the_module_declares_the_table():
    assert {name: (set(e.applies_from), e.leads_to) for name, e in DECLARED.items()} == TABLE
    assert set(DECLARED.values()) == set(lifecycle.EVENTS)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("event", TRANSITIONS)
def test_each_event_applies_from_its_states_only(store, event, status):
    applies_from, leads_to = TABLE[event]
    record = store.create(record_in(status))
    before = store.get(record.id)
    if status not in applies_from:
        with pytest.raises(TransitionRefused):
            EVENTS[event](store, record.id)
        assert store.get(record.id) == before
        return
    EVENTS[event](store, record.id)
    after = store.get(record.id)
    if leads_to is None:
        assert after is None and not store.files.job_dir(record.id).exists()
        assert record.id not in store.active_ids()
        return
    assert after.status == leads_to
    assert (record.id in store.active_ids()) == leads_to.active
    # The manifest, from which Redis's records are rebuilt, follows every change of state.
    assert JobRecord.from_json(store.files.manifest_path(record.id).read_bytes()).status == leads_to


def test_an_event_gone_from_the_store_is_refused(store):
    for event in TRANSITIONS:
        if event != "delete":  # deleting what is gone removes its leftovers
            with pytest.raises(TransitionRefused):
                EVENTS[event](store, new_id())


@pytest.mark.parametrize("status", list(Status))
def test_progress_shows_only_while_running(store, status):
    record = store.create(record_in(status))
    lifecycle.report_progress(store, record, 0, 0.5, "Reading page 3 of 6")
    shown = store.get(record.id)
    assert (shown.progress_text == "Reading page 3 of 6") == (status in TABLE["report_progress"][0])


def test_submit_queues_with_every_step_named(store):
    record = lifecycle.submit(store, record_in(Q))
    assert [s.rq_id for s in store.get(record.id).steps] == [f"{record.id}-0-1", f"{record.id}-1-1"]
    assert store.active_ids() == [record.id]
    with pytest.raises(ValueError):
        lifecycle.submit(store, record_in(R))


def test_a_step_start_beats_and_drops_the_last_steps_progress(store):
    record = store.create(record_in(Q))
    running = lifecycle.start_step(store, record.id, 0, 1, 3)
    assert store.has_heartbeat(record.id)
    lifecycle.report_progress(store, running, 0, 1.0, "Checked 2 files")
    lifecycle.finish_step(store, record.id, 0, 1, {}, [])
    lifecycle.start_step(store, record.id, 1, 1, 3)
    assert store.get(record.id).progress_text == "Merge…"
    lifecycle.cancel(store, record.id)
    assert not store.has_heartbeat(record.id)  # an ended job has no heartbeat


def test_events_of_an_earlier_attempt_are_refused(store):
    record = store.create(record_in(X))
    lifecycle.retry(store, record.id)  # attempt 2
    for stale in (
        lambda: lifecycle.start_step(store, record.id, 1, 1, 3),
        lambda: lifecycle.fail(store, record.id, 1, 1, JobError("x", "Old news.")),
        lambda: lifecycle.cancel(store, record.id, attempt=1),
    ):
        with pytest.raises(lifecycle.StaleAttempt):
            stale()
    assert store.get(record.id).status == Q
    assert lifecycle.cancel(store, record.id, attempt=2).status == C


def test_retry_starts_from_the_failed_step_and_not_after_a_permanent_error(store):
    record = store.create(record_in(X))
    again = lifecycle.retry(store, record.id)
    assert (again.attempt, again.error) == (2, None)
    assert [(s.status, s.rq_id) for s in again.steps] == [(F, ""), (Q, f"{record.id}-1-2")]

    locked = record_in(X)
    locked.error = LOCKED
    store.create(locked)
    with pytest.raises(lifecycle.RetryWouldFailAgain):
        lifecycle.retry(store, locked.id)
    assert store.get(locked.id).status == X


def test_a_change_that_ends_elsewhere_than_declared_is_not_saved(store):
    record = store.create(record_in(Q))
    with pytest.raises(ValueError):
        lifecycle._apply(store, lifecycle.CANCEL, record.id, lambda r: setattr(r, "status", F))
    assert store.get(record.id).status == Q


def test_retention_removes_only_jobs_that_ended_before_the_cutoff(store):
    old = now() - 1000
    ended, running, fresh = record_in(F), record_in(R), record_in(X)
    ended.created_at = ended.ended_at = running.created_at = old
    fresh.created_at = old  # created long ago, but ended just now
    for record in (ended, running, fresh):
        store.create(record)
    assert lifecycle.remove_expired(store, now() - 10) == 1
    assert store.get(ended.id) is None
    assert store.get(running.id) is not None and store.get(fresh.id) is not None
