"""Documents and photos into PDF (documents/): real Word, PowerPoint and photo files, real LibreOffice."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
from pathlib import Path
from typing import ClassVar

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from core.errors import (
    ConversionFailed,
    ConverterMissing,
    EmptyDocument,
    LimitExceeded,
    PasswordRequired,
    StepTimedOut,
)
from documents.convert import Converter, to_pdf
from documents.formats import BY_KEY, what_is
from documents.photos import AS_THE_PHOTO, PhotoPage, photos_to_pdf
from tests.make_files import docx_file, photo_file, png_bytes, pptx_file

needs_office = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice is not installed (make office)"
)


@pytest.fixture
def converter(tmp_path_factory):
    # Where the workers keep theirs: a folder `nobody` can reach (LibreOffice drops root).
    from worker.converting import profiles_root

    root = profiles_root()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    profile = root / f"test-{tmp_path_factory.getbasetemp().name}"
    return Converter(profile, timeout_s=60, memory_mb=1024)


def text_of(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


# -- What a file is -------------------------------------------------------------------------------


def test_a_file_is_what_its_content_says_not_its_name(tmp_path):
    word = docx_file(tmp_path / "worksheet.doc")  # a new Word file under the old name
    assert what_is(word).format is BY_KEY["docx"]
    png = tmp_path / "photo.jpg"
    png.write_bytes(png_bytes())
    assert what_is(png).format is BY_KEY["png"]
    slides = pptx_file(tmp_path / "s.pptx", 1)
    assert what_is(slides).format is BY_KEY["pptx"]
    text = tmp_path / "notes.docx"
    text.write_text("just some text")
    assert what_is(text).format is None


def test_a_file_that_is_nothing_we_know_is_refused_in_words(tmp_path, converter):
    fake = tmp_path / "lesson.docx"
    fake.write_text("not a document at all")
    with pytest.raises(
        ConversionFailed, match=r"lesson.docx is not a Word document, even though its name says so"
    ):
        to_pdf(fake, "lesson.docx", tmp_path / "out.pdf", converter)


def test_a_password_protected_word_file_is_named_before_any_conversion(tmp_path, converter):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = docx_file(tmp_path / "plain.docx")
    locked = tmp_path / "locked.docx"
    with plain.open("rb") as source, locked.open("wb") as out:
        OOXMLFile(source).encrypt("secret", out)
    assert what_is(locked).locked
    with pytest.raises(PasswordRequired, match=r"locked.docx is protected by a password") as raised:
        to_pdf(locked, "locked.docx", tmp_path / "out.pdf", converter)
    assert "remove the password" in raised.value.hint


# -- Office documents -----------------------------------------------------------------------------


@needs_office
def test_a_word_worksheet_with_a_table_keeps_its_pages_and_its_text(tmp_path, converter):
    source = docx_file(tmp_path / "fractions.docx", pages=2)
    dest = tmp_path / "fractions.pdf"
    assert to_pdf(source, "fractions.docx", dest, converter) == 2
    text = text_of(dest)
    assert "Fractions worksheet — part 1" in text and "Fractions worksheet — part 2" in text
    assert "1/2" in text  # the table's cells are text, not a picture


@needs_office
def test_slides_are_one_per_page_without_the_speaker_notes(tmp_path, converter):
    source = pptx_file(tmp_path / "lesson.pptx", slides=3, notes="Remember to say")
    dest = tmp_path / "lesson.pdf"
    assert to_pdf(source, "lesson.pptx", dest, converter) == 3
    text = text_of(dest)
    assert "Slide 3: photosynthesis" in text
    assert "Remember to say" not in text
    page = PdfReader(dest).pages[0]
    assert page.mediabox.width > page.mediabox.height  # a slide's landscape page


@needs_office
def test_a_damaged_word_file_fails_in_words(tmp_path, converter):
    whole = docx_file(tmp_path / "whole.docx").read_bytes()
    broken = tmp_path / "broken.docx"
    broken.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ConversionFailed, match=r"broken.docx"):
        to_pdf(broken, "broken.docx", tmp_path / "out.pdf", converter)


@needs_office
def test_a_conversion_over_its_time_is_stopped_with_everything_it_started(tmp_path, converter):
    source = docx_file(tmp_path / "slow.docx", pages=3)
    hurried = Converter(converter.profile, timeout_s=0.2, memory_mb=1024)
    with pytest.raises(StepTimedOut, match=r"slow.docx took longer than 0 s"):
        to_pdf(source, "slow.docx", tmp_path / "out.pdf", hurried)
    left = subprocess.run(["pgrep", "-f", str(converter.profile)], capture_output=True, text=True)
    assert left.stdout == "", "no LibreOffice process of that run is left"
    # and the next conversion with the same profile works
    assert to_pdf(source, "slow.docx", tmp_path / "out.pdf", converter) == 3


class _Counting(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counting.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    do_HEAD = do_OPTIONS = do_GET

    def log_message(self, *args: object) -> None:
        pass


def linking_docx(path: Path, url: str, secret_text: Path, secret_picture: Path) -> Path:
    """A Word file whose pictures are links (to a web address and to a file elsewhere on the
    volume), and whose fields would pull in another file's text and pictures."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_paragraph("Hello class.")
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    for target in (f"{url}/linked.png", secret_picture.as_uri()):
        rid = document.part.relate_to(target, RELATIONSHIP_TYPE.IMAGE, is_external=True)
        document.add_paragraph()._p.append(
            parse_xml(
                f'<w:r {w}><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/'
                'wordprocessingDrawing"><wp:extent cx="914400" cy="914400"/><wp:docPr id="7" name="p"/>'
                '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData '
                'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic xmlns:pic='
                '"http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="0" '
                'name="p"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip xmlns:r="http://schemas.'
                f'openxmlformats.org/officeDocument/2006/relationships" r:link="{rid}"/><a:stretch>'
                '<a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext '
                'cx="914400" cy="914400"/></a:xfrm><a:prstGeom prst="rect"/></pic:spPr></pic:pic>'
                "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
            )
        )
    for instruction in (
        f'INCLUDETEXT "{secret_text}"',
        f'INCLUDEPICTURE "{url}/field.png"',
        f'INCLUDEPICTURE "{secret_picture}"',
    ):
        document.add_paragraph()._p.append(
            parse_xml(
                f"<w:fldSimple {w} w:instr='{instruction}'><w:r><w:t>kept as it was</w:t></w:r></w:fldSimple>"
            )
        )
    document.save(path)
    return path


