"""A quick look at an uploaded file, for the page to show before anything is submitted."""

from __future__ import annotations

from dataclasses import dataclass, field

from storage.config import Config
from storage.files import FileStore
from worker.errors import TeacherPrinterError
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
    except TeacherPrinterError as exc:
        return UploadInfo(ref, name, "zip" if is_zip else "pdf", problem=exc.for_teacher())
