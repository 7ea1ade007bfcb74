"""Compress: make a PDF smaller, losslessly, and optionally by lowering the resolution of its images.

Always: uncompressed streams (and those stored in text or LZW encodings) are
Flate-compressed, identical objects are stored once, unreferenced ones dropped.
With `image_dpi`: each photo or scan drawn at more than that resolution (measured
where the page actually draws it, at its largest use) is resampled down to it
and stored as JPEG. An image that would grow is left as it was, and so is the
whole file: when the result is not smaller, the original is delivered unchanged.
"""

from __future__ import annotations

import io
import logging
import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from pypdf import PdfWriter
from pypdf.errors import DependencyError
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    EncodedStreamObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from core.files import atomic_path
from core.progress import ProgressCallback, no_progress
from pdf.layout import Matrix
from pdf.source import READ_ERRORS, open_source, read_failure

MIN_IMAGE_DPI, MAX_IMAGE_DPI = 50, 600
# Images already within this factor of the target are left alone: resampling them gains little.
DOWNSAMPLE_THRESHOLD = 1.25
JPEG_QUALITY = 80
# Nested forms followed when measuring where images are drawn.
MAX_FORM_DEPTH = 8
# Filters that only spell bytes out (text encodings, LZW, run-length): lossless to replace by Flate.
_RECODABLE = {
    "/ASCIIHexDecode",
    "/AHx",
    "/ASCII85Decode",
    "/A85",
    "/LZWDecode",
    "/LZW",
    "/RunLengthDecode",
    "/RL",
}
_COLOUR_SPACES = {"/DeviceGray": "L", "/CalGray": "L", "/DeviceRGB": "RGB", "/CalRGB": "RGB"}
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompressResult:
    """Sizes before and after, and what was done."""

    before_bytes: int
    after_bytes: int
    kept_original: bool  # the compressed file was not smaller, so `out` is a copy of the original
    images_downsampled: int


def compress(
    src: Path,
    out: Path,
    image_dpi: int | None = None,
    progress: ProgressCallback = no_progress,
    name: str | None = None,
) -> CompressResult:
    """Write a smaller copy of `src` to `out` (or `src` itself when nothing smaller comes out)."""
    name = name or src.name
    if image_dpi is not None and not MIN_IMAGE_DPI <= image_dpi <= MAX_IMAGE_DPI:
        raise ValueError(f"image_dpi must be between {MIN_IMAGE_DPI} and {MAX_IMAGE_DPI}, not {image_dpi!r}")
    before = src.stat().st_size
    reader = open_source(src)
    pages = len(reader.pages)
    total = pages + 3
    try:
        writer = PdfWriter(clone_from=reader)
        downsampled = 0
        if image_dpi is not None:
            uses = _image_uses(writer, progress, total)
            progress(pages, total, "Resampling images")
            downsampled = sum(_downsample(writer, ref, size, image_dpi) for ref, size in uses.items())
        progress(pages + 1, total, "Compressing")
        _flate_streams(writer)
        writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
        progress(pages + 2, total, "Saving the file")
        with atomic_path(out) as tmp:
            writer.write(tmp)
            after = tmp.stat().st_size
            kept = after >= before
            if kept:
                shutil.copyfile(src, tmp)
                after = before
    except READ_ERRORS as exc:
        raise read_failure(exc, name, f"{name} is damaged and could not be compressed.") from exc
    progress(total, total, "Done")
    return CompressResult(before, after, kept, downsampled)


def _flate_streams(writer: PdfWriter) -> None:
    for number, obj in enumerate(writer._objects, start=1):
        if not isinstance(obj, StreamObject) or obj.get("/Type") == "/Metadata":
            continue
        filters = obj.get("/Filter")
        filters = filters.get_object() if filters is not None else None
        chain = (
            list(filters) if isinstance(filters, ArrayObject) else [filters] if filters is not None else []
        )
        if not all(f in _RECODABLE for f in chain):
            continue
        try:
            data = obj.get_data()
        except READ_ERRORS as exc:
            log.info("left stream %s as it was: it could not be decoded (%s)", number, exc)
            continue
        plain = DecodedStreamObject()
        plain.update({k: v for k, v in obj.items() if k not in ("/Filter", "/DecodeParms", "/Length")})
        plain.set_data(data)
        packed = plain.flate_encode(level=9)
        if len(packed._data) < len(obj._data):
            writer._replace_object(number, packed)


def _image_uses(
    writer: PdfWriter, progress: ProgressCallback, total: int
) -> dict[IndirectObject, tuple[float, float]]:
    """For each image XObject drawn by a page, the largest width and height (in points) it is drawn at."""
    largest: dict[IndirectObject, tuple[float, float]] = {}
    for number, page in enumerate(writer.pages, start=1):
        resources = page.get_inherited("/Resources", None)
        for ref, (w, h) in _draws(page, resources, _IDENTITY, 0):
            old = largest.get(ref, (0.0, 0.0))
            largest[ref] = (max(old[0], w), max(old[1], h))
        progress(number, total, f"Measuring images on page {number} of {len(writer.pages)}")
    return largest


