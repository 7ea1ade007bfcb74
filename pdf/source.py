"""Opening a source PDF for print-prep and reading each page's visible box."""

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
)
from pdf.layout import PageBox, normalise_rotation
from pdf.limits import MAX_SOURCE_PAGES, over_pdf_limit

# What pypdf raises on a damaged file besides its own errors.
READ_ERRORS = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    RecursionError,
    zlib.error,
)


def read_failure(exc: BaseException, what: str, damaged: str) -> TeacherPrinterError:
    """The teacher's error for a read that failed on `what`: over a safety limit, or else `damaged`.

    pypdf raises its LimitReachedError (one of READ_ERRORS) for files too large or too deeply
    built to read safely; those are not damaged, and calling them so sends the teacher after
    the wrong fix.
    """
    if isinstance(exc, LimitReachedError):
        return over_pdf_limit(what, exc)
    return DamagedFile(damaged)


def open_source(src: Path) -> PdfReader:
    """Open `src` and its page list, or raise a teacher-facing error."""
    if not src.is_file():
        raise InputMissing(f"The file {src.name} is missing.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(src)
            if reader.is_encrypted and not reader.decrypt(""):
                raise PasswordRequired(f"{src.name} is protected by a password.")
            count = len(reader.pages)
    except DependencyError as exc:
        raise DamagedFile(f"{src.name} is stored in a way this server cannot read.") from exc
    except READ_ERRORS as exc:
        raise read_failure(exc, src.name, f"{src.name} is damaged and could not be read.") from exc
    if count == 0:
        raise EmptyDocument(f"{src.name} has no pages.")
    if count > MAX_SOURCE_PAGES:
        raise LimitExceeded(f"{src.name} has {count:,} pages; the limit is {MAX_SOURCE_PAGES:,}.")
    return reader


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
    reader = open_source(src)
    return [source_box(reader, i, src.name).size for i in range(len(reader.pages))]


def _box(rect: RectangleObject) -> tuple[float, float, float, float]:
    a, b, c, d = (float(v) for v in rect)
    return min(a, c), min(b, d), max(a, c), max(b, d)
