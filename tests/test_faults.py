"""Faults the product must survive: a full disk, expired data, a crowd of teachers at once."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
import time

import pytest

from storage.jobs import JobRecord, Status, StepRecord, now
from tests.conftest import ROOT, stop_worker
from tests.make_files import make_pdf
from tests.test_merge_chain import upload


def test_full_disk_fails_the_job_cleanly_with_no_half_output(jobs, config, burst, tmp_path):
    record = jobs.submit("merge", "x", [upload(config, make_pdf(tmp_path / "a.pdf", 3))], {}, "t1")
    import storage.files

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storage.files.os, "fsync", no_space)
        burst()
    failed = jobs.get(record.id, "t1")
    assert failed.status == Status.FAILED
    assert failed.error.key == "storage_failed"
    assert "No space left on device" in failed.error.message
    assert "disk space" in failed.error.hint
    left = list((config.data_dir / "jobs" / record.id).rglob("*.pdf"))
    assert [p for p in left if "outputs" in p.parts] == []
    assert not list((config.data_dir / "jobs" / record.id).rglob(".part-*"))
    # Once there is room again, Retry completes it.
    jobs.retry(record.id, "t1")
    burst()
    assert jobs.get(record.id, "t1").status == Status.FINISHED


def test_retention_removes_old_ended_jobs_and_uploads_only(jobs, config, tmp_path):
    from worker.sweep import remove_expired

    store = jobs.store
    old = now() - (config.retention_days + 1) * 86400
    item = upload(config, make_pdf(tmp_path / "a.pdf", 1))
    steps = [StepRecord("ping", "Ping")]
    ended = store.create(
        JobRecord("a" * 16, "selftest", "old", "t", old, steps, status=Status.FINISHED, ended_at=old)
    )
    running = store.create(
        JobRecord("b" * 16, "selftest", "old but running", "t", old, list(steps), status=Status.RUNNING)
    )
    fresh = store.create(
        JobRecord("c" * 16, "selftest", "new", "t", now(), list(steps), status=Status.FINISHED)
    )
    upload_dir = config.data_dir / item["ref"].rsplit("/", 1)[0]
    os.utime(upload_dir, (old, old))

    assert remove_expired(store, config) == 1
    assert store.get(ended.id) is None and not store.files.job_dir(ended.id).exists()
    assert store.get(running.id) is not None
    assert store.get(fresh.id) is not None
    assert not upload_dir.exists()


@pytest.mark.slow
def test_two_hundred_jobs_from_ten_teachers_all_finish_once(jobs, config, app_env):
    redis_before = jobs.store.conn.info("memory")["used_memory"]
    workers = [
        subprocess.Popen([sys.executable, "-m", "worker"], cwd=ROOT, env=dict(os.environ),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(2)
    ]  # fmt: skip
    submitted: list[str] = []
    lock = threading.Lock()

    def teacher(number: int) -> None:
        from services.control import Jobs

        mine = Jobs(config)
        for n in range(20):
            record = mine.submit("selftest", f"teacher {number} job {n}", [], {}, f"teacher{number}")
            with lock:
                submitted.append(record.id)

    try:
        threads = [threading.Thread(target=teacher, args=(n,)) for n in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        deadline = time.monotonic() + 180
        while jobs.list(None, statuses=[Status.FINISHED]).total < 200:
            assert time.monotonic() < deadline, jobs.list(
                None, statuses=[Status.QUEUED, Status.RUNNING]
            ).total
            time.sleep(0.5)
    finally:
        for worker in workers:
            stop_worker(worker)
    assert len(set(submitted)) == 200
    records = jobs.list(None, limit=1000).records
    assert len(records) == 200
    assert all(
        r.status == Status.FINISHED and r.attempt == 1 and r.steps[0].result == {"ok": True} for r in records
    )
    assert {r.owner for r in records} == {f"teacher{n}" for n in range(10)}
    assert jobs.queue.count == 0
    grown_mb = (jobs.store.conn.info("memory")["used_memory"] - redis_before) / 1024**2
    assert grown_mb < 20, f"Redis grew by {grown_mb:.1f} MB for 200 small jobs"


def test_image_bomb_inside_a_pdf_is_never_decoded_whole(tmp_path):
    """An image that declares 20,000 × 20,000 pixels (1.2 GB) behind a few KB of data."""
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject, StreamObject

    from core.errors import TeacherPrinterError
    from pdf.compress import compress

    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    image = StreamObject()
    image._data = zlib.compress(b"\0" * 1_200_000)
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(20000),
            NameObject("/Height"): NumberObject(20000),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): NameObject("/FlateDecode"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(image)})}
    )
    content = DecodedStreamObject()
    content.set_data(b"q 500 0 0 700 40 60 cm /Im0 Do Q")
    page[NameObject("/Contents")] = writer._add_object(content)
    src = tmp_path / "bomb.pdf"
    writer.write(src)
    try:
        result = compress(src, tmp_path / "out.pdf", image_dpi=72)
    except TeacherPrinterError as exc:
        assert exc.message
    else:
        assert result.images_downsampled == 0
        assert result.kept_original


def test_redis_tls_and_password_come_through_the_url():
    import redis

    from storage.config import load_config
    from storage.redis_conn import get_redis

    client = get_redis(load_config({"REDIS_URL": "rediss://:s3cret@redis.school.internal:6380/2"}))
    kwargs = client.connection_pool.connection_kwargs
    assert client.connection_pool.connection_class is redis.SSLConnection
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["password"]) == (
        "redis.school.internal",
        6380,
        2,
        "s3cret",
    )
