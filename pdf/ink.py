"""How much toner each page takes, and whether it prints in colour: each page rendered small by
pdfium, in a worker's look (never in the web process).

Coverage is the page's mean darkness (0: white paper, 1: solid black), as toner makers count
"5 % coverage" pages. A page is in colour when more than a trace of its pixels has a colour
(a pixel whose channels differ by more than CHROMA_MIN). A long file is sampled: SAMPLE_PAGES
pages spread over it stand for the rest (bench/bench_cost.py measures the error this makes).
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from PIL import ImageChops, ImageStat

from pdf.cost import InkReport, PageInk

RENDER_WIDTH_PX = 60  # about 7 dpi on A4: enough for the mean, not for reading
SAMPLE_PAGES = 60
CHROMA_MIN = 48
COLOUR_SHARE_MIN = 0.002  # of a page's pixels


def page_ink(src: Path, sample_pages: int = SAMPLE_PAGES, width_px: int = RENDER_WIDTH_PX) -> InkReport:
    """Coverage and colour of every page of `src` (a long file: of a sample, spread over it)."""
    document = pdfium.PdfDocument(str(src))
    try:
        count = len(document)
        if count <= sample_pages:
            chosen = list(range(count))
        else:
            chosen = sorted({round(k * (count - 1) / (sample_pages - 1)) for k in range(sample_pages)})
        measured = {index: _measure(document[index], width_px) for index in chosen}
    finally:
        document.close()
    # Each page not rendered takes the nearest rendered page's figures.
    pages = [measured[min(chosen, key=lambda m, i=i: abs(m - i))] for i in range(count)] if chosen else []
    return InkReport(pages, len(chosen))


def _measure(page: pdfium.PdfPage, width_px: int) -> PageInk:
    scale = width_px / max(1.0, page.get_width())
    image = page.render(scale=scale).to_pil().convert("RGB")
    grey = image.convert("L")
    coverage = 1 - ImageStat.Stat(grey).mean[0] / 255
    r, g, b = image.split()
    chroma = ImageChops.subtract(ImageChops.lighter(ImageChops.lighter(r, g), b),
                                 ImageChops.darker(ImageChops.darker(r, g), b))  # fmt: skip
    coloured = sum(chroma.histogram()[CHROMA_MIN:])
    return PageInk(max(0.0, coverage), coloured > COLOUR_SHARE_MIN * image.width * image.height)
