"""Greyscale, toner saver and trimmed margins: the operations on real and generated PDFs, checked
by rendering with pdfium, and the savers step in real jobs (Redis, RQ workers)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from pdf.ink import page_ink
from pdf.recolour import InkSaving, recolour
from pdf.trim import TRIM_MARGIN_MM, trim_margins
from storage.jobs import Status
from tests.make_files import colourful_pdf, make_pdf, photo_file, slides_pptx
from tests.test_merge_chain import upload

GREY = InkSaving(grey=True)
CHROMA_TOLERANCE = 2  # of 255: what rendering may add at the edges of grey shapes
MM_PER_PT = 25.4 / 72

# Corpus files with colour in every way the corpus has it: a Google Docs export (colour emoji in
# a Type 3 font, soft masks), lecture notes (mesh gradients, transparency groups), slides with
# photos, a filled-in form, a picture-heavy brochure, an Indexed-colour page, a JPEG page, and
# vector boxes. The corpus has no spot or ICC-based colours: colourful_pdf brings those.
CORPUS_COLOUR = (
    "google-doc-document.pdf",
    "GeoTopo-komprimiert.pdf",
    "The_Go_Language_Gigon-Odienne-Wartel.pdf",
    "need-appearances-utf8.pdf",
    "pdfextra-example.pdf",
    "XiaoBiaoSong.pdf",
    "issue6413.pdf",
    "boxes.pdf",
    "fxo-red-rotate.pdf",
)


def renders(path: Path, pages: list[int] | None = None, scale: float = 0.6) -> list[Image.Image]:
    document = pdfium.PdfDocument(str(path))
    try:
        chosen = range(len(document)) if pages is None else pages
        return [document[i].render(scale=scale).to_pil().convert("RGB") for i in chosen]
    finally:
        document.close()


def chroma(image: Image.Image) -> int:
    """The largest difference between a pixel's channels (0: every pixel is a grey)."""
    r, g, b = image.split()
    most = ImageChops.lighter(ImageChops.lighter(r, g), b)
    least = ImageChops.darker(ImageChops.darker(r, g), b)
    return ImageChops.subtract(most, least).getextrema()[1]


def texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def images_per_page(path: Path) -> list[int]:
    with pikepdf.open(path) as pdf:
        return [len(page.get_images()) for page in pdf.pages]


def spread(count: int, most: int = 12) -> list[int]:
    return sorted({round(k * (count - 1) / max(1, most - 1)) for k in range(min(count, most))})


def luminance(rgb: tuple[int, int, int]) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


# -- Greyscale ---------------------------------------------------------------------------------


def assert_grey_and_the_same(src: Path, out: Path) -> None:
    count = len(PdfReader(src).pages)
    pages = spread(count)
    assert max(chroma(image) for image in renders(src, pages)) > 20, "the input should have colour"
    assert [chroma(image) for image in renders(out, pages)] == [0] * len(pages) or max(
        chroma(image) for image in renders(out, pages)
    ) <= CHROMA_TOLERANCE
    assert texts(out) == texts(src)  # text is still text, and the same text
    assert images_per_page(out) == images_per_page(src)  # no page became a picture
    assert out.stat().st_size < 1.5 * src.stat().st_size + 20_000


def test_every_way_a_pdf_sets_colour_turns_grey_and_keeps_how_dark_it_looks(tmp_path):
    """Device, ICC-based, Lab, spot (exponential and calculator tints), DeviceN, gradients,
    pictures (Flate, JPEG, Indexed), a form, a transparency group under a soft mask."""
    src = colourful_pdf(tmp_path / "colourful.pdf")
    out = tmp_path / "grey.pdf"
    result = recolour(src, out, GREY)
    assert result.changed and result.kept == 0 and result.pictures == 3
    assert_grey_and_the_same(src, out)
    before, after = renders(src, [0], scale=1)[0], renders(out, [0], scale=1)[0]
    # Patches (centre points, in pixels at 72 dpi from the top left): ICC, Lab, spot, calculator
    # spot, DeviceN, a JPEG picture, a half-transparent fill, the group through its mask, the
    # uncoloured tiles. The grey
    # of a colour given in CMYK follows the PDF standard's conversion (red = 1 - min(1, C + K));
    # pdfium draws CMYK through a press profile, a little lighter, hence the wider tolerance there.
    cmyk = {(350, 172), (110, 252)}
    for x, y in (
        (110, 172),
        (230, 172),
        (350, 172),
        (470, 172),
        (110, 252),
        (270, 348),
        (100, 492),
        (480, 742),
        (350, 492),
    ):
        grey = after.getpixel((x, y))
        assert grey[0] == grey[1] == grey[2]
        tolerance = 20 if (x, y) in cmyk else 12
        assert abs(grey[0] - luminance(before.getpixel((x, y)))) <= tolerance, (x, y)
    with pikepdf.open(out) as pdf:
        page = pdf.pages[0]
        assert str(page.Resources.Shading.Grad.ColorSpace) == "/DeviceGray"
        assert str(page.Resources.XObject.SeeThrough.Group.CS) == "/DeviceGray"


