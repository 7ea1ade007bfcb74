"""Fault drills under load, with real Redis and real worker processes: what the claims rest on.

Each prints its figures (run with `pytest -s tests/test_drills.py`); the closing notes quote them.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from rq.job import Job
from rq.serializers import JSONSerializer

from storage.jobs import Status
from tests.conftest import ROOT, stop_worker
from tests.make_files import damaged_pdf_bytes, encrypt_pdf, make_pdf, pdf_bytes
from tests.test_recovery import own_redis as own_redis  # a fixture

pytestmark = pytest.mark.slow

OWNERS = 15
JOBS_EACH = 20
# What each teacher submits, in turn: four good kinds of job, and one in five with a bad file.
MIX = [
    ("merge", {}, "good"),
    ("handouts", {"layout": "n_up", "per_sheet": 4}, "good"),
    ("handouts", {"layout": "booklet"}, "good"),
    ("merge", {"numbers": True}, "good"),
    ("merge", {}, "damaged"),
]


def executions(conn, rq_id: str) -> int:
    """How many times RQ ran this queue entry: each run leaves one result."""
    try:
        return len(Job.fetch(rq_id, connection=conn, serializer=JSONSerializer).results())
    except Exception:  # never queued (a step after a failure), or already cleaned away
        return 0


def test_three_hundred_jobs_from_fifteen_teachers_each_end_exactly_once(jobs, config, tmp_path):
    from services.control import Jobs
    from storage.files import FileStore

    files = FileStore(config)
    good = files.save_upload(io.BytesIO(pdf_bytes(6, "Worksheet")), "Worksheet.pdf")
    damaged = files.save_upload(io.BytesIO(damaged_pdf_bytes()), "Broken.pdf")
    locked_path = encrypt_pdf(make_pdf(tmp_path / "l.pdf", 2), tmp_path / "Locked.pdf", user_password="pw")
    locked = files.save_upload(locked_path.open("rb"), "Locked.pdf")
    inputs = {
        "good": [{"ref": good.ref, "name": good.name}],
        "damaged": [{"ref": damaged.ref, "name": damaged.name}],
        "locked": [{"ref": locked.ref, "name": locked.name}],
    }
    conn = jobs.store.conn
    redis_before = conn.info("memory")["used_memory"]
    workers = [
        subprocess.Popen([sys.executable, "-m", "worker"], cwd=ROOT, env=dict(os.environ),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(2)
    ]  # fmt: skip
    submitted: dict[str, str] = {}
    lock = threading.Lock()

    def teacher(number: int) -> None:
        mine = Jobs(config)
        for n in range(JOBS_EACH):
            kind, options, files_of = MIX[n % len(MIX)]
            if files_of == "damaged" and number % 2:
                files_of = "locked"  # half the bad files are locked instead
            record = mine.submit(kind, f"teacher {number} job {n}", inputs[files_of], options, f"t{number}")
            with lock:
                submitted[record.id] = files_of

    start = time.monotonic()
    try:
        threads = [threading.Thread(target=teacher, args=(n,)) for n in range(OWNERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        deadline = time.monotonic() + 600
        while jobs.list(None, statuses=[Status.QUEUED, Status.RUNNING]).total:
            assert time.monotonic() < deadline, "jobs still running after 10 minutes"
            time.sleep(0.5)
        took = time.monotonic() - start
    finally:
        for worker in workers:
            stop_worker(worker)
    records = jobs.list(None, limit=1000).records
    assert len(records) == len(submitted) == OWNERS * JOBS_EACH
    ended = Counter(r.status for r in records)
    bad = sum(1 for kind in submitted.values() if kind != "good")
    assert ended == {Status.FINISHED: len(submitted) - bad, Status.FAILED: bad}
    for record in records:
        expected = submitted[record.id]
        assert record.attempt == 1
        if expected == "good":
            assert record.status == Status.FINISHED and record.outputs
        else:
            assert record.error.key == ("damaged_file" if expected == "damaged" else "password_required"), (
                record.error
            )
    runs = Counter()
    for record in records:
        for step in record.steps:
            count = executions(conn, step.rq_id)
            runs[count] += 1
            if step.status in (Status.FINISHED, Status.FAILED):
                assert count == 1, (record.id, step.name, count)  # ended once: never run twice
            else:
                assert count == 0, (record.id, step.name, step.status, count)  # canceled after a failure
    assert jobs.queue.count == 0
    grown_mb = (conn.info("memory")["used_memory"] - redis_before) / 1024**2
    print(
        f"\n{len(records)} jobs ({bad} with a bad file) from {OWNERS} teachers on 2 workers: {took:.0f} s; "
        f"steps run once {runs[1]}, never {runs[0]}, twice or more {sum(v for k, v in runs.items() if k > 1)}; "
        f"Redis {redis_before / 1024**2:.1f} MB before, +{grown_mb:.1f} MB after"
    )
    assert grown_mb < 60, f"Redis grew by {grown_mb:.1f} MB"


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    """A real 16 MB file system (tmpfs) to be DATA_DIR: it fills up as a school server's disk does.
    (DISK_RESERVE_MB is 0 here, so that the drills reach the disk's very end.)"""
    monkeypatch.setenv("DISK_RESERVE_MB", "0")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_fails_jobs_in_words_lists_nothing_half_written_and_recovers(
    small_disk, app_env, monkeypatch, tmp_path
):
    from services.control import Jobs
    from storage.config import load_config
    from storage.files import FileStore
    from tests.conftest import run_worker_burst

    monkeypatch.setenv("DATA_DIR", str(small_disk))
    config = load_config()
    jobs = Jobs(config)
    source = make_pdf(tmp_path / "Big.pdf", 800, "Page")  # about 1.6 MB; the merge writes 3 times that
    with source.open("rb") as stream:
        stored = FileStore(config).save_upload(stream, "Big.pdf")
    filler = small_disk / "filler"
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    filler.write_bytes(b"\0" * (free - 1_000_000))  # room for less than one job
    item = {"ref": stored.ref, "name": stored.name}
    records = [jobs.submit("merge", f"Full {n}", [item] * 3, {}, "t1") for n in range(3)]
    run_worker_burst(config)
    for record in records:
        failed = jobs.get(record.id, None)
        assert failed.status == Status.FAILED, failed
        assert failed.error.key == "storage_failed", failed.error
        assert "No space left on device" in failed.error.message and "disk space" in failed.error.hint
        assert failed.outputs == []
        folder = small_disk / "jobs" / record.id
        assert not [p for p in folder.rglob("*") if p.is_file() and "outputs" in p.parts]
        assert not list(folder.rglob(".part-*"))  # nothing half-written left behind either
    filler.unlink()  # the IT person frees space
    for record in records:
        jobs.retry(record.id, "t1")
    run_worker_burst(config)
    for record in records:
        done = jobs.get(record.id, None)
        assert done.status == Status.FINISHED, done.error
        out = jobs.output_path(record.id, done.outputs[0], None)
        assert out.stat().st_size > 0


def test_redis_killed_mid_burst_comes_back_from_its_append_only_file(own_redis, tmp_path):
    """SIGKILL to Redis while 2 workers run a burst of jobs, then Redis started again on its
    append-only file (fsync every second): what is lost, and that nothing is left running."""
    from services.control import Jobs
    from storage.config import load_config
    from storage.files import FileStore

    config = load_config()
    stored = FileStore(config).save_upload(io.BytesIO(pdf_bytes(3, "Burst")), "Burst.pdf")
    item = {"ref": stored.ref, "name": stored.name}
    workers = [
        subprocess.Popen([sys.executable, "-m", "worker"], cwd=ROOT, env=dict(os.environ),
                         stdout=(tmp_path / f"worker-{n}.log").open("wb"), stderr=subprocess.STDOUT)
        for n in range(2)
    ]  # fmt: skip
    jobs = Jobs(config)
    submitted = []
    try:
        for n in range(120):
            submitted.append(jobs.submit("merge", f"burst {n}", [item], {}, "t1").id)
        while jobs.list(None, statuses=[Status.FINISHED]).total < 30:
            time.sleep(0.05)
        own_redis.stop(kill=True)  # mid-burst: records, queue entries and results in flight
        killed_at = time.monotonic()
        time.sleep(2)
        own_redis.start()  # the same port and folder: it reads its append-only file
        back_after = time.monotonic() - killed_at
        deadline = time.monotonic() + 300
        while (active := jobs.list(None, statuses=[Status.QUEUED, Status.RUNNING]).total) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.5)
        assert active == 0, f"{active} jobs never ended after Redis came back"
        assert all(w.poll() is None for w in workers), "a worker quit with Redis"
        records = {r.id: r for r in jobs.list(None, limit=1000).records}
        lost = [job_id for job_id in submitted if job_id not in records]
        ended = Counter(r.status for r in records.values())
        failed = [r for r in records.values() if r.status == Status.FAILED]
        for record in failed:  # in words, and retryable
            assert record.error.key == "worker_stopped" and not record.error.permanent, record.error
            jobs.retry(record.id, "t1")
        deadline = time.monotonic() + 120
        while jobs.list(None, statuses=[Status.QUEUED, Status.RUNNING]).total and time.monotonic() < deadline:
            time.sleep(0.5)
        retried = Counter(records_now.status for records_now in jobs.list(None, limit=1000).records)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            stop_worker(worker)
    print(
        f"\nRedis SIGKILLed after 30 of {len(submitted)} jobs, back in {back_after:.1f} s: records lost "
        f"{len(lost)}, finished {ended[Status.FINISHED]}, failed {len(failed)} (all retryable; after Retry: "
        f"{retried[Status.FINISHED]} finished, {retried[Status.FAILED]} failed)"
    )
    assert retried == {Status.FINISHED: len(records)}
    # With appendfsync everysec, at most the last second of writes is lost: a few records at most.
    assert len(lost) <= 20, lost


