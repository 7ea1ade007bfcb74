"""Job records: what the Jobs page shows, kept by us in Redis for the retention period.

A record is one JSON document per job (`tp:job:<id>`), indexed by creation time
(`tp:jobs`), with the active ones in a set (`tp:jobs:active`), the failed ones in an
index of their own (`tp:jobs:failed`) and each owner's in theirs (`tp:jobs:by:<owner>`),
so that none of them needs a read of every record.
Progress lives in a small hash beside it so that frequent progress writes never
race with state transitions. Every transition goes through `JobStore.transition`,
an optimistic transaction that applies only from the states it names, so two
writers can never flip a record back and forth; which events move a record from
which states is `storage.lifecycle`'s. The store owns every key. Each save also
writes `manifest.json` beside the job's outputs, from which the history can be rebuilt.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import redis

from core.files import atomic_write_bytes
from storage.files import FileStore

KEY_PREFIX = "tp:"
INDEX_KEY = f"{KEY_PREFIX}jobs"
ACTIVE_KEY = f"{KEY_PREFIX}jobs:active"
# Failed jobs by creation time, so that the Jobs page lists them first without reading every record.
FAILED_KEY = f"{KEY_PREFIX}jobs:failed"
FAILED_BUILT_KEY = f"{KEY_PREFIX}jobs:failed:built"  # set once FAILED_KEY holds every failed job
# Each owner's jobs by creation time: a signed-in teacher's Jobs page reads only their own records.
OWNERS_BUILT_KEY = f"{KEY_PREFIX}jobs:by-owner:built"  # set once every record is in its owner's index


def owner_index_key(owner: str) -> str:
    return f"{KEY_PREFIX}jobs:by:{owner}"


def record_key(job_id: str) -> str:
    return f"{KEY_PREFIX}job:{job_id}"


def progress_key(job_id: str) -> str:
    return f"{KEY_PREFIX}job:{job_id}:progress"


def heartbeat_key(job_id: str) -> str:
    return f"{KEY_PREFIX}job:{job_id}:heartbeat"


# How many writes of stale attempts were refused, by kind ("progress", "heartbeat", "result"):
# a worker that froze and woke up after its job was retried elsewhere (see `fenced`).
REFUSED_KEY = f"{KEY_PREFIX}stats:stale-writes-refused"

# A running step's progress and heartbeat are written only while the record is running on the
# writer's attempt: checked inside Redis, in the same atomic script as the write, so that a
# worker that froze mid-step (a paused VM) and wakes after a retry cannot write over the
# retry's progress, nor keep its heartbeat alive. KEYS: record, target; ARGV: attempt, what,
# then the write's own values.
_FENCED_WRITE = """
local raw = redis.call('GET', KEYS[1])
local ok, record = false, nil
if raw then ok, record = pcall(cjson.decode, raw) end
if not ok or tonumber(record['attempt']) ~= tonumber(ARGV[1]) or record['status'] ~= 'running' then
  redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
  return 0
end
if ARGV[2] == 'progress' then
  redis.call('HSET', KEYS[2], 'pct', ARGV[3], 'text', ARGV[4], 'attempt', ARGV[1])
else
  redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
end
return 1
"""


def beat_every(ttl: int) -> float:
    """How often a running step renews its heartbeat, for a heartbeat that lasts `ttl` seconds."""
    return max(1.0, ttl / 3)


# A heartbeat this many renewals old is late: the step may have lost its worker.
LATE_AFTER_BEATS = 1.5
# The heartbeat's key outlives its TTL, so that how late it is can still be read.
BEAT_KEPT_FOR_TTLS = 2


class Status(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELED = "canceled"

    @property
    def active(self) -> bool:
        return self in ACTIVE


# A job is active while it may still change by itself; every other state has ended.
ACTIVE = frozenset({Status.QUEUED, Status.RUNNING})
ENDED = frozenset(Status) - ACTIVE


@dataclass
class StepRecord:
    """One step of a job's chain, run as one RQ job."""

    name: str
    label: str
    weight: int = 1
    status: Status = Status.QUEUED
    rq_id: str = ""
    started_at: float | None = None
    ended_at: float | None = None
    result: dict[str, Any] = field(default_factory=dict)
    # The process running it, "<host>:<pid>": on that host, the sweep can tell paused from gone.
    runner: str = ""


