"""Trim white margins: each page's crop box drawn in to what is printed on it, plus a small margin,
so that a page placed 4 to a sheet prints larger. Nothing is cut off and nothing is rasterised:
the page is only shown through a smaller window.

What is printed is found by rendering the page small with pdfium (in a worker, never in the web
process): at 72 dpi a pixel is 0.35 mm, so the box is found to within a pixel of it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium

from core.errors import DamagedFile
from core.files import atomic_path
from core.progress import ProgressCallback, no_progress
from pdf.layout import MM

TRIM_MARGIN_MM = 3.0
FIND_DPI = 72
WHITE = 250  # a pixel lighter than this in every channel is paper
MIN_SAVING_MM = 2.0  # a page whose margins are all narrower than this is left as it is

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in the page's own units


@dataclass(frozen=True)
class TrimResult:
    pages: int
    trimmed_pages: int


def content_box(page: pdfium.PdfPage, dpi: int = FIND_DPI) -> Box | None:
    """The box of what is printed on `page`, in its own coordinates (None: a blank page)."""
    scale = dpi / 72
    # Rendered as the page's content lies, without its /Rotate, so pixels map straight to points.
    rotation = page.get_rotation()
    bitmap = page.render(scale=scale, rotation=(360 - rotation) % 360, grayscale=True)
    image = bitmap.to_pil().convert("L")
    ink = image.point(lambda v: 255 if v < WHITE else 0)
    found = ink.getbbox()
    if found is None:
        return None
    left, top, right, bottom = found
    x0, _, _, y1 = page.get_cropbox()
    return (x0 + left / scale, y1 - bottom / scale, x0 + right / scale, y1 - top / scale)


def trim_margins(
    src: Path,
    out: Path,
    per_page: bool = True,
    margin_mm: float = TRIM_MARGIN_MM,
    progress: ProgressCallback = no_progress,
    name: str = "",
) -> TrimResult:
    """Write `src` to `out` with every page's crop box drawn in to its printed content plus
    `margin_mm`; with `per_page` False, one box for all the file's pages (they keep one size)."""
    label = name or src.name
    try:
        document = pdfium.PdfDocument(str(src))
    except pdfium.PdfiumError as exc:
        raise DamagedFile(f"{label} could not be read to trim its margins.") from exc
    try:
        count = len(document)
        boxes: list[Box | None] = []
        crops: list[Box] = []
        for index in range(count):
            progress(index, count, f"Finding the margins of page {index + 1} of {count}")
            page = document[index]
            crops.append(tuple(page.get_cropbox()))  # type: ignore[arg-type]
            boxes.append(content_box(page))
    finally:
        document.close()
    margin = margin_mm * MM
    if not per_page and any(boxes):
        found = [b for b in boxes if b is not None]
        union = (
            min(b[0] for b in found),
            min(b[1] for b in found),
            max(b[2] for b in found),
            max(b[3] for b in found),
        )
        boxes = [union if b is not None else None for b in boxes]
    new_boxes = [_grown(box, crop, margin) if box else None for box, crop in zip(boxes, crops, strict=True)]
    trimmed = [
        i for i, (box, crop) in enumerate(zip(new_boxes, crops, strict=True)) if box and _saves(box, crop)
    ]
    if not trimmed:
        shutil.copyfile(src, out)
        return TrimResult(count, 0)
    with pikepdf.open(src) as pdf:
        for index in trimmed:
            box = new_boxes[index]
            assert box is not None
            pdf.pages[index].obj.CropBox = pikepdf.Array([round(v, 3) for v in box])
        with atomic_path(out) as tmp:
            pdf.save(tmp)
    progress(count, count, "Margins trimmed")
    return TrimResult(count, len(trimmed))


def _grown(box: Box, crop: Box, margin: float) -> Box:
    """`box` with `margin` around it, kept inside the page's visible box."""
    return (
        max(crop[0], box[0] - margin),
        max(crop[1], box[1] - margin),
        min(crop[2], box[2] + margin),
        min(crop[3], box[3] + margin),
    )


def _saves(box: Box, crop: Box) -> bool:
    least = MIN_SAVING_MM * MM
    return any(
        gap >= least for gap in (box[0] - crop[0], box[1] - crop[1], crop[2] - box[2], crop[3] - box[3])
    )
