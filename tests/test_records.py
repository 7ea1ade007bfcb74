"""Job records in a real Redis: round trip, transitions guarded by state, listing."""

from __future__ import annotations

import pytest

from storage.files import FileStore, new_id
from storage.jobs import (
    JobError,
    JobRecord,
    JobStore,
    OutputFile,
    Status,
    StepRecord,
    TransitionRefused,
    heartbeat_key,
    now,
)
from storage.redis_conn import get_redis


@pytest.fixture
def store(config):
    return JobStore(get_redis(config), FileStore(config))


def make(title="Fractions", owner="t1", created=None) -> JobRecord:
    return JobRecord(
        id=new_id(),
        kind="merge",
        title=title,
        owner=owner,
        created_at=created or now(),
        steps=[StepRecord("check", "Check files"), StepRecord("merge", "Merge", weight=3)],
        inputs=[{"ref": "uploads/x/a.pdf", "name": "Élève ø.pdf"}],
        options={"output_name": "Контрольная"},
    )


def test_round_trip_keeps_every_field(store):
    record = make()
    record.outputs = [OutputFile("jobs/x/outputs/a.pdf", "a.pdf", 12, "application/pdf")]
    record.error = JobError("damaged_file", "It is damaged.", "Save a copy.", "Traceback…")
    store.create(record)
    back = store.get(record.id)
    assert back == record
    assert store.files.manifest_path(record.id).is_file()
    assert JobRecord.from_json(store.files.manifest_path(record.id).read_text()) == record


def test_transition_applies_only_from_allowed_states(store):
    record = store.create(make())

    def finish(r):
        r.status = Status.FINISHED

    store.transition(record.id, [Status.QUEUED], finish)
    with pytest.raises(TransitionRefused):
        store.transition(record.id, [Status.QUEUED, Status.RUNNING], finish)
    assert store.active_ids() == []


def test_progress_is_merged_only_for_the_current_attempt(store):
    record = store.create(make())
    store.transition(record.id, [Status.QUEUED], lambda r: setattr(r, "status", Status.RUNNING))
    store.set_progress(record.id, 1, 42, "Adding page 5 of 10")
    assert (store.get(record.id).progress, store.get(record.id).progress_text) == (42, "Adding page 5 of 10")
    assert store.set_progress(record.id, 0, 99, "stale") is False
    assert store.get(record.id).progress != 99


def test_a_stale_attempts_heartbeat_is_refused_and_counted(store):
    record = store.create(make())
    store.transition(record.id, [Status.QUEUED], lambda r: setattr(r, "status", Status.RUNNING))
    assert store.beat_for(record.id, 1, 30) is True
    assert store.has_heartbeat(record.id)
    store.conn.delete(heartbeat_key(record.id))
    assert store.beat_for(record.id, 0, 30) is False
    assert not store.has_heartbeat(record.id)  # the stale beat did not bring the step back to life
    store.set_progress(record.id, 0, 99, "stale")
    assert store.refused() == {"heartbeat": 1, "progress": 1}


def test_overall_progress_weights_steps():
    record = make()
    assert record.overall_progress(0, 1.0) == 25
    assert record.overall_progress(1, 0.5) == 62


def test_list_newest_first_with_filters(store):
    for n in range(5):
        store.create(make(title=f"Sheet {n}", owner="a" if n % 2 else "b", created=1000 + n))
    page = store.list(limit=3)
    assert [r.title for r in page.records] == ["Sheet 4", "Sheet 3", "Sheet 2"]
    assert page.total == 5
    assert [r.title for r in store.list(owner="a").records] == ["Sheet 3", "Sheet 1"]
    assert [r.title for r in store.list(search="sheet 2").records] == ["Sheet 2"]
    assert store.list(statuses=[Status.FAILED]).total == 0


def test_delete_removes_record_and_files(store):
    record = store.create(make())
    folder = store.files.job_dir(record.id)
    assert folder.exists()
    store.delete(record.id)
    assert store.get(record.id) is None
    assert not folder.exists()
    assert store.count() == 0


def test_an_owners_list_reads_their_own_index_kept_through_deletes_and_rebuilt_for_old_data(store):
    from storage.jobs import OWNERS_BUILT_KEY, owner_index_key

    mine = [store.create(make(owner="ann", created=1_000_000 + n)) for n in range(3)]
    theirs = [store.create(make(owner="ben", created=2_000_000 + n)) for n in range(50)]
    page = store.list("ann", limit=2)
    assert page.total == 3 and [r.id for r in page.records] == [r.id for r in mine[::-1][:2]]
    store.delete(mine[0].id)
    assert store.list("ann").total == 2 and store.list("ben").total == 50
    # Records made before the owners' indexes existed: filled once, on first use.
    store.conn.delete(owner_index_key("ann"), owner_index_key("ben"), OWNERS_BUILT_KEY)
    assert {r.id for r in store.list("ann").records} == {r.id for r in mine[1:]}
    assert store.list("ben", limit=100).total == len(theirs)