@needs_office
def test_a_document_never_reaches_the_network_or_another_file(tmp_path, converter, config):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Counting.requests = []
    other = config.data_dir / "uploads" / "another-teacher"
    other.mkdir(parents=True)
    secret_text = other / "marks.txt"
    secret_text.write_text("SECRET-MARKS-OF-ANOTHER-CLASS")
    secret_picture = other / "photo.png"
    secret_picture.write_bytes(png_bytes())
    url = f"http://127.0.0.1:{server.server_port}"
    source = linking_docx(tmp_path / "links.docx", url, secret_text, secret_picture)
    dest = tmp_path / "links.pdf"
    try:
        assert to_pdf(source, "links.docx", dest, converter) == 1
    finally:
        server.shutdown()
    assert _Counting.requests == []
    text = text_of(dest)
    assert "Hello class." in text and "SECRET-MARKS" not in text
    reader = PdfReader(dest)
    assert not reader.pages[0]["/Resources"].get("/XObject"), "no linked picture was pulled in"


# -- Photos ---------------------------------------------------------------------------------------


def red_corner(pdf: Path) -> str:
    """Where the photo's red block shows on the rendered page: top-left, top-right, …"""
    image = pdfium.PdfDocument(str(pdf))[0].render(scale=2).to_pil().convert("RGB")
    width, height = image.size
    corners = {"top-left": (0.08, 0.08), "top-right": (0.92, 0.08), "bottom-left": (0.08, 0.92)}
    corners["bottom-right"] = (0.92, 0.92)
    red = [
        name for name, (x, y) in corners.items() if _is_red(image.getpixel((int(x * width), int(y * height))))
    ]
    return ",".join(red)


