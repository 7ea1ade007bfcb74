"""Any file a teacher brings into one PDF: the entry point the job steps and the looks call."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.errors import ConversionFailed, EmptyDocument, LimitExceeded, PasswordRequired
from documents.formats import OFFICE, PDF, Format, is_photo_name, is_slides_name, named_format, what_is
from documents.office import LOCKED_HINT, office_to_pdf
from documents.photos import PhotoPage, photos_to_pdf
from pdf.limits import MAX_SOURCE_PAGES


@dataclass(frozen=True)
class Conversion:
    """What a tool asks of the conversion: how photos go onto pages, and slides with their notes."""

    photo: PhotoPage = field(default_factory=PhotoPage)
    speaker_notes: bool = False

    def as_by_default(self, name: str) -> bool:
        """Whether the file uploaded as `name` converts as the page's look converted it (the
        defaults): photo choices matter for photos only, speaker notes for slides only."""
        default = Conversion()
        if is_photo_name(name):
            return self.photo == default.photo
        return not (is_slides_name(name) and self.speaker_notes)


@dataclass(frozen=True)
class Converter:
    """Where and how long LibreOffice may run for one worker: its profile folder, time and memory."""

    profile: Path
    timeout_s: float
    memory_mb: int | None = None


def to_pdf(path: Path, name: str, dest: Path, converter: Converter, asked: Conversion | None = None) -> int:
    """Turn the document or photo `path` (uploaded as `name`) into the PDF `dest`; its page count."""
    asked = asked or Conversion()
    fmt = format_of(path, name)
    if fmt.route == PDF:
        raise ConversionFailed(f"{name} is a PDF already.")  # callers pass PDFs on as they are
    if fmt.key == "pptx" and not _has_slides(path):
        raise EmptyDocument(f"{name} has nothing to print: it has no slides.")
    if fmt.route == OFFICE:
        office_to_pdf(
            path,
            name,
            fmt.suffixes[0],
            dest,
            converter.profile,
            converter.timeout_s,
            converter.memory_mb,
            notes=asked.speaker_notes and fmt.slides,
        )
    else:
        photos_to_pdf([(path, name)], dest, asked.photo)
    return _counted(dest, name)


def format_of(path: Path, name: str) -> Format:
    """What the file is, by its content; refused in words when it is nothing we can use."""
    found = what_is(path)
    if found.locked:
        raise PasswordRequired(f"{name} is protected by a password.", LOCKED_HINT)
    if found.format is None:
        named = named_format(name)
        said = (
            f"{name} is not {named.words}, even though its name says so"
            if named
            else f"{name} is not a file we know"
        )
        raise ConversionFailed(
            f"{said}: it is not a PDF, a Word, PowerPoint or OpenDocument file, nor a photo.",
            "Open it on your computer to check it, save it as a PDF there, and upload that.",
        )
    return found.format


def _counted(dest: Path, name: str) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        pages = len(PdfReader(dest).pages)
    except (PdfReadError, OSError, ValueError) as exc:
        raise ConversionFailed(f"{name} could not be turned into a usable PDF.") from exc
    if pages == 0:
        raise EmptyDocument(f"{name} has nothing to print: it became a PDF without pages.")
    if pages > MAX_SOURCE_PAGES:
        raise LimitExceeded(
            f"{name} makes {pages:,} pages; files of up to {MAX_SOURCE_PAGES:,} pages are taken."
        )
    return pages


def _has_slides(path: Path) -> bool:
    import re
    import zipfile

    with zipfile.ZipFile(path) as package:
        return any(re.fullmatch(r"ppt/slides/slide\d+\.xml", n) for n in package.namelist())