@pytest.mark.parametrize("name", CORPUS_COLOUR)
def test_corpus_files_turn_grey_with_their_text_and_size(corpus_dir, tmp_path, name):
    src = corpus_dir / "pdf" / name
    out = tmp_path / f"grey-{name}"
    result = recolour(src, out, GREY)
    if not result.changed:  # a form drawn in black only
        assert out.read_bytes() == src.read_bytes()
        assert (
            max(chroma(image) for image in renders(src, spread(len(PdfReader(src).pages))))
            <= CHROMA_TOLERANCE
        )
        return
    assert result.kept == 0
    assert_grey_and_the_same(src, out)


def test_a_scanned_book_turns_grey_picture_by_picture(corpus_dir, tmp_path):
    """A scan (JPEG 2000 pages with a JBIG2 text layer and OCR text): its faint sepia goes, the
    pictures stay pictures, the OCR text stays."""
    src = corpus_dir / "pdf" / "Seige_of_Vicksburg_Sample_OCR.pdf"
    out = tmp_path / "grey-scan.pdf"
    result = recolour(src, out, GREY)
    assert result.changed and result.pictures > 0 and result.kept == 0
    pages = spread(len(PdfReader(src).pages))
    assert max(chroma(image) for image in renders(out, pages)) <= CHROMA_TOLERANCE
    assert texts(out) == texts(src)
    assert images_per_page(out) == images_per_page(src)
    assert out.stat().st_size < 1.5 * src.stat().st_size + 20_000


def test_a_file_of_black_text_is_left_as_it_is(tmp_path):
    src = make_pdf(tmp_path / "plain.pdf", 3)
    out = tmp_path / "out.pdf"
    assert recolour(src, out, GREY).changed is False
    assert out.read_bytes() == src.read_bytes()


def test_a_long_manual_turns_grey_page_by_page(corpus_dir, tmp_path):
    src = corpus_dir / "pdf" / "scrguide-en.pdf"
    out = tmp_path / "grey.pdf"
    seen: list[int] = []
    result = recolour(src, out, GREY, lambda done, total, text: seen.append(done))
    assert result.pages == 566 and seen[-1] == 566
    assert_grey_and_the_same(src, out)


