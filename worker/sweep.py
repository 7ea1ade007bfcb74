"""The periodic sweep that closes RQ's gaps: lost workers, vanished steps, expired data.

RQ leaves a job "started" for minutes when its whole worker is killed, and never
calls the failure callback when only the work-horse dies. The sweep reconciles
every active record with its RQ job and heartbeat, so a job never stays
"running" longer than WORKER_LOST_AFTER plus SWEEP_INTERVAL. The workers' sweep
also rebuilds records Redis lost and removes what is past the retention period;
the web app runs only the lost-worker check (`find_lost_jobs_once`). A Redis
lock makes one check run at a time across every process.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
from pathlib import Path

import redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer

from storage import lifecycle, snapshots
from storage.config import Config
from storage.files import FileStore, upload_id_of
from storage.jobs import KEY_PREFIX, JobStore, Status, record_key
from storage.looks import LOOK_KEEP_S, LookStore
from storage.prints import PrintStore
from storage.upload_index import UploadIndex
from worker.failures import app_stopped, worker_lost
from worker.tasks import fail_job

SWEEP_LOCK = f"{KEY_PREFIX}sweep:lock"
# Set once the records are known to be in Redis; gone when Redis comes back empty.
KNOWN_KEY = f"{KEY_PREFIX}records-known"
CLEANUP_LOCK = f"{KEY_PREFIX}cleanup:lock"
CLEANUP_EVERY_S = 3600
# An upload in nobody's My files (it failed its check, or is a locked PDF's original) is only
# for the page that received it, so it goes after a day, unless a job refers to it.
UNLISTED_KEPT_S = 86400

log = logging.getLogger(__name__)


def _rq_status(conn: redis.Redis, rq_id: str) -> JobStatus | None:
    try:
        return Job.fetch(rq_id, connection=conn, serializer=JSONSerializer).get_status()
    except NoSuchJobError:
        return None


# Between a worker taking a job off its queue and marking it started there are milliseconds:
# a queued job found in no queue is looked at again after this, before it counts as lost.
DEQUEUE_WINDOW_S = 1.0


def _taken_and_dropped(conn: redis.Redis, rq_id: str) -> bool:
    """Whether a queued RQ job is in no queue: taken by a worker that is gone before it started
    (Redis restarted under it), so nothing will ever run it. RQ's own clean-up skips these."""
    for attempt in range(2):
        try:
            job = Job.fetch(rq_id, connection=conn, serializer=JSONSerializer)
        except NoSuchJobError:
            return False  # the sweep's "entry disappeared" case
        if job.get_status() != JobStatus.QUEUED:
            return False
        if conn.lpos(Queue.redis_queue_namespace_prefix + job.origin, rq_id) is not None:
            return False
        if attempt == 0:
            time.sleep(DEQUEUE_WINDOW_S)
    return True


def paused_here(runner: str, started_at: float) -> bool:
    """Whether the process that runs a step ("<host>:<pid>", see `run_step`) is on this host and
    still alive (running, or stopped by a signal or a paused machine), not a newer process that
    took the same number."""
    host, _, pid_text = runner.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        stat = Path(f"/proc/{pid_text}/stat").read_text()
    except OSError:
        return False  # gone (or no /proc here: then not known to be alive)
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):  # a zombie, or dying
        return False
    return _boot_time() + int(fields[19]) / os.sysconf("SC_CLK_TCK") <= started_at + 1


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return 0.0


def _rq_failure_text(conn: redis.Redis, rq_id: str) -> str:
    try:
        result = Job.fetch(rq_id, connection=conn, serializer=JSONSerializer).latest_result()
    except NoSuchJobError:
        return ""
    return (result.exc_string or "") if result is not None else ""


def find_lost_jobs(store: JobStore, config: Config) -> int:
    """Fail every active job whose step's worker is gone; returns how many were failed."""
    failed = 0
    current = time.time()
    for record in store.active_records():
        job_id, index = record.id, record.current_step()
        if index is None or not record.active:
            continue
        step = record.steps[index]
        status = _rq_status(store.conn, step.rq_id) if step.rq_id else None
        since = step.started_at or record.created_at
        settled = current - since > config.worker_lost_after
        details = ""
        if status in (JobStatus.FAILED, JobStatus.STOPPED):
            # The work-horse died (no failure callback ran), or the callback itself failed.
            details = _rq_failure_text(store.conn, step.rq_id)
            lost = settled or step.status == Status.RUNNING
        elif status is None:
            lost = settled
            details = "The step's queue entry disappeared (Redis may have been emptied)."
        elif step.status == Status.RUNNING:
            lost = settled and not store.has_heartbeat(job_id)
            # Silent, but its process is still here (a paused VM or container, a laptop that slept):
            # not lost while it could still be within its step's time.
            if lost and paused_here(step.runner, step.started_at or since):
                lost = current - since > config.step_timeout + config.worker_lost_after
            details = "No heartbeat from the worker running this step."
        elif status == JobStatus.QUEUED:
            lost = settled and _taken_and_dropped(store.conn, step.rq_id)
            details = "The step was taken off its queue by a worker that is gone, before it started."
        else:
            lost = False
        if lost and fail_job(store, job_id, index, record.attempt, worker_lost(details)):
            log.warning("job %s: step %s lost its worker; marked failed", job_id, index)
            failed += 1
    return failed


