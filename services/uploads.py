"""A quick look at an uploaded file, for the page to show before anything is submitted.

The look runs the very checks the job's first step runs (`usable_pdf`, `read_zip`,
`extract_member`), so that whatever the job would refuse, the page says first and in the
same words.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfWriter

from core.errors import PasswordRequired, TeacherPrinterError
from core.zips import extract_member, member_label, read_zip
from pdf.source import open_pdf, usable_pdf
from sheets import list_sheets
from storage.config import Config
from storage.files import FileStore, StoredFile
from worker.kinds.spreadsheets import sheet_limits


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
    return UploadInfo(ref, name, "sheet", pages=len(visible) or len(infos))
