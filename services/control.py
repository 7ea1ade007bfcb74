"""What the pages may do with jobs: submit, list, cancel, retry, delete, open outputs.

Pages call only these functions; they never see Redis keys, RQ objects or paths
other than an output to download.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from rq import Callback, Queue
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from core.errors import NotAllowed, PrintNotAllowed
from printers.choices import PrintChoice, problems
from services.reachable import unreachable
from services.usage import Totals
from storage import lifecycle
from storage.config import Config, load_config
from storage.files import FileStore, new_id, upload_id_of
from storage.jobs import JobPage, JobRecord, JobStore, OutputFile, StepRecord, TransitionRefused, now
from storage.redis_conn import get_redis
from storage.upload_index import UploadEntry, UploadIndex, entry_on_disk
from worker.pipelines import get_pipeline
from worker.printing import SEND_TO_PRINTER, person, rules_of, setup_for
from worker.tasks import ON_STEP_FAILURE, ON_STEP_STOPPED, RUN_STEP, cancel_rq_jobs

RESULT_TTL_S = 24 * 3600


@dataclass(frozen=True)
class AgainInput:
    """One input of a job to run again: the job's own item, and the file if it is still kept."""

    item: dict[str, Any]
    file: UploadEntry | None


@dataclass(frozen=True)
class RunAgain:
    """What a tool page needs to start a new job like an earlier one: its inputs and options."""

    job_id: str
    kind: str
    title: str
    options: dict[str, Any]
    inputs: list[AgainInput] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """Names of the inputs that are no longer on the server."""
        return [i.item.get("name", "a file") for i in self.inputs if i.file is None]


