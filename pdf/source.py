"""Opening a PDF (real type check, empty-password decryption, recovery, page count) and reading each page's visible box."""

from __future__ import annotations

import warnings
import zlib
from pathlib import Path

from pypdf import PageObject, PdfReader
from pypdf.errors import DependencyError, LimitReachedError, PyPdfError
from pypdf.generic import IndirectObject, RectangleObject

from core.errors import (
    DamagedFile,
    EmptyDocument,
    InputMissing,
    LimitExceeded,
    PasswordRequired,
    TeacherPrinterError,
    UnsupportedFile,
)
from pdf.layout import PageBox, normalise_rotation
from pdf.limits import MAX_SOURCE_PAGES, over_pdf_limit

_PDF_MAGIC = b"%PDF-"
# The header may sit after some junk, as long as it is near the start.
_HEADER_WINDOW = 1024

# What pypdf and the parsing beneath it raise on a damaged file besides its own errors.
READ_ERRORS = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    AssertionError,
    RecursionError,
    NotImplementedError,
    zlib.error,
)
# On a teacher's file as it came (the first reading, the copy made of it), an OSError is damage too.
FIRST_READ_ERRORS = (*READ_ERRORS, OSError)


def read_failure(exc: BaseException, what: str, damaged: str) -> TeacherPrinterError:
    """The teacher's error for a read that failed on `what`: over a safety limit, or else `damaged`.

    pypdf raises its LimitReachedError (one of READ_ERRORS) for files too large or too deeply
    built to read safely; those are not damaged, and calling them so sends the teacher after
    the wrong fix.
    """
    if isinstance(exc, LimitReachedError):
        return over_pdf_limit(what, exc)
    return DamagedFile(damaged)


def looks_like_pdf(path: Path) -> bool:
    with open(path, "rb") as fh:
        return _PDF_MAGIC in fh.read(_HEADER_WINDOW)


def open_pdf(path: Path, display_name: str, password: str = "") -> tuple[PdfReader, bool, bool]:
    """Open a PDF for reading; returns (reader, decrypted, repaired) or raises a teacher-facing error.

    Strictly first; a file that only a lenient reading opens counts as repaired.
    """
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
    except FIRST_READ_ERRORS:
        pass
    try:
        reader, decrypted = _read(path, display_name, password, strict=False)
    except (PasswordRequired, DamagedFile):
        raise
    except FIRST_READ_ERRORS as exc:
        # What pypdf said goes into the details (the chained cause), not into the teacher's words.
        raise read_failure(exc, display_name, f"{display_name} is damaged and could not be read.") from exc
    return reader, decrypted, True


def _read(path: Path, display_name: str, password: str, strict: bool) -> tuple[PdfReader, bool]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
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
        except DependencyError as exc:
            raise DamagedFile(f"{display_name} is stored in a way this server cannot read.") from exc
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


def open_source(src: Path) -> PdfReader:
    """Open `src` and its page list (`usable_pdf` under the file's own name), or raise a teacher-facing error."""
    if not src.is_file():
        raise InputMissing(f"The file {src.name} is missing.")
    return usable_pdf(src, src.name)[0]


def page_box(page: PageObject) -> PageBox:
    """The page's visible box (its crop box, kept inside the media box) and its rotation."""
    media = _box(page.mediabox)
    crop = _box(page.cropbox)
    x0, y0 = max(media[0], crop[0]), max(media[1], crop[1])
    x1, y1 = min(media[2], crop[2]), min(media[3], crop[3])
    if x1 - x0 < 1 or y1 - y0 < 1:
        # A crop box outside the media box is ignored by readers; do the same.
        x0, y0, x1, y1 = media
    if x1 - x0 < 1 or y1 - y0 < 1:
        raise ValueError("page has no area")
    rotate = page.get_inherited("/Rotate", 0)
    rotate = rotate.get_object() if isinstance(rotate, IndirectObject) else rotate
    return PageBox(x0, y0, x1, y1, normalise_rotation(float(rotate or 0)))


def source_box(reader: PdfReader, index: int, name: str) -> PageBox:
    """`page_box` of page `index`, or DamagedFile naming the page."""
    try:
        return page_box(reader.pages[index])
    except READ_ERRORS as exc:
        raise read_failure(
            exc,
            f"Page {index + 1} of {name}",
            f"Page {index + 1} of {name} is damaged: its size cannot be read.",
        ) from exc


def read_page_sizes(src: Path) -> list[tuple[float, float]]:
    """Width and height in points of every page as displayed, for planning without writing a file."""
    return page_sizes(open_source(src), src.name)


def page_sizes(reader: PdfReader, name: str) -> list[tuple[float, float]]:
    """Width and height in points of every page of an open file, as displayed."""
    return [source_box(reader, i, name).size for i in range(len(reader.pages))]


def _box(rect: RectangleObject) -> tuple[float, float, float, float]:
    a, b, c, d = (float(v) for v in rect)
    return min(a, c), min(b, d), max(a, c), max(b, d)