def test_redis_away_for_twenty_seconds_while_a_step_runs_never_leaves_it_running(own_redis, tmp_path):
    from services.control import Jobs
    from storage.config import load_config
    from storage.files import FileStore

    config = load_config()
    with make_pdf(tmp_path / "long.pdf", 2400, "Long").open("rb") as stream:
        stored = FileStore(config).save_upload(stream, "long.pdf")
    item = {"ref": stored.ref, "name": stored.name}
    jobs = Jobs(config)
    record = jobs.submit("merge", "long", [item, item], {"numbers": True}, "t1")
    worker = subprocess.Popen([sys.executable, "-m", "worker"], cwd=ROOT, env=dict(os.environ),
                              stdout=(tmp_path / "worker.log").open("wb"), stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while (current := jobs.get(record.id, None)).steps[-1].status != Status.RUNNING:
            assert current.status.active and time.monotonic() < deadline, current
            time.sleep(0.02)
        own_redis.stop()  # mid-step, for longer than the Redis client's own retries
        time.sleep(20)
        own_redis.start()
        deadline = time.monotonic() + 180
        while (current := jobs.get(record.id, None)).status.active:
            assert time.monotonic() < deadline, f"still {current.status} three minutes after Redis came back"
            time.sleep(0.5)
        outcome = current.status
        if outcome == Status.FAILED:  # the other allowed ending: in words, and retryable
            assert current.error.key == "worker_stopped" and not current.error.permanent, current.error
            jobs.retry(record.id, "t1")
            deadline = time.monotonic() + 180
            while (current := jobs.get(record.id, None)).status.active and time.monotonic() < deadline:
                time.sleep(0.5)
        assert current.status == Status.FINISHED, current
        assert worker.poll() is None, "the worker quit with Redis"
    finally:
        stop_worker(worker)
    print(
        f"\nRedis away 20 s mid-step: the job {'finished' if outcome == Status.FINISHED else 'failed, then finished on Retry'}"
    )


def test_a_submission_refused_by_a_full_disk_leaves_no_job_behind(small_disk, app_env, monkeypatch, tmp_path):
    """All or nothing: the page says "not submitted", so no record, manifest or queue entry may stay."""
    from core.errors import StorageFailed
    from services.control import Jobs
    from storage.config import load_config
    from storage.files import FileStore

    monkeypatch.setenv("DATA_DIR", str(small_disk))
    config = load_config()
    jobs = Jobs(config)
    stored = FileStore(config).save_upload(io.BytesIO(pdf_bytes(1)), "a.pdf")
    filler = small_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):  # every last block
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    with pytest.raises(StorageFailed):
        jobs.submit("merge", "x", [{"ref": stored.ref, "name": stored.name}], {}, "t1")
    assert jobs.list(None).total == 0 and jobs.queue.count == 0
    assert not list((small_disk / "jobs").glob("*/manifest.json"))
    filler.unlink()
    assert jobs.submit("merge", "x", [{"ref": stored.ref, "name": stored.name}], {}, "t1").id