def _is_red(pixel: tuple[int, int, int]) -> bool:
    r, g, b = pixel
    return r > 150 and g < 80 and b < 80


@pytest.mark.parametrize("fmt", ["JPEG", "HEIF"])
def test_a_photo_taken_sideways_comes_out_upright(tmp_path, fmt):
    # Orientation 6: the camera was turned; a viewer turns the stored picture 90° clockwise, so
    # its stored top-left corner shows at the top right.
    photo = photo_file(tmp_path / f"sideways.{fmt.lower()}", size=(1200, 900), orientation=6, fmt=fmt)
    dest = tmp_path / "out.pdf"
    photos_to_pdf([(photo, photo.name)], dest, PhotoPage(paper=AS_THE_PHOTO, margin_mm=0))
    page = PdfReader(dest).pages[0]
    width, height = (float(v) for v in page.mediabox[2:])
    if page.get("/Rotate") in (90, 270):
        width, height = height, width
    assert height > width  # shown upright: 900 wide, 1200 high
    assert red_corner(dest) == "top-right"


def test_a_jpeg_that_needs_nothing_goes_in_byte_for_byte(tmp_path):
    photo = photo_file(tmp_path / "upright.jpg", size=(800, 600))
    dest = tmp_path / "out.pdf"
    photos_to_pdf([(photo, photo.name)], dest)
    image = next(iter(PdfReader(dest).pages[0]["/Resources"]["/XObject"].values())).get_object()
    assert image.get_data() == photo.read_bytes()
    assert red_corner(dest) == "top-left"


def test_a_huge_photo_is_scaled_to_the_print_resolution(tmp_path):
    photo = photo_file(tmp_path / "huge.jpg", size=(6000, 4000))
    dest = tmp_path / "out.pdf"
    photos_to_pdf([(photo, photo.name)], dest, PhotoPage(paper="A4", margin_mm=10, dpi=150))
    image = next(iter(PdfReader(dest).pages[0]["/Resources"]["/XObject"].values())).get_object()
    # A4 landscape less 10 mm margins is 277 mm wide: at 150 dpi, 1636 pixels.
    assert 1600 <= image["/Width"] <= 1640
    assert dest.stat().st_size < photo.stat().st_size / 2


