"""Redis going away and coming back: pages recover, workers carry on, lost records are rebuilt."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from storage.jobs import Status
from storage.redis_server import EmbeddedRedis
from tests.apptest import app_test
from tests.conftest import ROOT, stop_worker
from tests.make_files import make_pdf, page_texts
from tests.test_merge_chain import upload


@pytest.fixture
def own_redis(tmp_path, monkeypatch, app_env):
    """A Redis of this test's own, with persistence, that the test may stop and start."""
    server = EmbeddedRedis(tmp_path / "redis", persistent=True).start()
    monkeypatch.setenv("REDIS_URL", server.url)
    yield server
    server.stop()


def open_app() -> AppTest:
    """A fresh page load in the same web process (the Redis client cache is kept)."""
    return app_test(30).run()


def test_pages_recover_when_redis_comes_back(own_redis):
    at = open_app()
    assert "Job service running" in at.sidebar.markdown[0].value
    jobs_page = open_app().switch_page("ui/jobs.py").run()
    assert not jobs_page.exception

    own_redis.stop()
    at = open_app()
    assert not at.exception
    assert any("not reachable" in e.value for e in at.error)
    jobs_page.run()  # the page the teacher had open, refreshed
    assert not jobs_page.exception
    assert any("not reachable" in e.value for e in jobs_page.error)

    own_redis.start()  # same port, same data folder
    at = open_app()
    assert not at.exception
    assert "Job service running" in at.sidebar.markdown[0].value
    jobs_page.run()
    assert not jobs_page.exception
    assert not any("not reachable" in e.value for e in jobs_page.error)


def test_queued_job_survives_a_redis_restart(own_redis, tmp_path, burst):
    from services.control import Jobs
    from storage.config import load_config

    config = load_config()
    jobs = Jobs(config)
    record = jobs.submit("merge", "x", [upload(config, make_pdf(tmp_path / "a.pdf", 2, "Kept"))], {}, "t1")
    own_redis.stop()
    own_redis.start()  # append-only file brings the queue and the record back
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED, done.error
    assert page_texts(jobs.output_path(record.id, done.outputs[0], None)) == ["Kept 1", "Kept 2"]


def test_records_rebuilt_from_manifests_when_redis_comes_back_empty(jobs, config, burst, tmp_path):
    from worker.sweep import sweep  # a worker's periodic sweep: the web app does not rebuild

    finished = jobs.submit(
        "merge", "Finished before", [upload(config, make_pdf(tmp_path / "a.pdf", 1))], {}, "t1"
    )
    burst()
    waiting = jobs.submit("merge", "Waiting", [upload(config, make_pdf(tmp_path / "b.pdf", 1))], {}, "t1")
    jobs.store.conn.flushdb()  # Redis lost everything
    assert jobs.list(None).total == 0

    sweep(jobs.store, config)
    listing = jobs.list(None)
    assert {r.title for r in listing.records} == {"Finished before", "Waiting"}
    back = jobs.get(finished.id, None)
    assert back.status == Status.FINISHED
    assert jobs.output_path(finished.id, back.outputs[0], None).is_file()
    # The waiting job's queue entry is gone with Redis: the sweep says so, and Retry runs it.
    assert jobs.get(waiting.id, None).status == Status.QUEUED
    import time

    time.sleep(config.worker_lost_after + 0.5)
    jobs.store.conn.delete("tp:sweep:lock")
    sweep(jobs.store, config)
    lost = jobs.get(waiting.id, None)
    assert lost.status == Status.FAILED
    jobs.retry(waiting.id, None)
    burst()
    assert jobs.get(waiting.id, None).status == Status.FINISHED


