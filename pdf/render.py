"""Pictures of PDF pages (pdfium), for previews."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium


def render_page_png(pdf: Path, index: int, width_px: int) -> bytes:
    """Render one page of a PDF to PNG bytes at the given width."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[index]
        scale = width_px / page.get_width()
        image = page.render(scale=scale).to_pil()
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        return buffer.getvalue()
    finally:
        document.close()


def first_pages(src: Path, indexes: list[int], dest: Path) -> int | None:
    """Copy pages of `src` (0-based, in this order) into `dest`; the page count of `src`.

    pdfium reads only what those pages need, so a preview of a long document does not wait
    for the whole file to be parsed. None when pdfium cannot open the file (the caller then
    reads it the slow way, as the job will).
    """
    try:
        document = pdfium.PdfDocument(str(src))
    except pdfium.PdfiumError:
        return None
    try:
        count = len(document)
        if indexes:
            subset = pdfium.PdfDocument.new()
            try:
                subset.import_pages(document, [i for i in indexes if 0 <= i < count])
                subset.save(str(dest))
            finally:
                subset.close()
        return count
    finally:
        document.close()


def page_count(src: Path) -> int | None:
    """The pages of `src` as pdfium counts them (quickly), or None when it cannot open it."""
    return first_pages(src, [], src)


def quick_sizes(src: Path) -> list[tuple[float, float]] | None:
    """Width and height in points of every page as displayed, as pdfium reads them without
    parsing the whole file; None when it cannot open it (damaged, or locked by a password)."""
    try:
        document = pdfium.PdfDocument(str(src))
    except pdfium.PdfiumError:
        return None
    try:
        # pdfium keeps sizes as 32-bit floats: 595.28 comes back as 595.2800293.
        return [(round(w, 2), round(h, 2)) for w, h in map(document.get_page_size, range(len(document)))]
    except pdfium.PdfiumError:  # a page it cannot read: the full check names it
        return None
    finally:
        document.close()
