"""Checking teachers' PDFs before a job: opened as `pdf.source.usable_pdf` opens them, with a decrypted or repaired copy where one is needed."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.errors import LimitReachedError

from core.errors import DamagedFile
from core.files import atomic_path
from pdf.limits import over_pdf_limit
from pdf.source import FIRST_READ_ERRORS, usable_pdf

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
    except FIRST_READ_ERRORS:
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
            except FIRST_READ_ERRORS:
                lost.append(number)
        if len(writer.pages) == 0:
            raise DamagedFile(f"{display_name} is too damaged: none of its pages could be read.")
        try:
            with atomic_path(dest) as tmp:
                writer.write(tmp)
        except LimitReachedError as exc:
            raise over_pdf_limit(display_name, exc) from exc
        except FIRST_READ_ERRORS as exc:
            raise DamagedFile(f"{display_name} is too damaged to be copied.") from exc
    return lost