@pytest.mark.slow
def test_worker_process_reconnects_after_a_redis_restart(own_redis, tmp_path):
    import os
    import subprocess
    import sys
    import time

    from services.control import Jobs

    worker = subprocess.Popen(
        [sys.executable, "-m", "worker"], cwd=ROOT, env=dict(os.environ),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        jobs = Jobs()

        def finished(job_id: str) -> bool:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if jobs.get(job_id, None).status == Status.FINISHED:
                    return True
                time.sleep(0.2)
            return False

        assert finished(jobs.submit("selftest", "before", [], {}, "t").id)
        own_redis.stop()
        time.sleep(3)  # the worker meets a dead connection or two
        assert worker.poll() is None, "the worker died with Redis"
        own_redis.start()
        assert finished(jobs.submit("selftest", "after", [], {}, "t").id)
        assert worker.poll() is None
    finally:
        stop_worker(worker)


@pytest.mark.slow
def test_running_job_completes_through_a_redis_restart(own_redis, tmp_path):
    import os
    import subprocess
    import sys
    import time

    from services.control import Jobs

    item = upload(load_config_now(), make_pdf(tmp_path / "long.pdf", 2400, "Long"))
    jobs = Jobs()
    record = jobs.submit("merge", "long", [item, item], {}, "t")
    worker = subprocess.Popen(
        [sys.executable, "-m", "worker"], cwd=ROOT, env=dict(os.environ),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while jobs.get(record.id, None).steps[1].status != Status.RUNNING:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        own_redis.stop()  # in the middle of the merge
        time.sleep(1)
        own_redis.start()
        deadline = time.monotonic() + 120
        while (current := jobs.get(record.id, None)).status not in (Status.FINISHED, Status.FAILED):
            assert time.monotonic() < deadline
            time.sleep(0.3)
        assert current.status == Status.FINISHED, current.error
        assert len(page_texts(jobs.output_path(record.id, current.outputs[0], None))) == 4800
    finally:
        stop_worker(worker)


def load_config_now():
    from storage.config import load_config

    return load_config()


def test_one_lost_record_is_rebuilt_and_a_deleted_job_never_comes_back(jobs, config, burst, tmp_path):
    """A partial loss (one record gone, the rest and the marker still there) is rebuilt by the
    hourly clean-up and at every worker's start; a job deleted meanwhile stays deleted (#22.3)."""
    from storage.jobs import INDEX_KEY, record_key
    from worker.sweep import CLEANUP_LOCK, sweep

    made = [
        jobs.submit("merge", f"Job {n}", [upload(config, make_pdf(tmp_path / f"{n}.pdf", 1))], {}, "t1")
        for n in range(3)
    ]
    burst()
    lost, deleted = made[0], made[1]
    conn = jobs.store.conn
    conn.delete(record_key(lost.id))  # one record lost on its own
    conn.zrem(INDEX_KEY, lost.id)
    jobs.delete(deleted.id, None)
    assert {r.title for r in jobs.list(None).records} == {"Job 2"}

    conn.delete(CLEANUP_LOCK)  # the hour is up
    sweep(jobs.store, config)
    assert {r.title for r in jobs.list(None).records} == {"Job 0", "Job 2"}
    back = jobs.get(lost.id, None)
    assert back.status == Status.FINISHED and jobs.output_path(lost.id, back.outputs[0], None).is_file()
    assert jobs.get(deleted.id, None) is None
    assert not (config.data_dir / "jobs" / deleted.id).exists()
    # Idempotent: again, nothing changes.
    conn.delete(CLEANUP_LOCK)
    sweep(jobs.store, config)
    assert jobs.list(None).total == 2


def test_a_job_folder_without_record_or_manifest_is_removed_once_old(jobs, config, burst, tmp_path):
    import os
    import time

    from worker.sweep import CLEANUP_LOCK, ORPHAN_AFTER_S, sweep

    kept = jobs.submit("merge", "Kept", [upload(config, make_pdf(tmp_path / "a.pdf", 1))], {}, "t1")
    burst()
    old = config.data_dir / "jobs" / "0123456789abcdef"
    (old / "outputs" / "attempt-1").mkdir(parents=True)
    (old / "outputs" / "attempt-1" / "left.pdf").write_bytes(b"%PDF-1.4 half")
    young = config.data_dir / "jobs" / "fedcba9876543210"
    young.mkdir()
    long_ago = time.time() - ORPHAN_AFTER_S - 60
    os.utime(old, (long_ago, long_ago))
    os.utime(config.data_dir / "jobs" / kept.id, (long_ago, long_ago))
    jobs.store.conn.delete(CLEANUP_LOCK)
    sweep(jobs.store, config)
    assert not old.exists()
    assert young.exists()  # a submission may be writing it right now
    assert (config.data_dir / "jobs" / kept.id / "manifest.json").is_file()


def test_presets_and_my_files_come_back_when_redis_comes_back_empty(jobs, config, tmp_path):
    """They live only in Redis; the sweep keeps a copy on the volume and puts it back (#22.3)."""
    import io

    from services.library import MyFiles, Presets
    from services.uploads import Uploads
    from tests.apptest import looked
    from tests.make_files import pdf_bytes
    from worker.sweep import sweep

    presets = Presets(config)
    presets.save("handouts", "A5 booklet", {"layout": "booklet"}, "alice@school.org")
    presets.save("merge", "Numbered", {"numbers": True}, "it@school.org", shared=True)
    mine = MyFiles(config, "alice@school.org")
    uploads = Uploads(config, mine)
    looked(uploads, uploads.add(io.BytesIO(pdf_bytes(3)), "Quiz.pdf"))
    assert [e.name for e in mine.recent()] == ["Quiz.pdf"]
    sweep(jobs.store, config)  # the copy is written
    presets.delete(presets.for_kind("merge", "x")[0].id, "it@school.org", may_share=True)
    sweep(jobs.store, config)  # a change after the copy: copied again

    jobs.store.conn.flushdb()  # Redis comes back empty
    assert presets.for_kind("handouts", "alice@school.org") == [] and mine.recent() == []
    sweep(jobs.store, config)
    assert [p.name for p in presets.for_kind("handouts", "alice@school.org")] == ["A5 booklet"]
    assert presets.for_kind("merge", "alice@school.org") == []  # the deleted one stays deleted
    back = mine.recent()
    assert [(e.name, e.pages) for e in back] == [("Quiz.pdf", 3)]
    # The same file uploaded again is found as the one already kept, as before the loss.
    again = looked(uploads, uploads.add(io.BytesIO(pdf_bytes(3)), "Quiz.pdf"))
    assert again.stored.ref == back[0].ref