def test_a_transparent_picture_is_flattened_onto_white(tmp_path):
    from PIL import Image

    picture = tmp_path / "logo.png"
    Image.new("RGBA", (400, 300), (0, 0, 255, 0)).save(picture)
    dest = tmp_path / "out.pdf"
    photos_to_pdf([(picture, picture.name)], dest)
    image = next(iter(PdfReader(dest).pages[0]["/Resources"]["/XObject"].values())).get_object()
    assert "/SMask" not in image
    rendered = pdfium.PdfDocument(str(dest))[0].render(scale=0.3).to_pil().convert("RGB")
    assert rendered.getpixel((rendered.width // 2, rendered.height // 2)) == (255, 255, 255)


def test_clean_up_makes_a_photo_of_paper_grey_with_a_white_background(tmp_path):
    from PIL import Image, ImageDraw

    # A photo of a worksheet: greyish-yellow paper lit unevenly, dark writing.
    photo = Image.linear_gradient("L").resize((900, 1200)).point(lambda v: 120 + v // 3).convert("RGB")
    ImageDraw.Draw(photo).rectangle((100, 100, 800, 160), fill=(30, 30, 30))
    path = tmp_path / "worksheet.jpg"
    photo.save(path, quality=90)
    dest = tmp_path / "out.pdf"
    photos_to_pdf([(path, path.name)], dest, PhotoPage(margin_mm=0, clean_up=True))
    image = next(iter(PdfReader(dest).pages[0]["/Resources"]["/XObject"].values())).get_object()
    assert image["/ColorSpace"] == "/DeviceGray"
    rendered = pdfium.PdfDocument(str(dest))[0].render(scale=0.5).to_pil().convert("L")
    w, h = rendered.size
    assert rendered.getpixel((w // 2, int(h * 0.8))) > 235  # the paper, white wherever the light fell
    assert rendered.getpixel((w // 2, int(h * 0.108))) < 80  # the writing, dark


def test_a_photo_over_the_pixel_limit_is_refused_before_it_is_decoded(tmp_path, monkeypatch):
    import documents.photos

    monkeypatch.setattr(documents.photos, "MAX_PHOTO_PIXELS", 1_000_000)
    photo = photo_file(tmp_path / "big.jpg", size=(1500, 1000))
    with pytest.raises(LimitExceeded, match=r"big.jpg has 2 million pixels; photos of up to 1 million"):
        photos_to_pdf([(photo, photo.name)], tmp_path / "out.pdf")


def test_a_damaged_photo_fails_in_words(tmp_path, converter):
    whole = photo_file(tmp_path / "whole.jpg").read_bytes()
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(whole[:200])
    with pytest.raises(ConversionFailed, match=r"broken.jpg could not be read as a picture"):
        to_pdf(broken, "broken.jpg", tmp_path / "out.pdf", converter)


def test_a_scanned_tiff_of_several_pages_gives_each_page(tmp_path, converter):
    from PIL import Image

    frames = [Image.new("L", (850, 1100), shade) for shade in (255, 200, 150)]
    scan = tmp_path / "scan.tif"
    frames[0].save(scan, save_all=True, append_images=frames[1:], compression="tiff_deflate")
    assert to_pdf(scan, "scan.tif", tmp_path / "out.pdf", converter) == 3


@needs_office
def test_a_presentation_without_slides_is_named(tmp_path, converter):
    import pptx

    empty = tmp_path / "empty.pptx"
    pptx.Presentation().save(empty)
    with pytest.raises(EmptyDocument, match=r"empty.pptx has nothing to print: it has no slides"):
        to_pdf(empty, "empty.pptx", tmp_path / "out.pdf", converter)


def test_outputs_are_plain_pdfs(tmp_path):
    photo = photo_file(tmp_path / "p.jpg")
    dest = tmp_path / "out.pdf"
    photos_to_pdf([(photo, photo.name)], dest)
    data = dest.read_bytes()
    assert b"/JavaScript" not in data and b"/OpenAction" not in data and b"/EmbeddedFile" not in data


def test_without_libreoffice_a_word_file_gets_the_one_command_that_adds_it(tmp_path, converter, monkeypatch):
    import documents.office

    monkeypatch.setattr(documents.office, "SOFFICE", "soffice-that-is-not-installed")
    assert not documents.office.office_available()
    source = docx_file(tmp_path / "lesson.docx")
    with pytest.raises(
        ConverterMissing, match=r"lesson\.docx is a Word, PowerPoint or OpenDocument file"
    ) as raised:
        to_pdf(source, "lesson.docx", tmp_path / "out.pdf", converter)
    assert "make office" in raised.value.hint
    assert not raised.value.permanent  # once it is installed, Retry works
    # Photos need no LibreOffice.
    assert to_pdf(photo_file(tmp_path / "p.jpg"), "p.jpg", tmp_path / "photo.pdf", converter) == 1


@needs_office
def test_office_files_and_photos_of_the_corpus_convert(corpus_dir, tmp_path, converter):
    from documents.formats import CONVERTIBLE_SUFFIXES

    found = sorted(p for p in corpus_dir.rglob("*") if p.suffix.lower().lstrip(".") in CONVERTIBLE_SUFFIXES)
    if not found:
        pytest.skip("the shared corpus holds no office documents or photos (only PDFs, sheets and ZIPs)")
    for path in found:
        assert to_pdf(path, path.name, tmp_path / f"{path.stem}.pdf", converter) >= 1, path.name
