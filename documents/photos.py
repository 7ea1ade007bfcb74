"""Phone photos and scans (JPEG, PNG, HEIC, WebP, TIFF) into PDF pages, upright and print-sized.

Each photo is turned the way its camera says (EXIF orientation), put into sRGB from any colour
profile it carries, flattened onto white where it is transparent, and scaled down to the print
resolution of the space it gets on the page (never up). A JPEG that needs none of this goes into
the PDF as it is, byte for byte (img2pdf): no second loss of quality, and a small file.
"Clean up for printing" turns a photo of a paper worksheet into a clean grey page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.errors import ConversionFailed, LimitExceeded
from core.progress import ProgressCallback, no_progress
from pdf import limits
from pdf.layout import MM, PAPERS
from pdf.limits import MAX_PHOTO_PIXELS, MAX_SOURCE_PAGES

AS_THE_PHOTO = "photo"
PHOTO_PAPERS = (*PAPERS, AS_THE_PHOTO)
JPEG_QUALITY = 90


@dataclass(frozen=True)
class PhotoPage:
    """How a photo goes onto its page: the paper (or the photo's own size), margin, resolution."""

    paper: str = "A4"
    margin_mm: float = 10.0
    dpi: int = 300
    clean_up: bool = False


def photos_to_pdf(
    photos: Sequence[tuple[Path, str]],
    dest: Path,
    page: PhotoPage = PhotoPage(),
    progress: ProgressCallback = no_progress,
) -> int:
    """Write one page per photo (path, name as uploaded), in order, into `dest`; the page count."""
    import img2pdf

    images: list[bytes] = []
    sizes: list[tuple[float, float, float, float]] = []
    for number, (path, name) in enumerate(photos):
        progress(number, len(photos), f"Placing {name}")
        for data, (width_px, height_px) in pages_of(path, name, page):
            images.append(data)
            sizes.append(_placed(width_px, height_px, page))
    if len(images) > MAX_SOURCE_PAGES:
        raise LimitExceeded(
            f"These photos and scans make {len(images):,} pages; at most {MAX_SOURCE_PAGES:,} are taken."
        )
    progress(len(photos), len(photos), "Writing the PDF")
    boxes = iter(sizes)

    def layout(_w: int, _h: int, _dpi: object) -> tuple[float, float, float, float]:
        return next(boxes)  # img2pdf asks once per image, in order

    try:
        dest.write_bytes(img2pdf.convert(images, layout_fun=layout, rotation=img2pdf.Rotation.ifvalid))
    except (img2pdf.ImageOpenError, ValueError) as exc:
        raise ConversionFailed("One of the photos could not be placed on a page.") from exc
    return len(images)


def pages_of(path: Path, name: str, page: PhotoPage) -> list[tuple[bytes, tuple[int, int]]]:
    """Each page the picture makes (a scanned TIFF may hold several) as JPEG or PNG bytes ready to
    place: upright, sRGB, at most `page.dpi`; with its pixels."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    _register_heif()
    made = []
    try:
        with Image.open(path) as image:
            frames = getattr(image, "n_frames", 1) if image.format == "TIFF" else 1
            if frames > MAX_SOURCE_PAGES:
                raise LimitExceeded(f"{name} holds {frames:,} pages; at most {MAX_SOURCE_PAGES:,} are taken.")
            for frame in range(frames):
                image.seek(frame)
                width, height = image.size
                if width * height > MAX_PHOTO_PIXELS:
                    raise LimitExceeded(
                        f"{name} has {width * height / 1e6:,.0f} million pixels; photos of up to "
                        f"{MAX_PHOTO_PIXELS / 1e6:,.0f} million are taken.",
                        "Save it smaller on your phone or computer (most photo apps can: Resize or Export), "
                        "then upload that.",
                    )
                if frames == 1 and _as_it_is(image, page):
                    return [(path.read_bytes(), (width, height))]
                image.load()
                prepared = _in_srgb(ImageOps.exif_transpose(image) if frames == 1 else image.copy())
                made.append(_encoded(prepared, page))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow says a damaged or truncated picture in these ways
        raise ConversionFailed(
            f"{name} could not be read as a picture: it looks damaged, or it is not what its name says.",
            "Open it on your phone or computer, save or export it again, and upload that.",
        ) from exc
    return made


def _encoded(image: object, page: PhotoPage) -> tuple[bytes, tuple[int, int]]:
    from PIL import Image

    assert isinstance(image, Image.Image)
    image = _at_most(image, page)
    if page.clean_up:
        image = clean_up(image)
    buffer = io.BytesIO()
    if _looks_drawn(image):
        image.save(buffer, "PNG", optimize=True)
    else:
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue(), image.size


def _as_it_is(image: object, page: PhotoPage) -> bool:
    """A JPEG already upright, in plain RGB or grey, no larger than needed: placed byte for byte."""
    from PIL import Image

    assert isinstance(image, Image.Image)
    if image.format != "JPEG" or image.mode not in ("RGB", "L") or page.clean_up:
        return False
    if image.getexif().get(0x0112, 1) not in (1, None) or _foreign_profile(image.info.get("icc_profile")):
        return False
    left_w, left_h, box_w, box_h = _placed(*image.size, page)
    del left_w, left_h
    return max(image.size) <= max(box_w, box_h) / 72 * page.dpi * 1.05


def _foreign_profile(icc: bytes | None) -> bool:
    """A colour profile that is not sRGB (Display P3 on iPhones, Adobe RGB from cameras)."""
    return bool(icc) and b"sRGB" not in (icc or b"")[:512]


def _in_srgb(image: object) -> object:
    from PIL import Image, ImageCms

    assert isinstance(image, Image.Image)
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=mode)
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: the colours as they are are better than no photo
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, "white")
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    if image.mode not in ("RGB", "L"):
        return image.convert("RGB")
    return image


def _at_most(image: object, page: PhotoPage) -> object:
    """Scaled down (never up) to `page.dpi` at the size it is placed."""
    from PIL import Image

    assert isinstance(image, Image.Image)
    _pw, _ph, box_w, box_h = _placed(*image.size, page)
    most = (round(box_w / 72 * page.dpi), round(box_h / 72 * page.dpi))
    if image.width <= most[0] * 1.05 and image.height <= most[1] * 1.05:
        return image
    return image.resize(most, Image.Resampling.LANCZOS, reducing_gap=3.0)


def clean_up(image: object) -> object:
    """A photo of a paper worksheet as a clean page: grey, the paper white, the ink dark."""
    from PIL import ImageChops, ImageFilter, ImageOps

    grey = ImageOps.grayscale(image)  # type: ignore[arg-type]
    # The paper's own shade, lit unevenly across a phone photo, divided out.
    background = grey.resize((max(1, grey.width // 16), max(1, grey.height // 16))).filter(
        ImageFilter.MaxFilter(5)
    )
    background = background.resize(grey.size).filter(ImageFilter.GaussianBlur(8))
    flat = ImageChops.invert(ImageChops.subtract(background, grey))
    return ImageOps.autocontrast(flat, cutoff=(1, 1))


def _looks_drawn(image: object) -> bool:
    """A screenshot or a drawing (few colours) keeps its sharp edges as PNG; a photo goes as JPEG."""
    from PIL import Image

    assert isinstance(image, Image.Image)
    sample = image.copy()
    sample.thumbnail((256, 256))
    return sample.getcolors(maxcolors=256) is not None


def _placed(width_px: int, height_px: int, page: PhotoPage) -> tuple[float, float, float, float]:
    """Page width and height, then the photo's width and height on it, in points (img2pdf's layout)."""
    margin = page.margin_mm * MM
    if page.paper == AS_THE_PHOTO:
        w, h = width_px / page.dpi * 72, height_px / page.dpi * 72
        return w + 2 * margin, h + 2 * margin, w, h
    short, long = PAPERS[page.paper]
    page_w, page_h = (long, short) if width_px > height_px else (short, long)
    scale = min((page_w - 2 * margin) / width_px, (page_h - 2 * margin) / height_px)
    return page_w, page_h, width_px * scale, height_px * scale


def _register_heif() -> None:
    from PIL import Image
    from pillow_heif import register_heif_opener

    register_heif_opener()
    # Ours is the limit, said in words before decoding; Pillow's own stays as a second guard above it.
    Image.MAX_IMAGE_PIXELS = max(Image.MAX_IMAGE_PIXELS or 0, limits.MAX_PHOTO_PIXELS + 1)
