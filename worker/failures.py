"""Turning exceptions into failure records a teacher can read."""

from __future__ import annotations

import traceback
from types import TracebackType
from typing import Any

from rq.exceptions import AbandonedJobError
from rq.timeouts import JobTimeoutException

from core.errors import OutOfMemory, StepTimedOut, TeacherPrinterError, WorkerStopped
from storage.jobs import JobError

MAX_DETAIL_CHARS = 4000


class StepTimeLimitReached(BaseException):
    """Raised inside a step that ran past STEP_TIMEOUT.

    A BaseException, so that a library's broad `except Exception` cannot swallow the
    time limit (pypdf does so in places, turning RQ's JobTimeoutException into a
    ValueError or letting the step run on).
    """


UNEXPECTED = JobError(
    key="unexpected",
    message="Something went wrong that we did not expect.",
    hint="Press Retry. If it fails again, send the details below to your IT person.",
)


def _details(
    exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
) -> str:
    text = "".join(traceback.format_exception(exc_type, exc, tb)) if exc is not None else ""
    # Keep the end: that is where the cause is.
    return text if len(text) <= MAX_DETAIL_CHARS else "…\n" + text[-MAX_DETAIL_CHARS:]


def _known_cause(exc: BaseException | None) -> BaseException | None:
    """The first error we know how to explain in the chain, since libraries wrap what they catch."""
    seen = exc
    while seen is not None:
        if isinstance(seen, (TeacherPrinterError, JobTimeoutException, StepTimeLimitReached, MemoryError)):
            return seen
        seen = seen.__cause__ or seen.__context__
    return exc


def describe_failure(
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
    step_timeout: int,
) -> JobError:
    """The plain-words record of an exception raised by a step."""
    details = _details(exc_type, exc, tb)
    exc = _known_cause(exc)
    if isinstance(exc, TeacherPrinterError):
        return JobError(exc.key, exc.message, exc.hint, details, exc.permanent)
    if isinstance(exc, (JobTimeoutException, StepTimeLimitReached)):
        minutes = step_timeout / 60
        if minutes >= 1:
            limit = f"{minutes:g} minute{'s' if minutes != 1 else ''}"
        else:
            limit = f"{step_timeout} second{'s' if step_timeout != 1 else ''}"
        err = StepTimedOut(f"This step took longer than the limit of {limit} and was stopped.")
        return JobError(err.key, err.message, err.hint, details)
    if isinstance(exc, MemoryError):
        err = out_of_memory()
        return JobError(err.key, err.message, err.hint, details, err.permanent)
    if isinstance(exc, AbandonedJobError):  # RQ's clean-up found it started by a worker that is gone
        return worker_lost(details)
    return JobError(UNEXPECTED.key, UNEXPECTED.message, UNEXPECTED.hint, details)


def worker_lost(details: str = "") -> JobError:
    err = WorkerStopped("The worker running this job stopped unexpectedly (it may have been restarted).")
    return JobError(err.key, err.message, err.hint, details)


def app_stopped() -> JobError:
    err = WorkerStopped("Teacher Printer was stopped while this job was running.")
    return JobError(err.key, err.message, err.hint, "The launcher stopped its workers before the step ended.")


def out_of_memory() -> OutOfMemory:
    return OutOfMemory("These files need more memory than one job may use on this server, so it was stopped.")


def within_memory(run: Any, *args: Any) -> Any:
    """`run(*args)`, with a MemoryError turned into the teacher's OutOfMemory once its memory is free.

    The error is raised again only after the `except` block has ended: the traceback, and with
    it the frames that hold the memory, is gone by then, so recording the failure (which needs
    memory) works under the limit.
    """
    try:
        return run(*args)
    except MemoryError:
        pass
    raise out_of_memory()
