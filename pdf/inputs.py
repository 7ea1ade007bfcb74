"""Opening teachers' PDFs: real type check, empty-password decryption, recovery, page counts."""

from __future__ import annotations

import logging
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.errors import DependencyError, LimitReachedError, PyPdfError

from core.errors import DamagedFile, EmptyDocument, LimitExceeded, PasswordRequired, UnsupportedFile
from core.files import atomic_path
from pdf.limits import MAX_SOURCE_PAGES, over_pdf_limit

_PDF_MAGIC = b"%PDF-"
# The header may sit after some junk, as long as it is near the start.
_HEADER_WINDOW = 1024

# What pypdf and the parsing beneath it raise on a damaged file.
_READ_ERRORS = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    AssertionError,
    RecursionError,
    zlib.error,
    OSError,
    NotImplementedError,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckedPdf:
    """A PDF that opened: where it is, how many pages, what was done to it."""

    path: Path
    pages: int
    decrypted: bool = False
    repaired: bool = False
    lost_pages: tuple[int, ...] = ()

    def note(self, display_name: str) -> str:
        """A sentence for the teacher when the file needed repair, else empty."""
        if self.lost_pages:
            listed = ", ".join(map(str, self.lost_pages[:20])) + (" …" if len(self.lost_pages) > 20 else "")
            return (
                f"{display_name} was damaged: page{'s' if len(self.lost_pages) > 1 else ''} {listed} could not "
                "be read and were left out."
            )
        if self.repaired:
            return f"{display_name} was slightly damaged and has been repaired; check the result."
        return ""


def looks_like_pdf(path: Path) -> bool:
    with open(path, "rb") as fh:
        return _PDF_MAGIC in fh.read(_HEADER_WINDOW)


def open_pdf(path: Path, display_name: str, password: str = "") -> tuple[PdfReader, bool, bool]:
    """Open a PDF for reading; returns (reader, decrypted, repaired) or raises a teacher-facing error."""
    if path.stat().st_size == 0:
        raise EmptyDocument(f"{display_name} is empty (0 bytes).", "Upload the file again.")
    if not looks_like_pdf(path):
        raise UnsupportedFile(f"{display_name} is not a PDF, even though its name may say so.")
    try:
        reader, decrypted = _read(path, display_name, password, strict=True)
        return reader, decrypted, False
    except (PasswordRequired, DamagedFile):
        raise
    except LimitReachedError as exc:
        # Not damage: a lenient second reading would only go over the same limit, more slowly.
        raise over_pdf_limit(display_name, exc) from exc
    except _READ_ERRORS:
        pass
    try:
        reader, decrypted = _read(path, display_name, password, strict=False)
    except (PasswordRequired, DamagedFile):
        raise
    except LimitReachedError as exc:
        raise over_pdf_limit(display_name, exc) from exc
    except _READ_ERRORS as exc:
        # What pypdf said goes into the details (the chained cause), not into the teacher's words.
        raise DamagedFile(f"{display_name} is damaged and could not be read.") from exc
    return reader, decrypted, True


def _read(path: Path, display_name: str, password: str, strict: bool) -> tuple[PdfReader, bool]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = PdfReader(path, strict=strict)
        decrypted = False
        if reader.is_encrypted:
            try:
                ok = reader.decrypt(password)
            except DependencyError as exc:
                raise DamagedFile(f"{display_name} uses an encryption this server cannot open.") from exc
            if not ok:
                raise PasswordRequired(f"{display_name} is protected by a password.")
            decrypted = True
        # Walk the page tree now so that damage shows up here, not halfway through a job.
        _ = len(reader.pages)
    return reader, decrypted


def usable_pdf(path: Path, display_name: str, password: str = "") -> tuple[PdfReader, bool, bool]:
    """`open_pdf`, then the page count every job needs: what the upload page and the job's check both run."""
    reader, decrypted, repaired = open_pdf(path, display_name, password)
    pages = len(reader.pages)
    if pages == 0:
        raise EmptyDocument(f"{display_name} has no pages.")
    if pages > MAX_SOURCE_PAGES:
        raise LimitExceeded(
            f"{display_name} has {pages:,} pages; the limit is {MAX_SOURCE_PAGES:,}.",
            f"Split it into parts of at most {MAX_SOURCE_PAGES:,} pages on your computer and use them one "
            "at a time.",
        )
    return reader, decrypted, repaired


def check_pdf(path: Path, display_name: str, normalised: Path, password: str = "") -> CheckedPdf:
    """Check one PDF; write a decrypted or repaired copy to `normalised` when one is needed."""
    reader, decrypted, repaired = usable_pdf(path, display_name, password)
    pages = len(reader.pages)
    if not (decrypted or repaired):
        return CheckedPdf(path, pages)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            writer = PdfWriter(clone_from=reader)
            with atomic_path(normalised) as tmp:
                writer.write(tmp)
        lost: list[int] = []
    except _READ_ERRORS:
        # Whole-document copy failed on a damaged object: keep every page that still reads.
        lost = _copy_readable_pages(reader, normalised, display_name)
    log.info(
        "normalised %s (decrypted=%s repaired=%s lost=%s)", normalised.name, decrypted, repaired, len(lost)
    )
    return CheckedPdf(normalised, pages - len(lost), decrypted, repaired, tuple(lost))


def _copy_readable_pages(reader: PdfReader, dest: Path, display_name: str) -> list[int]:
    """Write the pages that can be read to `dest`; return the 1-based numbers of those that cannot."""
    lost = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        writer = PdfWriter()
        for number, page in enumerate(reader.pages, start=1):
            try:
                writer.add_page(page)
            except _READ_ERRORS:
                lost.append(number)
        if len(writer.pages) == 0:
            raise DamagedFile(f"{display_name} is too damaged: none of its pages could be read.")
        try:
            with atomic_path(dest) as tmp:
                writer.write(tmp)
        except LimitReachedError as exc:
            raise over_pdf_limit(display_name, exc) from exc
        except _READ_ERRORS as exc:
            raise DamagedFile(f"{display_name} is too damaged to be copied.") from exc
    return lost
