"""A quick look at an uploaded file, for the page to show before anything is submitted.

The look runs the very checks the job's first step runs (`usable_pdf`, `read_zip`,
`extract_member`), so that whatever the job would refuse, the page says first and in the
same words.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

from pypdf import PdfWriter

from core.errors import PasswordRequired, TeacherPrinterError
from core.zips import extract_member, member_label, read_zip
from pdf.source import open_pdf, usable_pdf
from sheets import list_sheets
from storage.config import Config
from storage.files import FileStore, StoredFile
from worker.kinds.spreadsheets import ACCEPTED as SHEET_SUFFIXES
from worker.limits import sheet_limits


class MyFilesLike(Protocol):
    """What the uploads need of My files (services.library.MyFiles, which imports this module)."""

    def save(self, stream: BinaryIO, name: str) -> StoredFile: ...
    def reuse(self, stored: StoredFile) -> StoredFile: ...
    def keep(self, stored: StoredFile, info: UploadInfo) -> None: ...


@dataclass(frozen=True)
class ZipPdf:
    """One PDF inside an uploaded ZIP: its name there, the name shown, its pages or its problem."""

    name: str
    display: str
    pages: int | None = None
    problem: str = ""
    details: str = ""


@dataclass(frozen=True)
class UploadInfo:
    """What a page shows about one upload: kind, pages, the PDFs inside a ZIP, any problem.

    `problem` is what the job would refuse (the page offers no button while it stands);
    `note` is worth knowing but does not stop the job; `details` is for the IT person.
    """

    ref: str
    name: str
    kind: str
    pages: int | None = None
    members: list[ZipPdf] = field(default_factory=list)
    problem: str = ""
    needs_password: bool = False
    note: str = ""
    details: str = ""
    rows: int | None = None  # a spreadsheet's rows, on its visible sheets

    @property
    def usable(self) -> bool:
        """Whether it passed the job's check (a repaired PDF counts; a locked one not until unlocked)."""
        return not self.needs_password and not self.problem and bool(self.pages or self.members)


def technical_details(exc: BaseException) -> str:
    """What the library underneath said, for the "Details for your IT person" expander."""
    cause = exc.__cause__ or exc.__context__
    return f"{type(cause).__name__}: {cause}" if cause is not None else ""


def describe_upload(config: Config, ref: str, name: str) -> UploadInfo:
    """Open an uploaded PDF or ZIP as the job's check will; never raises for bad files."""
    path = FileStore(config).resolve(ref)
    if name.lower().endswith(".zip"):
        return _describe_zip(path, ref, name)
    try:
        reader, _, repaired = usable_pdf(path, name)
    except PasswordRequired as exc:
        return UploadInfo(ref, name, "pdf", problem=exc.message, needs_password=True)
    except TeacherPrinterError as exc:
        return UploadInfo(ref, name, "pdf", problem=exc.for_teacher(), details=technical_details(exc))
    note = f"{name} is slightly damaged; the job will repair it. Check the result." if repaired else ""
    return UploadInfo(ref, name, "pdf", pages=len(reader.pages), note=note)


def _describe_zip(path: Path, ref: str, name: str) -> UploadInfo:
    try:
        contents = read_zip(path, name)
    except TeacherPrinterError as exc:
        return UploadInfo(ref, name, "zip", problem=exc.for_teacher(), details=technical_details(exc))
    members = []
    with tempfile.TemporaryDirectory(prefix="tp-look-") as folder:
        for number, member in enumerate(contents.members):
            label = member_label(member.display, name)
            try:
                copy = extract_member(path, member.name, Path(folder) / f"{number:04d}.pdf", name)
                reader, _, _ = usable_pdf(copy, label)
                members.append(ZipPdf(member.name, member.display, pages=len(reader.pages)))
            except TeacherPrinterError as exc:
                members.append(
                    ZipPdf(
                        member.name, member.display, problem=exc.for_teacher(), details=technical_details(exc)
                    )
                )
            finally:
                (Path(folder) / f"{number:04d}.pdf").unlink(missing_ok=True)
    pages = sum(m.pages or 0 for m in members)
    return UploadInfo(ref, name, "zip", pages=pages, members=members, note=contents.note(name))


def unlock_upload(config: Config, ref: str, name: str, password: str) -> StoredFile:
    """Save an unprotected copy of a password-protected PDF as a new upload.

    The password is used here, in the web app, once: it never goes into a job record
    or onto the queue.
    """
    store = FileStore(config)
    reader, _, _ = open_pdf(store.resolve(ref), name, password)
    writer = PdfWriter(clone_from=reader)
    buffer = io.BytesIO()
    writer.write(buffer)
    buffer.seek(0)
    return store.save_upload(buffer, name)


def describe_sheet_upload(config: Config, ref: str, name: str) -> UploadInfo:
    """Check an uploaded spreadsheet opens and count its sheets; never raises for bad files."""
    try:
        infos = list_sheets(FileStore(config).resolve(ref), limits=sheet_limits(config))
    except TeacherPrinterError as exc:
        return UploadInfo(ref, name, "sheet", problem=exc.for_teacher())
    visible = [i for i in infos if not i.hidden]
    rows = sum(i.rows for i in visible)
    return UploadInfo(ref, name, "sheet", pages=len(visible) or len(infos), rows=rows)


def describe(config: Config, ref: str, name: str) -> UploadInfo:
    """The look its file type calls for: a spreadsheet's sheets, or a PDF's (or a ZIP's) pages."""
    if name.rsplit(".", 1)[-1].lower() in SHEET_SUFFIXES:
        return describe_sheet_upload(config, ref, name)
    return describe_upload(config, ref, name)


@dataclass(frozen=True)
class Upload:
    """A file on the server, as a page shows it: where it is, and what the look inside found."""

    stored: StoredFile
    info: UploadInfo


Look = Callable[[StoredFile], UploadInfo]


class Uploads:
    """Files coming in from a page: saved once, looked at by type, listed in My files if usable.

    `mine` is the teacher's My files (None when the job service is down: files are still saved,
    just not listed); `look` may be a cached version of `describe` (the page keeps one per session).
    """

    def __init__(self, config: Config, mine: MyFilesLike | None, look: Look | None = None) -> None:
        self.config = config
        self.mine = mine
        self.store = FileStore(config)
        self._look = look or (lambda stored: describe(config, stored.ref, stored.name))

    def add(self, stream: BinaryIO, name: str) -> Upload:
        """Save a file as it streams in (the teacher's earlier copy of the same file is reused), look inside, list it."""
        stored = self.mine.save(stream, name) if self.mine else self.store.save_upload(stream, name)
        upload = Upload(stored, self._look(stored))
        if self.mine is not None:
            self.mine.keep(stored, upload.info)  # only if usable (a locked PDF: its unlocked copy)
        return upload

    def again(self, stored: StoredFile) -> Upload | None:
        """A file saved before, looked at again; None if the clean-up has removed it since."""
        if not self.store.upload_kept(stored.ref):
            return None
        return Upload(stored, self._look(stored))

    def unlock(self, stored: StoredFile, password: str) -> Upload:
        """The unprotected copy of a locked PDF, saved, looked at and listed; raises if the password is wrong."""
        unlocked = unlock_upload(self.config, stored.ref, stored.name, password)
        if self.mine is not None:
            unlocked = self.mine.reuse(unlocked)
        upload = Upload(unlocked, self._look(unlocked))
        if self.mine is not None:
            self.mine.keep(unlocked, upload.info)
        return upload
