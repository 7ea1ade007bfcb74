"""A quick look at an uploaded file, for the page to show before anything is submitted."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from pypdf import PdfWriter

from storage.config import Config
from storage.files import FileStore, StoredFile
from worker.errors import PasswordRequired, TeacherPrinterError
from worker.pdf.inputs import open_pdf
from worker.zips import list_members


@dataclass(frozen=True)
class UploadInfo:
    """What a page shows about one upload: kind, pages, the PDFs inside a ZIP, any problem."""

    ref: str
    name: str
    kind: str
    pages: int | None = None
    members: list[tuple[str, str]] = field(default_factory=list)
    problem: str = ""
    needs_password: bool = False

    @property
    def usable(self) -> bool:
        """Whether it passed its check: it opened and holds something (a repaired PDF counts; a locked one not yet)."""
        return not self.needs_password and bool(self.pages or self.members)


def describe_upload(config: Config, ref: str, name: str) -> UploadInfo:
    """Open an uploaded PDF or ZIP just enough to count what is in it; never raises for bad files."""
    path = FileStore(config).resolve(ref)
    is_zip = name.lower().endswith(".zip")
    try:
        if is_zip:
            members = list_members(path, name)
            return UploadInfo(ref, name, "zip", members=[(m.name, m.display) for m in members])
        reader, _, repaired = open_pdf(path, name)
        note = "It was damaged; we will try to repair it." if repaired else ""
        return UploadInfo(ref, name, "pdf", pages=len(reader.pages), problem=note)
    except PasswordRequired as exc:
        return UploadInfo(ref, name, "pdf", problem=exc.message, needs_password=True)
    except TeacherPrinterError as exc:
        return UploadInfo(ref, name, "zip" if is_zip else "pdf", problem=exc.for_teacher())


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
