"""Small pictures of pages, for the page organizer and a result's "Look through": drawn by pdfium
in a worker's look, a batch at a time, into a folder of files named by page.

A page already drawn is never drawn again; a page pdfium cannot draw (damaged, or beyond what
one page may take) is recorded as failed, and the organizer shows a plain placeholder for it.
The web app reads the folder (`drawn`, `thumb_path`) without loading pdfium: it is imported
only where pages are drawn.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.files import atomic_write_bytes
from core.progress import ProgressCallback, no_progress

THUMB_WIDTH_PX = 200  # drawn at about 100 CSS pixels wide, sharp on a high-density screen too
JPEG_QUALITY = 70
# A page larger than this once drawn (a poster-sized page at thumbnail width stays far below it)
# would take more memory than a picture should: it gets the placeholder.
MAX_THUMB_PIXELS = 4_000_000
FAILED = ".failed"


def thumb_path(folder: Path, index: int) -> Path:
    """Where page `index` (0-based) is drawn."""
    return folder / f"{index:05d}.jpg"


def drawn(folder: Path, index: int) -> bool | None:
    """True once page `index` is drawn, False if it could not be, None while it is not yet."""
    if thumb_path(folder, index).is_file():
        return True
    if thumb_path(folder, index).with_suffix(FAILED).is_file():
        return False
    return None


def draw_thumbnails(
    src: Path,
    pages: Sequence[int],
    folder: Path,
    width_px: int = THUMB_WIDTH_PX,
    progress: ProgressCallback = no_progress,
) -> dict[int, bool]:
    """Draw pages `pages` (0-based) of `src` into `folder`, skipping those drawn already; for each
    page, whether it has a picture."""
    folder.mkdir(parents=True, exist_ok=True)
    done: dict[int, bool] = {}
    wanted = []
    for index in pages:
        known = drawn(folder, index)
        if known is None:
            wanted.append(index)
        else:
            done[index] = known
    if not wanted:
        return done
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(src))
    try:
        count = len(document)
        for number, index in enumerate(wanted, start=1):
            done[index] = index < count and _draw(document, index, folder, width_px)
            progress(number, len(wanted), f"Drawing page {index + 1}")
    finally:
        document.close()
    return done


def _draw(document: Any, index: int, folder: Path, width_px: int) -> bool:
    import pypdfium2 as pdfium

    try:
        page = document[index]
        width, height = page.get_size()  # as displayed: /Rotate applied
        scale = width_px / max(1.0, width)
        if width_px * height * scale > MAX_THUMB_PIXELS:
            raise ValueError("the page is too tall to draw")
        image = page.render(scale=scale, may_draw_forms=True).to_pil().convert("RGB")
    except (pdfium.PdfiumError, ValueError, MemoryError):
        atomic_write_bytes(thumb_path(folder, index).with_suffix(FAILED), b"")
        return False
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    atomic_write_bytes(thumb_path(folder, index), buffer.getvalue())
    return True