def fail_interrupted(store: JobStore, worker_names: set[str]) -> int:
    """Fail the jobs whose running step was taken by one of these workers, stopped before it ended
    (the launcher's shutdown); returns how many. Steps of other hosts' workers are left alone."""
    failed = 0
    for record in store.active_records():
        index = record.current_step()
        if index is None or record.steps[index].status != Status.RUNNING or not record.steps[index].rq_id:
            continue
        try:
            job = Job.fetch(record.steps[index].rq_id, connection=store.conn, serializer=JSONSerializer)
        except NoSuchJobError:
            continue
        if job.worker_name in worker_names and fail_job(
            store, record.id, index, record.attempt, app_stopped()
        ):
            log.warning("job %s: the app was stopped during step %s; marked failed", record.id, index)
            failed += 1
    return failed


def remove_expired(store: JobStore, config: Config) -> int:
    """Delete ended jobs and uploads unused for the retention period (unlisted ones sooner); returns jobs removed."""
    # A job renews its uploads' folder times (Jobs.submit), so a file picked every week stays.
    cutoff = time.time() - config.retention_days * 86400
    removed = lifecycle.remove_expired(store, cutoff)
    files = FileStore(config)
    index = UploadIndex(store.conn)
    unlisted_cutoff = time.time() - UNLISTED_KEPT_S
    in_jobs: set[str] | None = None
    for folder in files.iter_upload_dirs():
        changed = folder.stat().st_mtime
        if changed >= unlisted_cutoff or (changed >= cutoff and index.holds(folder.name)):
            continue
        # Old enough to go, unless a job still on record refers to it: a failed job may be
        # retried, and any job run again, until the job itself expires.
        in_jobs = _uploads_of_jobs(store) if in_jobs is None else in_jobs
        if folder.name not in in_jobs:
            shutil.rmtree(folder, ignore_errors=True)
    index.forget_missing(files)  # "My files" lists only what is still there
    _remove_orphan_job_folders(store, files)
    # Pictures and tables of looks outlive their answers by an hour at most.
    LookStore(store.conn, files).remove_old_blobs(time.time() - LOOK_KEEP_S - CLEANUP_EVERY_S)
    return removed


# A job folder without a record or a manifest (a submission cut off half-way, a record deleted
# while its files could not be) is removed once it is this old: a submission writes its folder
# and manifest within a second.
ORPHAN_AFTER_S = 3600


def _remove_orphan_job_folders(store: JobStore, files: FileStore) -> None:
    jobs = files.root / "jobs"
    if not jobs.is_dir():
        return
    cutoff = time.time() - ORPHAN_AFTER_S
    for folder in jobs.iterdir():
        try:
            if not folder.is_dir() or folder.stat().st_mtime > cutoff or (folder / "manifest.json").exists():
                continue
            if store.conn.exists(record_key(folder.name)):
                continue
        except (OSError, ValueError):
            continue
        log.warning("job folder %s has no record and no manifest; removed", folder.name)
        shutil.rmtree(folder, ignore_errors=True)


def _uploads_of_jobs(store: JobStore) -> set[str]:
    """The upload ids any job record refers to (a job may run again, or be run again)."""
    records = store.list(None, limit=max(1, store.count())).records
    return {upload_id_of(item.get("ref", "")) or "" for record in records for item in record.inputs}


def find_lost_jobs_once(store: JobStore, config: Config) -> None:
    """Look for lost workers, unless some process did within the last SWEEP_INTERVAL."""
    if store.conn.set(SWEEP_LOCK, "1", nx=True, ex=max(1, config.sweep_interval - 1)):
        find_lost_jobs(store, config)


def rebuild(store: JobStore) -> int:
    """Put back every record Redis lost, all or some, from the manifests on the volume; and when
    Redis came back empty, the presets and My files from their copy (`storage/snapshots.py`)."""
    came_back_empty = not store.conn.exists(KNOWN_KEY)
    restored = store.rebuild_from_manifests()
    if prints := PrintStore(store.conn, store.files).rebuild_from_copies():
        log.warning(
            "Redis had lost %s prints and print room tickets; put them back from their copies", prints
        )
    if came_back_empty and (library := snapshots.restore(store.conn, store.files)):
        log.warning("Redis had lost the presets and My files; put back %s keys from library.json", library)
    store.conn.set(KNOWN_KEY, "1")
    if restored:
        log.warning("Redis had lost %s job records; rebuilt them from their manifests", restored)
    return restored


def sweep(store: JobStore, config: Config) -> None:
    """A worker's periodic sweep: rebuild lost records, look for lost workers, clean up hourly.

    Every record is rebuilt at once when Redis comes back empty (its KNOWN_KEY gone), and the
    hourly clean-up (and each worker's start) rebuilds any record lost on its own.
    """
    conn = store.conn
    if not conn.exists(KNOWN_KEY):
        rebuild(store)
    find_lost_jobs_once(store, config)
    snapshots.save_if_changed(conn, store.files)  # presets and My files, when they changed
    if conn.set(CLEANUP_LOCK, "1", nx=True, ex=CLEANUP_EVERY_S):
        rebuild(store)
        remove_expired(store, config)