class Jobs:
    """The job operations for one configuration; every method may raise ServiceUnavailable."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or load_config()
        self.files = FileStore(self.config)
        self.store = JobStore(get_redis(self.config), self.files)
        self.queue = Queue(self.config.queue_name, connection=self.store.conn, serializer=JSONSerializer)

    def ping(self) -> None:
        """Raise ServiceUnavailable unless Redis answers now."""
        try:
            self.store.conn.ping()
        except redis.RedisError as exc:
            raise unreachable(exc) from exc

    # -- submitting ---------------------------------------------------------------
    def submit(
        self,
        kind: str,
        title: str,
        inputs: list[dict[str, Any]],
        options: dict[str, Any],
        owner: str,
        any_upload: bool = False,
        printing: dict[str, Any] | None = None,
    ) -> JobRecord:
        """Record a new job as queued and enqueue its chain of steps.

        Each input must be an upload of `owner` (or, with `any_upload`, for an admin, anyone's).
        With `printing` (a PrintChoice), the chain ends with "Send to printer".
        """
        pipeline = get_pipeline(kind)
        Totals(self.config).check(owner)  # a monthly allowance the school set, used up
        # Only plain JSON crosses the queue: fail here, in the page, not in a worker.
        json.dumps({"inputs": inputs, "options": options}, allow_nan=False)
        # The kind's options record checks types and values, in the teacher's words; the job keeps
        # the record as it normalised them, so every step reads the same choices.
        options = pipeline.parse_options(options)
        for item in inputs:
            self._check_input(str(item.get("ref", "")), owner, any_upload)
        steps = [
            StepRecord(s.name, s.label, s.weight) for s in pipeline.steps if s.wanted_for(inputs, options)
        ]
        if printing:
            printing = self._checked_printing(kind, printing, owner)
            steps.append(StepRecord(SEND_TO_PRINTER.name, SEND_TO_PRINTER.label, SEND_TO_PRINTER.weight))
        record = JobRecord(
            id=new_id(),
            kind=kind,
            title=title,
            owner=owner,
            created_at=now(),
            steps=steps,
            inputs=inputs,
            options=options,
            printing=printing or {},
        )
        try:
            lifecycle.submit(self.store, record)
        except redis.RedisError as exc:
            raise unreachable(exc) from exc
        try:
            self._enqueue_chain(record, 0)
        except redis.RedisError as exc:
            # All or nothing: a job the page says was not submitted must not exist, nor run later.
            # (Steps already queued find no record and end at once.)
            with contextlib.suppress(redis.RedisError):
                self.store.delete(record.id)
            self.files.delete_job(record.id)
            raise unreachable(exc) from exc
        self._mark_used(inputs)
        return record

    def _checked_printing(self, kind: str, printing: dict[str, Any], owner: str) -> dict[str, Any]:
        """The print choice as the rules allow it (the printer's own checks come when it is sent)."""
        choice = PrintChoice.from_dict(printing)
        if kind == "class_sets" and choice.copies != 1:
            raise PrintNotAllowed("A class set is one copy per student already: print 1 copy of it.")
        setup = setup_for(self.config)
        found = problems(choice, setup.find(choice.printer), setup, person(owner, self.config), None,
                         rules_of(self.config), "one-sided")  # fmt: skip
        if found:
            raise PrintNotAllowed(" ".join(found))
        return choice.to_dict()

    def _check_input(self, ref: str, owner: str, any_upload: bool) -> None:
        """Refuse a job input that is not one of the owner's uploads: a path outside `uploads/`
        (another job's results, Redis's own files), a link planted there, another teacher's file."""
        refused = NotAllowed("One of the files given to this job is not one of your uploads.")
        upload_id = upload_id_of(ref)
        if upload_id is None:
            raise refused
        try:
            path = self.files.resolve(ref)  # links resolved: a link out of `uploads/` is refused too
        except ValueError as exc:
            raise refused from exc
        if not path.is_relative_to((self.files.root / "uploads").resolve()):
            raise refused
        try:
            entry = UploadIndex(self.store.conn).get(upload_id)
        except redis.RedisError as exc:
            raise unreachable(exc) from exc
        # An upload the index does not know (saved while it was unreachable, or a Redis that came
        # back empty) has no owner on record, and belongs to whoever holds its random id.
        if entry is not None and entry.owner != owner and not any_upload:
            raise refused

    def _mark_used(self, inputs: list[dict[str, Any]]) -> None:
        """Count the job's uploads as used now: the clean-up keeps them, "My files" lists them first."""
        index = UploadIndex(self.store.conn)
        for item in inputs:
            self.files.touch_upload(item["ref"])
            if upload_id := upload_id_of(item["ref"]):
                with contextlib.suppress(redis.RedisError):
                    index.touch(upload_id)

    def _enqueue_chain(self, record: JobRecord, start: int) -> None:
        previous: Job | None = None
        for index in range(start, len(record.steps)):
            step = record.steps[index]
            previous = self.queue.enqueue_call(
                RUN_STEP,
                args=[record.id, index, record.attempt],
                job_id=step.rq_id,
                depends_on=previous,
                timeout=self.config.step_timeout,
                result_ttl=RESULT_TTL_S,
                failure_ttl=self.config.retention_days * 86400,
                description=f"{record.kind} step {index + 1}/{len(record.steps)}",
                on_failure=Callback(ON_STEP_FAILURE),
                on_stopped=Callback(ON_STEP_STOPPED),
            )

    # -- reading ------------------------------------------------------------------
    def get(self, job_id: str, owner: str | None) -> JobRecord | None:
        try:
            record = self.store.get(job_id)
        except redis.RedisError as exc:
            raise unreachable(exc) from exc
        if record is not None and owner is not None and record.owner != owner:
            return None
        return record

    def list(self, owner: str | None, **filters: Any) -> JobPage:
        """Jobs newest first; `owner=None` lists everyone's (single-user mode or an admin)."""
        try:
            return self.store.list(owner=owner, **filters)
        except redis.RedisError as exc:
            raise unreachable(exc) from exc

    def run_again(self, job_id: str, owner: str | None) -> RunAgain:
        """The inputs and options of a job the owner may see, to start a new one like it.

        The job itself is left as it is; each input says whether its file is still kept.
        """
        record = self._owned(job_id, owner)
        index = UploadIndex(self.store.conn)
        inputs = []
        for item in record.inputs:
            ref, name = str(item.get("ref", "")), str(item.get("name", ""))
            entry = None
            if (upload_id := upload_id_of(ref)) and self.files.upload_kept(ref):
                try:
                    entry = index.get(upload_id)
                except redis.RedisError as exc:
                    raise unreachable(exc) from exc
                if entry is None or entry.ref != ref:
                    entry = entry_on_disk(self.files, ref, name)
            inputs.append(AgainInput(dict(item), entry))
        return RunAgain(record.id, record.kind, record.title, dict(record.options), inputs)

    def find_lost(self) -> None:
        """Mark jobs whose worker vanished as failed, at most once a SWEEP_INTERVAL across processes.

        Only this bounded check: the clean-up and the rebuilding of lost records are the workers' sweep.
        """
        from worker.sweep import find_lost_jobs_once

        with contextlib.suppress(redis.RedisError):
            find_lost_jobs_once(self.store, self.config)

    def _owned(self, job_id: str, owner: str | None) -> JobRecord:
        record = self.get(job_id, owner)
        if record is None:
            raise NotAllowed("That job does not exist any more, or it is not yours.")
        return record

    def output_path(self, job_id: str, output: OutputFile, owner: str | None) -> Path:
        """The path of one output of a job the owner may see."""
        record = self._owned(job_id, owner)
        if output.ref not in {o.ref for o in record.outputs}:
            raise NotAllowed("That file is not one of this job's results.")
        return self.files.resolve(output.ref)

    # -- changing -----------------------------------------------------------------
    def cancel(self, job_id: str, owner: str | None) -> JobRecord:
        """Cancel a queued or running job: its running step is stopped, the rest never start."""
        self._owned(job_id, owner)
        try:
            record = lifecycle.cancel(self.store, job_id)
        except TransitionRefused as exc:
            raise NotAllowed("This job has already ended, so there is nothing to cancel.") from exc
        conn = self.store.conn
        for step in record.steps:
            if not step.rq_id:
                continue
            try:
                rq_job = Job.fetch(step.rq_id, connection=conn, serializer=JSONSerializer)
                if rq_job.is_started:
                    send_stop_job_command(conn, step.rq_id, serializer=JSONSerializer)
            except (NoSuchJobError, InvalidJobOperation):
                continue
        cancel_rq_jobs(conn, [s.rq_id for s in record.steps if s.rq_id])
        return record

    def retry(self, job_id: str, owner: str | None) -> JobRecord:
        """Run a failed or canceled job again from its first unfinished step."""
        self._owned(job_id, owner)
        try:
            record = lifecycle.retry(self.store, job_id)
        except lifecycle.RetryWouldFailAgain as exc:
            raise NotAllowed(
                "Retrying this job would fail the same way.",
                "Press Run again… to change its files or choices.",
            ) from exc
        except TransitionRefused as exc:
            raise NotAllowed("Only a failed or canceled job can be run again.") from exc
        self._enqueue_chain(record, record.current_step() or 0)
        self._mark_used(record.inputs)  # in use again: the clean-up keeps its files
        return record

    def delete(self, job_id: str, owner: str | None) -> None:
        """Remove the job's record and every file it made; a running job is canceled first."""
        if self._owned(job_id, owner).active:
            with contextlib.suppress(NotAllowed):
                self.cancel(job_id, owner)
        try:
            lifecycle.delete(self.store, job_id)
        except TransitionRefused as exc:  # it was retried in another tab meanwhile
            raise NotAllowed(
                "This job has started again, so it cannot be deleted now.", "Cancel it first."
            ) from exc
