"""Compress: lossless clean-up always, image downsampling on request, the original kept when nothing is gained."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter

from core.errors import DamagedFile
from pdf.compress import compress
from tests.make_files import make_pdf


def texts(path: Path) -> tuple[list[str], list[str]]:
    """Page texts as pypdf and as pdfium read them."""
    by_pypdf = [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]
    doc = pdfium.PdfDocument(path)
    try:
        by_pdfium = [" ".join(page.get_textpage().get_text_bounded().split()) for page in doc]
    finally:
        doc.close()
    return by_pypdf, by_pdfium


def render(path: Path, index: int = 0, scale: float = 1.0) -> np.ndarray:
    doc = pdfium.PdfDocument(path)
    try:
        return np.asarray(doc[index].render(scale=scale).to_pil().convert("L")).astype(float)
    finally:
        doc.close()


def photo(width: int, height: int, mode: str = "L") -> Image.Image:
    """A smooth image with some texture, like a scanned page: JPEG-friendly, not trivially compressible."""
    y, x = np.mgrid[0:height, 0:width]
    rng = np.random.default_rng(7)
    base = 128 + 90 * np.sin(x / 37.0) * np.cos(y / 23.0) + rng.normal(0, 6, (height, width))
    grey = np.clip(base, 0, 255).astype(np.uint8)
    image = Image.fromarray(grey, "L")
    return image.convert(mode)


def scan_pdf(path: Path, pixels: int, points: float, pages: int = 1, mode: str = "L") -> Path:
    """`pages` pages of `points` square showing one `pixels`-square image (so drawn at pixels/points*72 dpi)."""
    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    image = photo(pixels, pixels, mode)
    for number in range(pages):
        pdf.add_page(format=(points, points))
        pdf.image(image, x=0, y=0, w=points, h=points)
        pdf.set_font("helvetica", size=12)
        pdf.text(10, 20, f"Scan {number + 1}")
    pdf.output(str(path))
    return path


def image_objects(path: Path) -> list[dict]:
    found, seen = [], set()
    for page in PdfReader(path).pages:
        for ref in page["/Resources"].get("/XObject", {}).values():
            if ref.idnum not in seen:
                seen.add(ref.idnum)
                found.append(ref.get_object())
    return found


def test_uncompressed_streams_are_compressed_losslessly(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.set_compression(False)
    pdf.set_font("helvetica", size=11)
    for number in range(1, 9):
        pdf.add_page()
        for line in range(40):
            pdf.text(
                15, 20 + line * 6, f"Page {number} line {line}: the quick brown fox jumps over the lazy dog"
            )
    src = tmp_path / "plain.pdf"
    pdf.output(str(src))
    out = tmp_path / "out.pdf"
    result = compress(src, out)
    assert not result.kept_original
    assert result.after_bytes == out.stat().st_size < result.before_bytes / 2
    assert result.before_bytes == src.stat().st_size
    assert texts(out) == texts(src)
    assert np.array_equal(render(out, 3), render(src, 3))


def test_identical_objects_are_stored_once(tmp_path: Path) -> None:
    single = make_pdf(tmp_path / "one.pdf", 2, "Copy")
    writer = PdfWriter()
    for _ in range(4):
        writer.append(single)  # each copy brings its own font objects
    src = tmp_path / "four.pdf"
    writer.write(src)
    out = tmp_path / "out.pdf"
    result = compress(src, out)
    assert not result.kept_original and result.after_bytes < result.before_bytes
    fonts = {page["/Resources"]["/Font"].raw_get("/F1").idnum for page in PdfReader(out).pages}
    assert len(fonts) == 1
    assert texts(out) == texts(src)


def test_nothing_to_gain_keeps_the_original(tmp_path: Path) -> None:
    # A file this step has made already (twice: the first pass leaves gaps in the object numbers).
    src = tmp_path / "tight.pdf"
    compress(make_pdf(tmp_path / "first.pdf", 3, "Tight"), tmp_path / "second.pdf")
    compress(tmp_path / "second.pdf", src)
    out = tmp_path / "out.pdf"
    result = compress(src, out)
    assert result.kept_original
    assert result.after_bytes == result.before_bytes
    assert out.read_bytes() == src.read_bytes()
    assert result.images_downsampled == 0


def test_scans_are_downsampled_to_the_target_resolution(tmp_path: Path) -> None:
    # 600 px over 144 pt (2 inches): 300 dpi; at 100 dpi it needs 200 px.
    src = scan_pdf(tmp_path / "scan.pdf", pixels=600, points=144, pages=3)
    out = tmp_path / "out.pdf"
    result = compress(src, out, image_dpi=100)
    assert result.images_downsampled == 1  # one image, shared by the three pages
    assert result.after_bytes < result.before_bytes / 3
    [image] = image_objects(out)
    assert (image["/Width"], image["/Height"]) == (200, 200)
    assert image["/Filter"] == "/DCTDecode"
    assert texts(out) == (["Scan 1", "Scan 2", "Scan 3"],) * 2
    # Looks the same at 100 dpi: small average difference.
    assert np.abs(render(out, 1, 100 / 72) - render(src, 1, 100 / 72)).mean() < 6


def test_images_already_near_the_target_are_left_alone(tmp_path: Path) -> None:
    src = scan_pdf(tmp_path / "scan.pdf", pixels=220, points=144)  # 110 dpi
    result = compress(src, tmp_path / "out.pdf", image_dpi=100)
    assert result.images_downsampled == 0


def test_largest_use_of_an_image_decides(tmp_path: Path) -> None:
    image = photo(600, 600)
    pdf = FPDF(unit="pt")
    pdf.add_page(format=(144, 144))
    pdf.image(image, x=0, y=0, w=144, h=144)  # 300 dpi
    pdf.add_page(format=(576, 576))
    pdf.image(image, x=0, y=0, w=432, h=432)  # 100 dpi: already at the target
    src = tmp_path / "twice.pdf"
    pdf.output(str(src))
    result = compress(src, tmp_path / "out.pdf", image_dpi=100)
    assert result.images_downsampled == 0


def test_transparency_mask_is_kept(tmp_path: Path) -> None:
    rgba = photo(600, 600, "RGB").convert("RGBA")
    rgba.putalpha(Image.new("L", rgba.size, 128))
    pdf = FPDF(unit="pt")
    pdf.add_page(format=(144, 144))
    pdf.image(rgba, x=0, y=0, w=144, h=144)
    src = tmp_path / "alpha.pdf"
    pdf.output(str(src))
    out = tmp_path / "out.pdf"
    assert compress(src, out, image_dpi=100).images_downsampled == 1
    [image] = image_objects(out)
    assert image["/Width"] == 200 and "/SMask" in image
    assert np.abs(render(out, 0, 100 / 72) - render(src, 0, 100 / 72)).mean() < 6


def test_bad_inputs(tmp_path: Path) -> None:
    src = make_pdf(tmp_path / "ok.pdf", 1)
    with pytest.raises(ValueError, match="image_dpi"):
        compress(src, tmp_path / "out.pdf", image_dpi=10)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(src.read_bytes()[:300])
    with pytest.raises(DamagedFile):
        compress(broken, tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()


def test_progress_reaches_the_end(tmp_path: Path) -> None:
    src = scan_pdf(tmp_path / "scan.pdf", pixels=300, points=72, pages=2)
    calls: list[tuple[int, int, str]] = []
    compress(src, tmp_path / "out.pdf", image_dpi=100, progress=lambda *c: calls.append(c))
    assert calls[-1][0] == calls[-1][1]
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls)


@pytest.mark.corpus
def test_corpus_blank_scan(corpus_dir: Path, tmp_path: Path) -> None:
    src = corpus_dir / "pdf" / "blank-scan.pdf"
    out = tmp_path / "out.pdf"
    result = compress(src, out, image_dpi=100)
    assert result.images_downsampled == 1 and not result.kept_original
    assert result.after_bytes <= result.before_bytes
    [image] = image_objects(out)
    assert image["/Width"] < 2352 / 1.9  # 200 dpi brought to 100
    page = PdfReader(out).pages[0]
    assert page.rotation == 270
    assert np.abs(render(out, 0, 0.5) - render(src, 0, 0.5)).mean() < 3


@pytest.mark.corpus
def test_corpus_ocr_scan_keeps_its_text(corpus_dir: Path, tmp_path: Path) -> None:
    src = corpus_dir / "pdf" / "Seige_of_Vicksburg_Sample_OCR.pdf"
    out = tmp_path / "out.pdf"
    lossless = compress(src, out)
    assert lossless.kept_original and out.read_bytes() == src.read_bytes()
    result = compress(src, out, image_dpi=72)
    assert result.images_downsampled >= 1 and result.after_bytes < result.before_bytes
    assert texts(out) == texts(src)
    # The drawing of the first page still reads the same at the new resolution.
    assert np.abs(render(out, 0) - render(src, 0)).mean() < 8
    with io.BytesIO(out.read_bytes()) as data:
        assert len(PdfReader(data).pages) == 6
