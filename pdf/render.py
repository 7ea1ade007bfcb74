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