@dataclass
class OutputFile:
    ref: str
    name: str
    size: int
    mime: str = "application/octet-stream"
    # A PDF's pages and the paper they are made on ("A4"; "" for mixed or other sizes), for printing it.
    pages: int = 0
    paper: str = ""
    # Its toner, measured by the worker that made it: pages in colour, and the mean cover of a page
    # (0 … 1); None where it was not measured (not a PDF, or an older record).
    colour_pages: int = 0
    coverage: float | None = None


@dataclass
class JobError:
    """A failure as data: a key, words for the teacher, and details for the IT person."""

    key: str
    message: str
    hint: str = ""
    details: str = ""
    # Retrying the same job can only fail the same way (core.errors.TeacherPrinterError.permanent).
    permanent: bool = False


@dataclass
class JobRecord:
    id: str
    kind: str
    title: str
    owner: str
    created_at: float
    steps: list[StepRecord]
    inputs: list[dict[str, Any]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    status: Status = Status.QUEUED
    started_at: float | None = None
    ended_at: float | None = None
    progress: int = 0
    progress_text: str = "Waiting for a free worker"
    outputs: list[OutputFile] = field(default_factory=list)
    error: JobError | None = None
    attempt: int = 1
    # Where to print the result when the chain ends with "Send to printer" (printers.choices.PrintChoice).
    printing: dict[str, Any] = field(default_factory=dict)
    # Seconds the running step has not reported in, once that is late; 0 while all is well.
    # Read from the heartbeat with the record, never stored.
    silent_for: int = 0

    @property
    def active(self) -> bool:
        return self.status.active

    def current_step(self) -> int | None:
        """Index of the first step that has not finished, if any."""
        for index, step in enumerate(self.steps):
            if step.status != Status.FINISHED:
                return index
        return None

    def overall_progress(self, step: int, fraction: float) -> int:
        """Whole-job percentage when `step` is `fraction` done, by step weights."""
        total = sum(s.weight for s in self.steps) or 1
        done = sum(s.weight for s in self.steps[:step])
        return int(100 * (done + fraction * self.steps[step].weight) / total)

    def to_json(self) -> str:
        data = asdict(self)
        del data["silent_for"]
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobRecord:
        data = dict(data)
        data["status"] = Status(data["status"])
        data["steps"] = [StepRecord(**{**s, "status": Status(s["status"])}) for s in data["steps"]]
        data["outputs"] = [OutputFile(**o) for o in data.get("outputs", [])]
        data["error"] = JobError(**data["error"]) if data.get("error") else None
        return cls(**data)

    @classmethod
    def from_json(cls, text: str | bytes) -> JobRecord:
        return cls.from_dict(json.loads(text))


@dataclass(frozen=True)
class JobPage:
    records: list[JobRecord]
    total: int


class TransitionRefused(Exception):
    """The record was not in a state the transition applies from."""


class JobStore:
    """Job records in Redis, with their manifests on the shared volume."""

    def __init__(self, conn: redis.Redis, files: FileStore) -> None:
        self.conn = conn
        self.files = files
        self._fenced_write: redis.commands.core.Script | None = None

    # -- reading ------------------------------------------------------------------
    def get(self, job_id: str) -> JobRecord | None:
        pipe = self.conn.pipeline(transaction=False)
        self._queue_reads(pipe, job_id)
        raw, progress, beat, beat_ms = pipe.execute()
        if raw is None:
            return None
        return self._with_progress(JobRecord.from_json(raw), progress, beat, beat_ms)

    @staticmethod
    def _queue_reads(pipe: redis.client.Pipeline, job_id: str) -> None:
        """The record, its progress, and its heartbeat (which holds its full TTL) with the TTL left."""
        pipe.get(record_key(job_id))
        pipe.hgetall(progress_key(job_id))
        pipe.get(heartbeat_key(job_id))
        pipe.pttl(heartbeat_key(job_id))

    @staticmethod
    def _with_progress(
        record: JobRecord, progress: dict[bytes, bytes], beat: bytes | None, beat_ms: int
    ) -> JobRecord:
        # Progress written after the last transition is newer than the record's own.
        fresh = progress and int(progress.get(b"attempt", b"0")) == record.attempt
        if fresh and record.status == Status.RUNNING:
            record.progress = int(progress.get(b"pct", record.progress))
            record.progress_text = progress.get(b"text", b"").decode() or record.progress_text
        index = record.current_step()
        step = record.steps[index] if index is not None else None
        if record.status == Status.RUNNING and step is not None and step.status == Status.RUNNING:
            found = _beat_age(beat, beat_ms)
            if found is None:  # no heartbeat at all for longer than it is kept
                record.silent_for = max(1, round(now() - (step.started_at or now())))
            elif found[1] > LATE_AFTER_BEATS * beat_every(found[0]):
                record.silent_for = max(1, round(found[1]))
        return record

    def get_many(self, job_ids: list[str]) -> list[JobRecord]:
        if not job_ids:
            return []
        pipe = self.conn.pipeline(transaction=False)
        for job_id in job_ids:
            self._queue_reads(pipe, job_id)
        values = pipe.execute()
        records = []
        for start in range(0, len(values), 4):
            raw, progress, beat, beat_ms = values[start : start + 4]
            if raw is not None:
                records.append(self._with_progress(JobRecord.from_json(raw), progress, beat, beat_ms))
        return records

    def list(
        self,
        owner: str | None = None,
        offset: int = 0,
        limit: int = 20,
        statuses: Iterable[Status] | None = None,
        kinds: Iterable[str] | None = None,
        search: str = "",
    ) -> JobPage:
        """Records newest first; filters narrow the list, `owner=None` means everyone's."""
        wanted_status = set(statuses or [])
        wanted_kind = set(kinds or [])
        needle = search.strip().casefold()
        filtered = wanted_status or wanted_kind or needle
        base = INDEX_KEY if owner is None else self._owner_index(owner)
        if not filtered:
            ids = [i.decode() for i in self.conn.zrevrange(base, offset, offset + limit - 1)]
            return JobPage(self.get_many(ids), self.conn.zcard(base))
        matches: list[JobRecord] = []
        # Failed jobs only: their own index, not every record (an owner's: their own index).
        index = self._failed_index() if wanted_status == {Status.FAILED} and owner is None else base
        all_ids = [i.decode() for i in self.conn.zrevrange(index, 0, -1)]
        for start in range(0, len(all_ids), 500):
            for record in self.get_many(all_ids[start : start + 500]):
                if owner is not None and record.owner != owner:
                    continue
                if wanted_status and record.status not in wanted_status:
                    continue
                if wanted_kind and record.kind not in wanted_kind:
                    continue
                if needle and needle not in record.title.casefold():
                    continue
                matches.append(record)
        return JobPage(matches[offset : offset + limit], len(matches))

    def _failed_index(self) -> str:
        """FAILED_KEY, filled once from the records themselves where it was never kept (older data)."""
        if not self.conn.exists(FAILED_BUILT_KEY):
            ids = [i.decode() for i in self.conn.zrange(INDEX_KEY, 0, -1)]
            for start in range(0, len(ids), 500):
                failed = {
                    r.id: r.created_at
                    for r in self.get_many(ids[start : start + 500])
                    if r.status == Status.FAILED
                }
                if failed:
                    self.conn.zadd(FAILED_KEY, failed)
            self.conn.set(FAILED_BUILT_KEY, "1")
        return FAILED_KEY

    def _owner_index(self, owner: str) -> str:
        """The owner's index, after filling every owner's once from the records (older data)."""
        if not self.conn.exists(OWNERS_BUILT_KEY):
            ids = [i.decode() for i in self.conn.zrange(INDEX_KEY, 0, -1)]
            for start in range(0, len(ids), 500):
                pipe = self.conn.pipeline(transaction=False)
                for record in self.get_many(ids[start : start + 500]):
                    pipe.zadd(owner_index_key(record.owner), {record.id: record.created_at})
                pipe.execute()
            self.conn.set(OWNERS_BUILT_KEY, "1")
        return owner_index_key(owner)

    def active_ids(self) -> list[str]:
        return sorted(i.decode() for i in self.conn.smembers(ACTIVE_KEY))

    def active_records(self) -> list[JobRecord]:
        """Every active record; an id whose record has gone is dropped from the active set."""
        ids = self.active_ids()
        records = self.get_many(ids)
        if gone := set(ids) - {r.id for r in records}:
            self.conn.srem(ACTIVE_KEY, *gone)
        return records

    def created_before(self, cutoff: float) -> list[str]:
        """The ids of the jobs created before `cutoff` (a time.time()), oldest first."""
        return [i.decode() for i in self.conn.zrangebyscore(INDEX_KEY, "-inf", cutoff)]

    def count(self) -> int:
        return self.conn.zcard(INDEX_KEY)

    # -- writing ------------------------------------------------------------------
    def create(self, record: JobRecord) -> JobRecord:
        """Record a new job: all or nothing. The manifest goes first, so that a full disk refuses
        the job before Redis knows of it; if Redis then refuses, the manifest goes too."""
        self._write_manifest(record)
        pipe = self.conn.pipeline()
        pipe.set(record_key(record.id), record.to_json())
        pipe.zadd(INDEX_KEY, {record.id: record.created_at})
        pipe.zadd(owner_index_key(record.owner), {record.id: record.created_at})
        if record.active:
            pipe.sadd(ACTIVE_KEY, record.id)
        try:
            pipe.execute()
        except redis.RedisError:
            self.files.delete_job(record.id)
            raise
        return record

    def transition(
        self,
        job_id: str,
        allowed: Iterable[Status],
        change: Callable[[JobRecord], None],
        beat_ttl: int | None = None,
        also: Callable[[JobRecord, redis.client.Pipeline], None] | None = None,
    ) -> JobRecord:
        """Apply `change` to the record if its status is in `allowed`; raise TransitionRefused if not.

        `also(record, pipe)` adds its own writes, for the changed record, to the same transaction.

        With `beat_ttl`, the record enters a running step in the same transaction: the step's
        heartbeat starts (for `beat_ttl` seconds) and the progress of the step before is dropped.
        """
        allowed = set(allowed)
        key = record_key(job_id)
        with self.conn.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if raw is None:
                        raise TransitionRefused(f"job {job_id} has no record")
                    record = JobRecord.from_json(raw)
                    if record.status not in allowed:
                        raise TransitionRefused(f"job {job_id} is {record.status}")
                    before = record.status
                    change(record)
                    pipe.multi()
                    if also is not None:
                        also(record, pipe)
                    pipe.set(key, record.to_json())
                    if record.status == Status.FAILED:
                        pipe.zadd(FAILED_KEY, {job_id: record.created_at})
                    else:
                        pipe.zrem(FAILED_KEY, job_id)
                    if record.status.active:
                        pipe.sadd(ACTIVE_KEY, job_id)
                    else:
                        pipe.srem(ACTIVE_KEY, job_id)
                        pipe.delete(heartbeat_key(job_id))
                    if beat_ttl is not None:
                        self.beat(job_id, beat_ttl, pipe)
                        pipe.delete(progress_key(job_id))
                    pipe.execute()
                    break
                except redis.WatchError:
                    continue
        # The manifest follows the job's status; step-by-step detail lives in Redis only.
        if record.status != before or not record.status.active:
            self._write_manifest(record)
        return record

    def set_progress(self, job_id: str, attempt: int, pct: int, text: str) -> bool:
        """Say how far the running step of `attempt` is; False (refused, counted) for a stale attempt."""
        return self._fenced(job_id, attempt, "progress", progress_key(job_id), [pct, text])

    def beat(self, job_id: str, ttl: int, pipe: redis.client.Pipeline | None = None) -> None:
        """Say the job's running step is alive for the next `ttl` seconds (inside a step's start)."""
        target = pipe if pipe is not None else self.conn  # an empty pipeline is falsy
        target.set(heartbeat_key(job_id), ttl, ex=BEAT_KEPT_FOR_TTLS * ttl)

    def beat_for(self, job_id: str, attempt: int, ttl: int) -> bool:
        """`beat` from a running step of `attempt`; False (refused, counted) for a stale attempt."""
        return self._fenced(
            job_id, attempt, "heartbeat", heartbeat_key(job_id), [ttl, BEAT_KEPT_FOR_TTLS * ttl]
        )

    def _fenced(self, job_id: str, attempt: int, what: str, target: str, values: list[Any]) -> bool:
        if self._fenced_write is None:
            self._fenced_write = self.conn.register_script(_FENCED_WRITE)
        keys = [record_key(job_id), target, REFUSED_KEY]
        return bool(self._fenced_write(keys=keys, args=[attempt, what, *values]))

    def count_refused(self, what: str) -> None:
        """Count a stale attempt's write refused outside Redis (its result, by the record's transition)."""
        self.conn.hincrby(REFUSED_KEY, what, 1)

    def refused(self) -> dict[str, int]:
        """Stale attempts' writes refused so far, by kind."""
        return {k.decode(): int(v) for k, v in self.conn.hgetall(REFUSED_KEY).items()}

    def has_heartbeat(self, job_id: str) -> bool:
        """Whether the running step renewed its heartbeat within the heartbeat's TTL."""
        pipe = self.conn.pipeline(transaction=False)
        pipe.get(heartbeat_key(job_id))
        pipe.pttl(heartbeat_key(job_id))
        found = _beat_age(*pipe.execute())
        return found is not None and found[1] <= found[0]

    def delete(self, job_id: str, only_from: Iterable[Status] | None = None) -> None:
        """Remove the record, its progress and its files; with `only_from`, only from those states."""
        allowed = set(only_from) if only_from is not None else None
        key = record_key(job_id)
        with self.conn.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if allowed is not None and raw is not None:
                        current = JobRecord.from_json(raw)
                        if current.status not in allowed:
                            self._write_manifest(current)  # if an earlier round removed it
                            raise TransitionRefused(f"job {job_id} is {current.status}")
                    # The manifest goes first, so that a rebuild running now cannot bring it back.
                    with contextlib.suppress(OSError, ValueError):
                        self.files.manifest_path(job_id).unlink(missing_ok=True)
                    pipe.multi()
                    pipe.delete(key, progress_key(job_id), heartbeat_key(job_id))
                    if raw is not None:
                        pipe.zrem(owner_index_key(JobRecord.from_json(raw).owner), job_id)
                    pipe.zrem(INDEX_KEY, job_id)
                    pipe.zrem(FAILED_KEY, job_id)
                    pipe.srem(ACTIVE_KEY, job_id)
                    pipe.execute()
                    break
                except redis.WatchError:
                    continue
        self.files.delete_job(job_id)

    def restore(self, record: JobRecord) -> bool:
        """Put back a record read from a manifest, unless Redis already has it."""
        if not self.conn.set(record_key(record.id), record.to_json(), nx=True):
            return False
        if not self.files.manifest_path(record.id).is_file():
            # Deleted while we read its manifest (delete removes the manifest first): not back.
            self.conn.delete(record_key(record.id))
            return False
        pipe = self.conn.pipeline()
        pipe.zadd(INDEX_KEY, {record.id: record.created_at})
        pipe.zadd(owner_index_key(record.owner), {record.id: record.created_at})
        if record.status.active:
            pipe.sadd(ACTIVE_KEY, record.id)
        if record.status == Status.FAILED:
            pipe.zadd(FAILED_KEY, {record.id: record.created_at})
        pipe.execute()
        return True

    def rebuild_from_manifests(self) -> int:
        """Restore every job whose manifest is on the volume but whose record Redis lost (all of
        them, or only some: a partial loss); safe to run at any time, any number of times."""
        manifests = list(self.files.iter_manifests())
        pipe = self.conn.pipeline(transaction=False)
        for path in manifests:
            pipe.exists(record_key(path.parent.name))
        there = pipe.execute() if manifests else []
        restored = 0
        for path, known in zip(manifests, there, strict=True):
            if known:
                continue
            try:
                record = JobRecord.from_json(path.read_bytes())
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a manifest we cannot read is left for the IT person, not fatal
            restored += self.restore(record)
        return restored

    def _write_manifest(self, record: JobRecord) -> None:
        path = self.files.manifest_path(record.id)
        # Not fsynced: Redis holds the record; the manifest is the copy to rebuild from.
        atomic_write_bytes(path, record.to_json().encode(), durable=False)


def _beat_age(beat: bytes | None, beat_ms: int) -> tuple[int, float] | None:
    """A heartbeat's TTL and its age in seconds, or None when there is none.

    The key holds its TTL and is set to live BEAT_KEPT_FOR_TTLS times that, so its age
    needs only Redis's clock (a worker's clock may differ from the web app's).
    """
    try:
        ttl = int(beat) if beat is not None else 0
    except ValueError:
        return None
    if ttl <= 0 or beat_ms < 0:
        return None
    return ttl, BEAT_KEPT_FOR_TTLS * ttl - beat_ms / 1000


def now() -> float:
    return time.time()
