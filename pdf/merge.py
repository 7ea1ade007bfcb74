"""Merging PDFs in the teacher's order."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader, PdfWriter

from core.files import atomic_path
from core.progress import ProgressCallback, no_progress


def merge_pdfs(sources: list[Path], out: Path, progress: ProgressCallback = no_progress) -> int:
    """Append every page of `sources`, in order, into `out`; returns the page count."""
    readers = [PdfReader(path) for path in sources]
    total = sum(len(r.pages) for r in readers)
    # Writing the file takes about as long as a third of the adding: keep room for it.
    scale = total + total // 3 + 1
    writer = PdfWriter()
    done = 0
    for index, reader in enumerate(readers, start=1):
        for page in reader.pages:
            writer.add_page(page)
            done += 1
            progress(done, scale, f"Adding page {done} of {total} (file {index} of {len(readers)})")
    progress(total, scale, "Saving the merged PDF")
    with atomic_path(out) as tmp:
        writer.write(tmp)
    progress(scale, scale, "Saved")
    return total