def test_the_disk_reserve_keeps_room_for_the_records_and_says_so(small_disk, monkeypatch, tmp_path, app_env):
    """With the embedded Redis's append-only file on the same (full) disk, as in `make run`: uploads
    and steps are refused in words below DISK_RESERVE_MB, and Redis keeps every record writable."""
    from core.errors import StorageFailed
    from services.control import Jobs
    from storage.config import load_config
    from storage.files import FileStore
    from storage.redis_server import EmbeddedRedis
    from tests.conftest import run_worker_burst

    server = EmbeddedRedis(small_disk / "redis", persistent=True).start()
    monkeypatch.setenv("REDIS_URL", server.url)
    monkeypatch.setenv("DATA_DIR", str(small_disk))
    monkeypatch.setenv("DISK_RESERVE_MB", "6")
    try:
        config = load_config()
        files, jobs = FileStore(config), Jobs(config)
        kept = files.save_upload(io.BytesIO(make_pdf(tmp_path / "a.pdf", 40).read_bytes()), "a.pdf")
        record = jobs.submit("merge", "before", [{"ref": kept.ref, "name": kept.name}], {}, "t1")
        with pytest.raises(StorageFailed, match="The server's disk is nearly full"):
            for n in range(20):  # a teacher uploading one more file after another
                files.save_upload(io.BytesIO(os.urandom(1_000_000)), f"scan {n}.pdf")
        free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
        assert free >= 5_000_000  # the reserve held
        # A step that starts now waits with the same words (and Retry), and nothing is lost.
        run_worker_burst(config)
        failed = jobs.get(record.id, None)
        assert failed.status == Status.FAILED and "nearly full" in failed.error.message
        assert not failed.error.permanent
        # Redis writes its append-only file on the same disk, and still can: records change.
        for n in range(200):
            jobs.store.conn.set(f"tp:test:{n}", "x" * 1000)
        assert jobs.list(None).total == 1
    finally:
        server.stop()