# -- Toner saver -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def slides(tmp_path_factory) -> Path:
    """A real slide deck turned into a PDF by LibreOffice, as the Handouts page does."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (make office)")
    from documents.convert import Converter, to_pdf
    from worker.converting import profiles_root

    folder = tmp_path_factory.mktemp("slides")
    root = profiles_root()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    deck = slides_pptx(folder / "water.pptx", photo_file(folder / "photo.jpg", (600, 400)))
    out = folder / "water.pdf"
    to_pdf(deck, "water.pptx", out, Converter(root / f"savers-{folder.name}", timeout_s=120, memory_mb=1024))
    return out


@pytest.mark.parametrize("strength", [0.25, 0.5, 0.75])
def test_toner_saver_cuts_the_cover_by_its_strength_and_keeps_text_black(slides, tmp_path, strength):
    out = tmp_path / "lighter.pdf"
    assert recolour(slides, out, InkSaving(lighter=strength)).changed
    before, after = page_ink(slides, width_px=300), page_ink(out, width_px=300)
    dark_slide, light_slide = 0, 1
    # The dark slide's black background goes: far more than the strength is saved.
    assert after.pages[dark_slide].coverage < 0.2 * before.pages[dark_slide].coverage
    # The light slide is text: its cover stays (text is not lightened) but never grows.
    assert after.pages[light_slide].coverage <= before.pages[light_slide].coverage + 0.002
    # Over the colourful page of fills and pictures, the cover drops by at least the strength.
    colourful = colourful_pdf(tmp_path / "colourful.pdf")
    lighter = tmp_path / "colourful-lighter.pdf"
    recolour(colourful, lighter, InkSaving(lighter=strength))
    was, now = page_ink(colourful, width_px=300).pages[0], page_ink(lighter, width_px=300).pages[0]
    assert now.coverage <= was.coverage * (1 - strength) + 0.01
    # The white title on the black slide is black now, and still the same words.
    title = renders(out, [0], scale=1)[0].convert("L")
    width, height = title.size
    assert title.crop((0, 0, width, height // 4)).getextrema()[0] < 40
    assert texts(out) == texts(slides)


def test_greyscale_and_toner_saver_together_on_slides(slides, tmp_path):
    out = tmp_path / "both.pdf"
    recolour(slides, out, InkSaving(grey=True, lighter=0.5))
    assert max(chroma(image) for image in renders(out)) <= CHROMA_TOLERANCE
    assert not any(p.colour for p in page_ink(out).pages)


# -- Trim white margins ------------------------------------------------------------------------


def ink_box_mm(image: Image.Image, scale: float) -> tuple[float, float, float, float]:
    """Where the ink is on a rendered page: left, top, right and bottom margins in mm."""
    found = image.convert("L").point(lambda v: 255 if v < 250 else 0).getbbox()
    assert found is not None
    left, top, right, bottom = found
    width, height = image.size
    mm = MM_PER_PT / scale
    return (left * mm, top * mm, (width - right) * mm, (height - bottom) * mm)


@pytest.mark.parametrize(
    "name",
    ["pdflatex-4-pages.pdf", "rotated.pdf", "habibi-rotated.pdf", "sizes.pdf", "GeoTopo-komprimiert.pdf"],
)
def test_trimmed_pages_keep_all_their_ink_within_a_millimetre(corpus_dir, tmp_path, name):
    src = corpus_dir / "pdf" / name
    out = tmp_path / f"trimmed-{name}"
    result = trim_margins(src, out)
    assert result.trimmed_pages == result.pages
    scale = 300 / 72  # measured at 300 dpi, the finder works at 72
    pages = spread(result.pages, 6)
    for before, after in zip(renders(src, pages, scale), renders(out, pages, scale), strict=True):
        was, now = ink_box_mm(before, scale), ink_box_mm(after, scale)
        ink_width = before.width * MM_PER_PT / scale - was[0] - was[2]
        ink_height = before.height * MM_PER_PT / scale - was[1] - was[3]
        # The same ink, the same size (nothing cut off) ...
        assert abs((after.width * MM_PER_PT / scale - now[0] - now[2]) - ink_width) < 1
        assert abs((after.height * MM_PER_PT / scale - now[1] - now[3]) - ink_height) < 1
        # ... with the trim's margin around it where the page had more.
        for old, new in zip(was, now, strict=True):
            assert abs(new - min(old, TRIM_MARGIN_MM)) < 1


def test_one_box_for_the_whole_file_keeps_the_pages_one_size(corpus_dir, tmp_path):
    out = tmp_path / "same.pdf"
    trim_margins(corpus_dir / "pdf" / "GeoTopo-komprimiert.pdf", out, per_page=False)
    sizes = {(round(float(p.cropbox.width)), round(float(p.cropbox.height))) for p in PdfReader(out).pages}
    assert len(sizes) == 1
    ((width, height),) = sizes
    assert width < 595 and height < 842


def test_a_page_with_nothing_to_trim_is_left_as_it_is(tmp_path):
    src = tmp_path / "full.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page(page_size=(200, 200))
        pdf.pages[0].obj.Contents = pdf.make_stream(b"0 g 0 0 200 200 re f")
        pdf.save(src)
    out = tmp_path / "out.pdf"
    assert trim_margins(src, out).trimmed_pages == 0
    assert out.read_bytes() == src.read_bytes()


# -- In the jobs -------------------------------------------------------------------------------


def finished(jobs, burst, kind, inputs, options):
    record = jobs.submit(kind, kind, inputs, options, "t1")
    assert "savers" in [s.name for s in record.steps]
    burst()
    done = jobs.get(record.id, "t1")
    assert done.status == Status.FINISHED, done.error
    return done, [jobs.output_path(record.id, output, "t1") for output in done.outputs]


def test_handouts_in_greyscale_with_trimmed_pages(jobs, config, burst, tmp_path):
    a = upload(config, colourful_pdf(tmp_path / "colourful.pdf"))
    options = {"layout": "n_up", "per_sheet": 2, "greyscale": True, "trim_margins": "page"}
    done, (out,) = finished(jobs, burst, "handouts", [a], options)
    assert [s.label for s in done.steps][:2] == ["Check files", "Save toner and paper"]
    assert max(chroma(image) for image in renders(out)) <= CHROMA_TOLERANCE
    assert "Red title of the handout" in PdfReader(out).pages[0].extract_text()
    # Without the savers the job has no such step, and the sheet keeps its colour.
    plain = jobs.submit("handouts", "x", [a], {"layout": "n_up", "per_sheet": 2}, "t1")
    assert "savers" not in [s.name for s in plain.steps]


def test_merge_with_toner_saver_and_a_note_for_a_black_and_white_file(jobs, config, burst, tmp_path):
    a = upload(config, colourful_pdf(tmp_path / "colourful.pdf"))
    b = upload(config, make_pdf(tmp_path / "plain.pdf", 2, "Plain"))
    done, (out,) = finished(jobs, burst, "merge", [a, b], {"greyscale": True, "toner_saver": 50})
    assert len(PdfReader(out).pages) == 4
    assert max(chroma(image) for image in renders(out)) <= CHROMA_TOLERANCE
    said = done.steps[[s.name for s in done.steps].index("savers")].result["notes"]
    assert said == []  # the toner saver had nothing to lighten in the plain file, and says nothing
    done, _ = finished(jobs, burst, "merge", [b], {"greyscale": True})
    notes = done.steps[[s.name for s in done.steps].index("savers")].result["notes"]
    assert notes == ["plain.pdf is already black and white, so greyscale left it as it was."]


def test_a_class_set_in_greyscale(jobs, config, burst, tmp_path):
    sheet = tmp_path / "class.csv"
    sheet.write_text("Name,Class\nAda Lovelace,7B\nAlan Turing,7B\n")
    worksheet = upload(config, colourful_pdf(tmp_path / "worksheet.pdf"))
    names = upload(config, sheet)
    inputs = [{**worksheet, "role": "worksheet"}, {**names, "role": "class_list"}]
    record = jobs.submit("class_sets", "x", inputs, {"name_column": "Name", "greyscale": True}, "t1")
    burst()
    done = jobs.get(record.id, "t1")
    assert done.status == Status.FINISHED, done.error
    out = jobs.output_path(record.id, done.outputs[0], "t1")
    assert len(PdfReader(out).pages) == 4
    assert max(chroma(image) for image in renders(out)) <= CHROMA_TOLERANCE
    assert "Ada Lovelace" in PdfReader(out).pages[0].extract_text()


def test_the_class_set_preview_shows_the_worksheet_in_greyscale(app_env, tmp_path):
    """The page's picture of a student's copy is made as the job makes it: toner saved first."""
    import io

    from services.looks import Looks
    from services.previews import class_set_preview
    from storage.config import load_config
    from storage.files import FileStore
    from tests.apptest import answer_looks
    from worker.kinds.class_sets import ClassSetOptions

    config = load_config()
    src = colourful_pdf(tmp_path / "worksheet.pdf")
    stored = FileStore(config).save_upload(io.BytesIO(src.read_bytes()), "Worksheet.pdf")
    looks, student = Looks(config), {"row": 2, "full": "Ada Lovelace", "display": "Ada Lovelace"}
    pictures = {}
    for grey in (False, True):
        options = ClassSetOptions(name_column="Name", greyscale=grey)
        assert class_set_preview(looks, stored, student, options).pending
        answer_looks()
        pictures[grey] = Image.open(io.BytesIO(class_set_preview(looks, stored, student, options).value))
    assert chroma(pictures[False].convert("RGB")) > 20
    assert chroma(pictures[True].convert("RGB")) <= CHROMA_TOLERANCE
