"""The errors a teacher can meet, each with a key and a message in plain words.

Every known failure raises a subclass of `TeacherPrinterError`. The Jobs page
shows `message` (what happened) and `hint` (what to do); the technical
details live in an expander. Anything else is reported as "something went
wrong" with the traceback in the details.

An error is `permanent` when running the same job again with the same files and
choices is certain to fail the same way (a locked, damaged or too large file, options
that do not fit): the Jobs page offers no Retry for those, only "Run again…" to change
them. The others (a stopped worker, a full disk, a step that ran out of time, the job
service down) may well pass on a second try.
"""

from __future__ import annotations


class TeacherPrinterError(Exception):
    """Base of every error whose message is meant for a teacher."""

    key: str = "error"
    default_hint: str = ""
    # Whether retrying the same job can only fail again (see the module's docstring).
    permanent: bool = False

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = self.default_hint if hint is None else hint

    def for_teacher(self) -> str:
        """The message and the hint as one paragraph."""
        return f"{self.message} {self.hint}".strip()


class PasswordRequired(TeacherPrinterError):
    key = "password_required"
    permanent = True
    default_hint = (
        "Open it in your PDF reader, save an unprotected copy (Print → Save as PDF), and upload that."
    )


class DamagedFile(TeacherPrinterError):
    key = "damaged_file"
    permanent = True
    default_hint = "Open it on your computer to check it, save a fresh copy and upload that."


class UnsupportedFile(TeacherPrinterError):
    key = "unsupported_file"
    permanent = True
    default_hint = "Upload a PDF, or a ZIP that holds PDFs."


class EmptyDocument(TeacherPrinterError):
    key = "empty_document"
    permanent = True
    default_hint = "Check that you picked the right file."


class LimitExceeded(TeacherPrinterError):
    key = "limit_exceeded"
    permanent = True
    default_hint = "Split the work into smaller parts and run them one at a time."


class StepTimedOut(TeacherPrinterError):
    key = "timed_out"
    default_hint = "Try again with fewer or smaller files, or ask your IT person to raise the limit."


class WorkerStopped(TeacherPrinterError):
    key = "worker_stopped"
    default_hint = "Press Retry to run it again from where it stopped."


class StorageFailed(TeacherPrinterError):
    key = "storage_failed"
    default_hint = "The server may be out of disk space. Tell your IT person, then press Retry."


class InputMissing(TeacherPrinterError):
    key = "input_missing"
    permanent = True
    default_hint = "The files may have been deleted after the retention period. Upload them again."


class ServiceUnavailable(TeacherPrinterError):
    key = "service_unavailable"
    default_hint = "Ask your IT person to start it (on this computer: `make run` starts everything)."


class BadOptions(TeacherPrinterError):
    """A tool page's choices that a job could not use (every kind of job raises this one)."""

    key = "bad_options"
    permanent = True
    default_hint = "Change the options on the page and try again."


class NotAllowed(TeacherPrinterError):
    key = "not_allowed"
    default_hint = ""


class SheetNotFound(TeacherPrinterError):
    key = "sheet_not_found"
    permanent = True
    default_hint = "Pick one of the sheets listed for this file, or upload the file again."


class BadPageRange(TeacherPrinterError):
    key = "bad_page_range"
    permanent = True
    default_hint = "Type page numbers like 1-3, 5, 8- or the words all, odd, even or last."