def _draws(
    content: StreamObject | DictionaryObject, resources: object, ctm: Matrix, depth: int
) -> Iterator[tuple[IndirectObject, tuple[float, float]]]:
    """Each image drawn by `content` (a page or a form) and the size it lands at, following nested forms."""
    resources = resources.get_object() if resources is not None else None
    xobjects = resources.get("/XObject") if isinstance(resources, DictionaryObject) else None
    xobjects = xobjects.get_object() if xobjects is not None else None
    if not isinstance(xobjects, DictionaryObject) or not xobjects:
        return
    if isinstance(content, StreamObject):
        stream = ContentStream(
            content, content.indirect_reference.pdf if content.indirect_reference else None
        )
    else:
        data = content.get_contents()
        if data is None:
            return
        stream = data
    stack: list[Matrix] = []
    for operands, operator in stream.operations:
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q":
            ctm = stack.pop() if stack else ctm
        elif operator == b"cm" and len(operands) == 6:
            ctm = _multiply(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
        elif operator == b"Do" and operands:
            ref = xobjects.get(operands[0])
            if not isinstance(ref, IndirectObject):
                continue
            obj = ref.get_object()
            subtype = obj.get("/Subtype")
            if subtype == "/Image":
                a, b, c, d, _, _ = ctm
                yield ref, (math.hypot(a, b), math.hypot(c, d))
            elif subtype == "/Form" and depth < MAX_FORM_DEPTH:
                matrix = obj.get("/Matrix")
                form_ctm = _multiply(tuple(float(v) for v in matrix), ctm) if matrix else ctm  # type: ignore[arg-type]
                # A form without resources of its own uses those of the page that draws it.
                yield from _draws(obj, obj.get("/Resources", resources), form_ctm, depth + 1)


def _downsample(writer: PdfWriter, ref: IndirectObject, drawn: tuple[float, float], dpi: int) -> bool:
    """Resample the image `ref` to `dpi` at its largest drawn size; True when it was replaced."""
    obj = ref.get_object()
    if not _resamplable(obj):
        return False
    width, height = int(obj["/Width"]), int(obj["/Height"])
    inches = (drawn[0] / 72, drawn[1] / 72)
    if min(inches) <= 0:
        return False
    current = min(width / inches[0], height / inches[1])
    if current <= dpi * DOWNSAMPLE_THRESHOLD:
        return False
    factor = dpi / current
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    try:
        image = _decode(obj)
    except (DependencyError, OSError, *READ_ERRORS) as exc:
        log.info("left image %s as it was: it could not be decoded (%s)", ref.idnum, exc)
        return False
    if image.mode not in ("L", "RGB"):
        return False
    small = image.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    data = buffer.getvalue()
    if len(data) >= len(obj._data):
        return False
    new = EncodedStreamObject()
    new.update(
        {k: v for k, v in obj.items() if k not in ("/Filter", "/DecodeParms", "/Length", "/SMaskInData")}
    )
    new[NameObject("/Filter")] = NameObject("/DCTDecode")
    new[NameObject("/Width")] = NumberObject(size[0])
    new[NameObject("/Height")] = NumberObject(size[1])
    new[NameObject("/BitsPerComponent")] = NumberObject(8)
    if _mode_of_space(obj) != image.mode:
        new[NameObject("/ColorSpace")] = NameObject("/DeviceGray" if image.mode == "L" else "/DeviceRGB")
    new._data = data
    writer._replace_object(ref, new)
    return True


def _resamplable(obj: object) -> bool:
    """Photos and scans in grey or RGB, 8 bits; masks, 1-bit scans and unusual colour set-ups are left alone."""
    if not isinstance(obj, StreamObject) or obj.get("/Subtype") != "/Image" or obj.get("/ImageMask"):
        return False
    if "/Decode" in obj or obj.get("/SMaskInData"):
        return False
    filters = obj.get("/Filter")
    chain = list(filters) if isinstance(filters, ArrayObject) else [filters] if filters is not None else []
    if any(f in ("/JBIG2Decode", "/CCITTFaxDecode") for f in chain):
        return False
    if "/JPXDecode" in chain and "/ColorSpace" not in obj:
        return True
    if obj.get("/BitsPerComponent") != 8 and "/JPXDecode" not in chain:
        return False
    return _mode_of_space(obj) is not None


def _decode(obj: StreamObject) -> Image.Image:
    # Decoded without its masks: they stay as they are, referenced from the new image.
    plain = EncodedStreamObject()
    plain.update({k: v for k, v in obj.items() if k not in ("/SMask", "/Mask")})
    plain._data = obj._data
    image = plain.decode_as_image()
    if image.mode == "RGBA":
        image = image.convert("RGB")
    return image


def _mode_of_space(obj: StreamObject) -> str | None:
    """The Pillow mode ("L" or "RGB") whose samples the image's colour space takes as they are, if any."""
    mode = _COLOUR_SPACES.get(_space_name(obj))
    if mode is None:
        mode = {1: "L", 3: "RGB"}.get(_icc_components(obj) or 0)
    return mode


def _space_name(obj: StreamObject) -> str:
    space = obj.get("/ColorSpace")
    space = space.get_object() if space is not None else None
    if isinstance(space, ArrayObject) and space:
        return str(space[0])
    return str(space) if space is not None else ""


def _icc_components(obj: StreamObject) -> int | None:
    space = obj.get("/ColorSpace")
    space = space.get_object() if space is not None else None
    if isinstance(space, ArrayObject) and len(space) == 2 and space[0] == "/ICCBased":
        profile = space[1].get_object()
        return int(profile.get("/N", 0)) if isinstance(profile, DictionaryObject) else None
    return None


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    return (
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    )
