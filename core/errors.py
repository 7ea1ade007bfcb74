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


class OutOfMemory(TeacherPrinterError):
    key = "out_of_memory"
    default_hint = (
        "Try fewer or smaller files at a time. If you need this file, ask your IT person to raise "
        "STEP_MEMORY_MB (and the workers' memory)."
    )


class LookProblem(TeacherPrinterError):
    """What a worker's look inside a file found wrong, in the words it gave (message and hint in one)."""

    key = "look_problem"
    permanent = True
    default_hint = "Check the file, or choose other options."


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
    """Something asked of a job, a file or a preset that its state (or its owner) does not allow."""

    key = "not_allowed"
    default_hint = "Reload the page to see how things stand now."


class SheetNotFound(TeacherPrinterError):
    key = "sheet_not_found"
    permanent = True
    default_hint = "Pick one of the sheets listed for this file, or upload the file again."


class BadPageRange(TeacherPrinterError):
    key = "bad_page_range"
    permanent = True
    default_hint = "Type page numbers like 1-3, 5, 8- or the words all, odd, even or last."


class FontMissing(TeacherPrinterError):
    key = "font_missing"
    default_hint = (
        "Ask your IT person to install the requirements again (they include the font package "
        "fontpkg-noto-sans), or Debian's fonts-dejavu-core."
    )


class TextNotPrintable(TeacherPrinterError):
    key = "text_not_printable"
    permanent = True
    default_hint = "Remove those characters or write them in another alphabet, then try again."


class ClassListProblem(TeacherPrinterError):
    """The class list cannot give a list of students: the message names the column or rows."""

    key = "class_list"
    permanent = True
    default_hint = "Check the column choices on the Class sets page, or fix the list and upload it again."


class SeveralProblems(TeacherPrinterError):
    """More than one input failed its check; the message lists each."""

    key = "several_problems"
    default_hint = "Replace or take out each file named, then try again."


class ColumnNotFound(TeacherPrinterError):
    key = "column_not_found"
    permanent = True
    default_hint = "Pick one of the columns listed, or check that the right sheet and header row were used."


class BadPreset(TeacherPrinterError):
    key = "bad_preset"
    default_hint = "Choose other options, or another name, and save again."


class BadPresetFile(TeacherPrinterError):
    key = "bad_preset_file"
    default_hint = "Choose a file saved with “Save presets to a file” on one of the tool pages."


class UnusableOptions(TeacherPrinterError):
    """Saved options (a preset, a preset file) that no job could use."""

    key = "unusable_options"
    permanent = True
    default_hint = "Choose the options again on the page and save them once more."


class ConversionFailed(TeacherPrinterError):
    """A document or photo that could not be turned into a PDF (damaged, or not what it says)."""

    key = "conversion_failed"
    permanent = True
    default_hint = (
        "Open it on your computer, save it as a PDF there (File → Save as, or Export → PDF), "
        "and upload the PDF instead."
    )


class ConverterMissing(TeacherPrinterError):
    """Office documents need LibreOffice, which this server does not have (photos and PDFs still work)."""

    key = "converter_missing"
    default_hint = (
        "Save it as a PDF on your computer (File → Save as → PDF) and upload that. Your IT person can "
        "add Word and PowerPoint support with one command on the server: make office."
    )


class PrinterUnreachable(TeacherPrinterError):
    """A printer that does not answer (switched off, off the network, a wrong address)."""

    key = "printer_unreachable"
    default_hint = "Check that it is switched on and connected, then try again."


class PrinterBusy(PrinterUnreachable):
    """A printer that answered that it is busy with another job and takes none now."""

    key = "printer_busy"
    default_hint = "It is sent again by itself in a moment; or press Try again later."


class PrinterRefused(TeacherPrinterError):
    """A printer that answered but would not take the job as it was sent."""

    key = "printer_refused"
    permanent = True
    default_hint = "Choose another printer, or download the file and print it from your computer."


class PrintJobGone(TeacherPrinterError):
    """A job the printer no longer knows (it was restarted or switched off before it printed)."""

    key = "print_job_gone"
    default_hint = "Press Try again to send it once more."


class AllowanceUsed(TeacherPrinterError):
    """A teacher's monthly allowance of sheets (MONTHLY_SHEETS_ALLOWANCE) is used up."""

    key = "allowance_used"
    default_hint = "Your jobs and their files are kept: the Jobs page still has every download."


class PrintNotAllowed(TeacherPrinterError):
    """A print the school's printing rules do not allow (a printer of another group, too many copies)."""

    key = "print_not_allowed"
    permanent = True
    default_hint = "Choose another printer or fewer copies, or send it to the print room."
