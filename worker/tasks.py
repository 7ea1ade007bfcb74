"""The RQ edge: the one task function workers run, its callbacks, and the job class that guards it.

`run_step(job_id, index, attempt)` runs one step of a job's chain: it marks the step
started, keeps a heartbeat while it works, calls the step's operation with a
throttled progress callback, and records the result. A raising step leaves the
exception to RQ, whose failure callback records the failure in plain words and
cancels the steps after it (RQ would leave them deferred forever).
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import redis
from rq import SimpleWorker, Worker
from rq.exceptions import DeserializationError, InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.job_lifecycle import call_exception_handlers
from rq.serializers import JSONSerializer
from rq.timeouts import JobTimeoutException, UnixSignalDeathPenalty

from core.errors import NotAllowed, StepTimedOut, TeacherPrinterError
from core.progress import Throttle
from storage import lifecycle
from storage.config import BUSY_WORKER_REPORT_S, Config, load_config
from storage.files import FileStore
from storage.jobs import JobError, JobRecord, JobStore, OutputFile, Status, TransitionRefused, beat_every
from storage.redis_conn import get_redis
from worker.failures import UNEXPECTED, StepTimeLimitReached, describe_failure, out_of_memory, within_memory
from worker.looks import RUN_LOOK, store_failure
from worker.pipelines import get_pipeline, step_def
from worker.print_room import ROOM_TASKS
from worker.printing import PRINT_TASKS, usage_of
from worker.steps import PDF_MIME, ZIP_MIME, StepContext, StepResult

T = TypeVar("T")
PROGRESS_INTERVAL_S = 0.5
RUN_STEP = "worker.tasks.run_step"
REGISTERED_TASKS = frozenset({RUN_STEP, RUN_LOOK, *PRINT_TASKS, *ROOM_TASKS})
ON_STEP_FAILURE = "worker.tasks.on_step_failure"
ON_STEP_STOPPED = "worker.tasks.on_step_stopped"
ON_LOOK_FAILURE = "worker.tasks.on_look_failure"
REGISTERED_CALLBACKS = frozenset({ON_STEP_FAILURE, ON_STEP_STOPPED, ON_LOOK_FAILURE})
RQ_IDLE_REPORT_MARGIN_S = 15  # RQ waits worker_ttl - 15 s for a job between heartbeats

log = logging.getLogger(__name__)


class GuardedJob(Job):
    """An RQ job that will only call the task functions registered here."""

    @property
    def func(self) -> Any:
        if self.func_name not in REGISTERED_TASKS:
            raise NotAllowed(f"Refusing to run {self.func_name!r}: it is not a registered task.")
        return super().func

    # A queue entry names its callbacks too, which RQ would import and call: only ours run.
    @property
    def success_callback(self) -> Any:
        return self._allowed(self._success_callback_name, lambda: super(GuardedJob, self).success_callback)

    @property
    def failure_callback(self) -> Any:
        return self._allowed(self._failure_callback_name, lambda: super(GuardedJob, self).failure_callback)

    @property
    def stopped_callback(self) -> Any:
        return self._allowed(self._stopped_callback_name, lambda: super(GuardedJob, self).stopped_callback)

    def _allowed(self, name: str | None, callback: Callable[[], Any]) -> Any:
        if name and name not in REGISTERED_CALLBACKS:
            log.warning("job %s: refusing its callback %r: not one of ours", self.id, name)
            return None
        return callback()


class StepDeathPenalty(UnixSignalDeathPenalty):
    """RQ's alarm-based time limit, raising StepTimeLimitReached for a job's own limit."""

    def __init__(
        self, timeout: Any, exception: type[BaseException] = JobTimeoutException, **kwargs: Any
    ) -> None:
        if exception is JobTimeoutException:
            exception = StepTimeLimitReached
        super().__init__(timeout, exception, **kwargs)


class _FailureLog:
    """How a worker logs a failed step: one line for a failure the app explains, with the traceback otherwise.

    A teacher's locked PDF or a limit reached is not a fault of the server: the job id and the
    error's key say what the Jobs page says (whose details still hold the traceback).
    """

    def handle_exception(self, job: Job, *exc_info: Any) -> None:
        try:
            step = job.args if job.func_name == RUN_STEP else None
        except DeserializationError:
            step = None
        if step is None:
            super().handle_exception(job, *exc_info)  # type: ignore[misc]  # not a step: RQ's own way
            return
        job_id, index, _attempt = step
        error = describe_failure(*exc_info, load_config().step_timeout)
        unexpected = error.key == UNEXPECTED.key
        log.log(
            logging.ERROR if unexpected else logging.WARNING,
            "job %s: step %s failed: %s",
            job_id,
            index + 1,
            error.key,
            exc_info=exc_info if unexpected else None,
        )
        call_exception_handlers(self._exc_handlers, job, *exc_info)  # type: ignore[attr-defined]


def limit_memory(extra_bytes: int) -> None:
    """Let this process use at most `extra_bytes` more address space than it holds now.

    Set in each work-horse before its step or look runs: going over raises MemoryError
    there (a plain message for the teacher) instead of the kernel killing the worker.
    """
    try:
        with open("/proc/self/statm") as statm:
            held = int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        held = 0
    limit = held + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class _StopAware:
    """Remembers that a stop was asked for (a signal), which RQ keeps only while a job runs."""

    stop_asked = False

    def request_stop(self, signum: Any, frame: Any) -> None:
        self.stop_asked = True
        super().request_stop(signum, frame)  # type: ignore[misc]


class StepWorker(_StopAware, _FailureLog, Worker):
    """The forking worker: each step or look runs in a work-horse process, within STEP_MEMORY_MB."""

    death_penalty_class = StepDeathPenalty

    def main_work_horse(self, job: Job, queue: Any) -> None:
        limit_memory(load_config().step_memory_bytes)
        super().main_work_horse(job, queue)

    def handle_work_horse_killed(self, job: Job, retpid: int, ret_val: int, rusage: Any) -> None:
        """A look whose work-horse died (the kernel's OOM killer, a crash in a C library) gets an answer."""
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        if job.func_name == RUN_LOOK:
            _name, key, _params = job.args
            store_failure(key, out_of_memory(), f"work-horse ended with status {ret_val}")


class InlineStepWorker(_StopAware, _FailureLog, SimpleWorker):
    """A worker that runs steps in its own process (tests, debugging)."""

    death_penalty_class = StepDeathPenalty


def make_worker(
    config: Config, conn: redis.Redis, inline: bool = False, name: str | None = None, looks_only: bool = False
) -> Worker:
    """A worker on the looks queue, then the jobs queue (unless `looks_only`), with the JSON serializer."""
    worker_class = InlineStepWorker if inline else StepWorker
    queues = [config.look_queue_name] if looks_only else [config.look_queue_name, config.queue_name]
    return worker_class(
        queues,
        name=name,
        connection=conn,
        serializer=JSONSerializer,
        job_class=GuardedJob,
        log_job_description=False,
        # An idle RQ worker reports in every worker_ttl - 15 s, a busy one every monitoring
        # interval: the sidebar counts a worker only while its reports keep coming.
        worker_ttl=config.worker_report_s + RQ_IDLE_REPORT_MARGIN_S,
        job_monitoring_interval=BUSY_WORKER_REPORT_S,
        maintenance_interval=60,
    )


def _store(config: Config) -> JobStore:
    return JobStore(get_redis(config), FileStore(config))


class _Heartbeat:
    """Keeps the job's heartbeat key alive from a thread while its step runs."""

    def __init__(self, store: JobStore, job_id: str, attempt: int, ttl: int) -> None:
        self._store, self._job_id, self._attempt, self._ttl = store, job_id, attempt, ttl
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(beat_every(self._ttl)):
            try:
                if not self._store.beat_for(self._job_id, self._attempt, self._ttl):
                    log.warning(
                        "job %s attempt %s: no longer the job's running attempt; heartbeat refused",
                        self._job_id,
                        self._attempt,
                    )
                    return  # it will not become current again
            except redis.RedisError:
                log.warning("heartbeat for job %s missed: Redis unreachable", self._job_id)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class _StepProgress:
    """The progress callback given to operations: throttled, and never fails the step."""

    def __init__(self, store: JobStore, record: JobRecord, index: int) -> None:
        self._store, self._record, self._index = store, record, index
        self._throttle = Throttle(PROGRESS_INTERVAL_S)
        self._refused = False

    def __call__(self, done: int, total: int, text: str) -> None:
        if not self._throttle.ready(final=total > 0 and done >= total):
            return
        fraction = done / total if total > 0 else 0.0
        try:
            if not lifecycle.report_progress(self._store, self._record, self._index, fraction, text):
                if not self._refused:
                    log.warning(
                        "job %s attempt %s: no longer the job's running attempt; progress refused",
                        self._record.id,
                        self._record.attempt,
                    )
                self._refused = True
        except redis.RedisError:
            log.warning("progress for job %s not saved: Redis unreachable", self._record.id)


def made_safe(outputs: list[tuple[Path, str]]) -> list[str]:
    """Take scripts, launching actions and attached files out of every PDF a step hands back
    (and every PDF inside a ZIP it hands back), whatever tool wrote it; a note for each that had any."""
    from pdf.safety import make_safe, make_safe_zip, removed_note

    notes = []
    for path, mime in outputs:
        if mime == PDF_MIME and (removed := make_safe(path)):
            notes.append(removed_note(path.name, removed))
        elif mime == ZIP_MIME:
            count, removed = make_safe_zip(path)
            if count:
                what = f"{count} of the PDFs in {path.name}" if count > 1 else f"a PDF in {path.name}"
                notes.append(removed_note(what, removed))
    return notes


def described(ref: str, path: Path, mime: str) -> OutputFile:
    """An output as the Jobs page lists it; a PDF with its pages and paper, which printing needs,
    and its toner (pages in colour, mean cover), which the Print… form's cost and the month's
    totals need."""
    output = OutputFile(ref, path.name, path.stat().st_size, mime)
    if mime == PDF_MIME:
        from pypdf.errors import PyPdfError
        from pypdfium2 import PdfiumError

        from pdf.ink import page_ink
        from pdf.printing import pages_and_paper

        with contextlib.suppress(PyPdfError, OSError, ValueError):  # then printed without these facts
            output.pages, output.paper = pages_and_paper(path)
        with contextlib.suppress(PdfiumError, OSError, ValueError):  # then costed without toner
            ink = page_ink(path)
            if ink.pages:
                output.colour_pages = sum(1 for page in ink.pages if page.colour)
                output.coverage = round(sum(page.coverage for page in ink.pages) / len(ink.pages), 4)
    return output


def run_step(job_id: str, index: int, attempt: int) -> dict[str, Any]:
    """Run step `index` of job `job_id`; the RQ task function."""
    config = load_config()
    store = _store(config)
    record = store.get(job_id)
    if record is None or record.attempt != attempt or not record.active:
        return {"skipped": "the job was canceled, deleted or restarted"}
    if record.steps[index].status == Status.FINISHED:
        return {"skipped": "already done"}
    try:
        record = lifecycle.start_step(
            store, job_id, index, attempt, config.worker_lost_after, f"{socket.gethostname()}:{os.getpid()}"
        )
    except TransitionRefused:
        return {"skipped": "the job was canceled"}

    step = record.steps[index]
    definition = step_def(record.kind, step.name)
    store.files.clear_work(job_id, index, attempt)
    progress = _StepProgress(store, record, index)
    context = StepContext.for_step(get_pipeline(record.kind), record, index, store.files, progress)
    with _Heartbeat(store, job_id, attempt, config.worker_lost_after):
        store.files.check_room()  # a step never eats the records' share of the disk
        result = within_memory(definition.run, context)
        if removed := made_safe(result.outputs):
            result.data["notes"] = [*result.data.get("notes", []), *removed]
        outputs = [described(store.files.ref(path), path, mime) for path, mime in result.outputs]
        try:
            # Fenced by the attempt in the record's own transaction: a worker that froze and woke
            # after a retry began cannot record its result, nor (RQ's next step is skipped by the
            # same check at its start) carry the job on. Through a Redis outage of up to
            # RECORD_PATIENCE_S the finished work is kept and recorded when Redis is back.
            done = _through_outage(
                lambda: lifecycle.finish_step(store, job_id, index, attempt, result.data, outputs, usage_of)
            )
        except TransitionRefused as refused:
            discard(store, job_id, index, attempt, result, refused)
            return {"step": step.name, "refused": str(refused)}
    if done.status == Status.FINISHED:
        store.files.clear_all_work(job_id)  # else the scratch copies stay for the whole retention
    return {"step": step.name, "outputs": len(outputs)}


# How long a finished step waits for Redis to record its result; past it the step fails with its
# worker, and the sweep marks the job failed (retryable) once Redis is back.
RECORD_PATIENCE_S = 120


def _through_outage(write: Callable[[], T]) -> T:
    deadline = time.monotonic() + RECORD_PATIENCE_S
    while True:
        try:
            return write()
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            if time.monotonic() > deadline:
                raise
            log.warning("result not recorded yet, Redis unreachable (%s); trying again", exc)
            time.sleep(1)


def discard(
    store: JobStore, job_id: str, index: int, attempt: int, result: StepResult, why: TransitionRefused
) -> None:
    """Throw away what a step wrote when its result may not be recorded (canceled, or a stale attempt)."""
    for path, _mime in result.outputs:
        path.unlink(missing_ok=True)  # in this attempt's own folder: never a file of another attempt
    store.files.clear_work(job_id, index, attempt)
    current = store.get(job_id)
    if current is None or current.attempt != attempt:  # a retry began since: a stale attempt's result
        store.count_refused("result")
    log.warning(
        "job %s attempt %s step %s: result not recorded (%s); %d output(s) discarded",
        job_id,
        attempt,
        index,
        why,
        len(result.outputs),
    )


def fail_job(store: JobStore, job_id: str, index: int, attempt: int, error: JobError) -> bool:
    """Mark step `index` failed, the steps after it canceled, the job failed; cancel their RQ jobs."""
    try:
        record = lifecycle.fail(store, job_id, index, attempt, error)
    except TransitionRefused:
        current = store.get(job_id)
        if current is not None and current.attempt != attempt:  # a stale attempt's end: refused
            store.count_refused("result")
            log.warning(
                "job %s attempt %s step %s: failure not recorded (a newer attempt)", job_id, attempt, index
            )
        return False
    cancel_rq_jobs(store.conn, [s.rq_id for s in record.steps[index + 1 :] if s.rq_id])
    return True


def cancel_rq_jobs(conn: redis.Redis, rq_ids: list[str]) -> None:
    """Cancel queued or deferred RQ jobs; ones already gone or ended are left as they are."""
    for rq_id in rq_ids:
        try:
            job = Job.fetch(rq_id, connection=conn, serializer=JSONSerializer)
            if not (job.is_finished or job.is_failed or job.is_canceled or job.is_started):
                job.cancel()
        except (NoSuchJobError, InvalidJobOperation):
            continue


def on_step_failure(
    job: Job,
    connection: redis.Redis,
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
) -> None:
    """RQ failure callback: record the failure as data, cancel the rest of the chain."""
    if job.func_name != RUN_STEP:
        return
    job_id, index, attempt = job.args
    config = load_config()
    error = describe_failure(exc_type, exc, tb, config.step_timeout)
    fail_job(_store(config), job_id, index, attempt, error)


def on_step_stopped(job: Job, connection: redis.Redis) -> None:
    """RQ stopped callback: a step stopped from outside the app counts as a cancel."""
    if job.func_name != RUN_STEP:
        return
    job_id, _index, attempt = job.args
    with contextlib.suppress(TransitionRefused):
        lifecycle.cancel(_store(load_config()), job_id, attempt)


def on_look_failure(
    job: Job,
    connection: redis.Redis,
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
) -> None:
    """RQ failure callback of a look: its time or memory ran out, or it broke; the page says so."""
    if job.func_name != RUN_LOOK:
        return
    _name, key, _params = job.args
    config = load_config()
    error = describe_failure(exc_type, exc, tb, config.look_timeout)
    if error.key == StepTimedOut.key:
        problem: TeacherPrinterError = StepTimedOut(
            f"Looking inside took longer than {config.look_timeout} second"
            f"{'s' if config.look_timeout != 1 else ''}, so it was stopped.",
            "The file may be very large or complex: try a smaller one, or split it first.",
        )
    elif error.key == out_of_memory().key:
        problem = out_of_memory()
    else:
        problem = TeacherPrinterError(error.message, error.hint)
    store_failure(key, problem, error.details)
