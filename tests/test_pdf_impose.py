"""N per sheet and free placement, on generated PDFs and on the corpus, checked by an independent renderer."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    RectangleObject,
)

from core.errors import DamagedFile, EmptyDocument, InputMissing, LimitExceeded, PasswordRequired
from pdf import plans, source
from pdf.impose import n_up, place
from pdf.layout import GRIDS, Layout, Rect, choose_layout, fit, grid_layout
from pdf.source import read_page_sizes

A4 = (595.28, 841.89)
SCALE = 1.5  # render pixels per point


@dataclass(frozen=True)
class Spec:
    """A generated page: media size, /Rotate, and an optional crop box (x0, y0, x1, y1)."""

    size: tuple[float, float]
    rotate: int = 0
    crop: tuple[float, float, float, float] | None = None


MIXED = [
    Spec(A4),
    Spec((595.28, 419.53)),  # A5 landscape
    Spec((612, 792), rotate=90),
    Spec(A4, rotate=180),
    Spec((300, 500), rotate=270),
    Spec(A4, rotate=-450),
    Spec(A4, crop=(100, 150, 500, 700)),
    Spec(A4, rotate=90, crop=(60, 300, 560, 800)),
    Spec((700, 300), rotate=540),
]


def make_pdf(path: Path, specs: list[Spec], inherit_rotate: int | None = None) -> Path:
    """Pages each with a black frame at the visible edges, a red square top left, a blue blob outside the crop."""
    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    for number, spec in enumerate(specs, start=1):
        w, h = spec.size
        pdf.add_page(format=(w, h))
        # fpdf2 measures from the top left; the crop box is in PDF space, from the bottom left.
        x0, y0, x1, y1 = spec.crop or (0, 0, w, h)
        left, top, right, bottom = x0, h - y1, x1, h - y0
        if spec.crop:
            pdf.set_fill_color(0, 0, 255)
            pdf.rect(0, 0, w, top - 5, style="F")  # stops short of the crop edge (anti-aliasing)
        pdf.set_line_width(6)
        pdf.set_draw_color(0, 0, 0)
        pdf.rect(left + 3, top + 3, right - left - 6, bottom - top - 6)
        side = min(right - left, bottom - top) / 4
        pdf.set_fill_color(255, 0, 0)
        pdf.rect(left + 12, top + 12, side, side, style="F")
        pdf.set_font("helvetica", size=20)
        pdf.text(left + 20, top + side + 50, f"Page {number} words")
    pdf.output(str(path))
    writer = PdfWriter(clone_from=PdfReader(path))
    for page, spec in zip(writer.pages, specs, strict=True):
        if spec.rotate:
            page[NameObject("/Rotate")] = NumberObject(spec.rotate)
        if spec.crop:
            page.cropbox = RectangleObject(spec.crop)
    if inherit_rotate is not None:
        root = writer._root_object["/Pages"].get_object()
        root[NameObject("/Rotate")] = NumberObject(inherit_rotate)
    writer.write(path)
    return path


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pdf(tmp_path_factory.mktemp("src") / "mixed.pdf", MIXED)


@pytest.fixture(scope="module")
def numbered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pdf(tmp_path_factory.mktemp("src") / "numbered.pdf", [Spec(A4)] * 8)


# ---- reading the output back -------------------------------------------------------------------


def render(path: Path, index: int, scale: float = SCALE) -> np.ndarray:
    doc = pdfium.PdfDocument(path)
    try:
        return np.asarray(doc[index].render(scale=scale).to_pil().convert("RGB")).astype(int)
    finally:
        doc.close()


def pixel_box(cell: Rect, sheet_height_px: int, scale: float = SCALE) -> tuple[int, int, int, int]:
    """A rectangle in points as (top, bottom, left, right) pixel rows and columns."""
    top = round(sheet_height_px - (cell.y + cell.h) * scale)
    return (
        top,
        round(sheet_height_px - cell.y * scale),
        round(cell.x * scale),
        round((cell.x + cell.w) * scale),
    )


def dark(img: np.ndarray) -> np.ndarray:
    return img.max(axis=2) < 120


def red(img: np.ndarray) -> np.ndarray:
    return (img[..., 0] > 180) & (img[..., 1] < 90) & (img[..., 2] < 90)


def blue(img: np.ndarray) -> np.ndarray:
    return (img[..., 2] > 180) & (img[..., 0] < 90) & (img[..., 1] < 90)


def bounds(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero(mask)
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


def marker_position(img: np.ndarray, frame: tuple[int, int, int, int]) -> tuple[float, float]:
    """Centre of the red marker, as fractions of the framed page (0, 0 = top left)."""
    top, bottom, left, right = frame
    rows, cols = np.nonzero(red(img[top:bottom, left:right]))
    return cols.mean() / (right - left), rows.mean() / (bottom - top)


def source_marker(src: Path, index: int) -> tuple[float, float]:
    """Where an independent renderer shows the red marker of source page `index`."""
    img = render(src, index, scale=1)
    return marker_position(img, bounds(dark(img)))


def check_placements(src: Path, out: Path, layout: Layout, sheets: list[list[int | None]]) -> None:
    """Every placed page is whole, upright, centred in its own cell, and shows only its visible box."""
    for number, sheet in enumerate(sheets):
        img = render(out, number)
        assert not blue(img).any(), "content outside a crop box is visible"
        for cell, index in zip(layout.cells, sheet, strict=False):
            top, bottom, left, right = pixel_box(cell, img.shape[0])
            inside = img[top:bottom, left:right]
            if index is None:
                assert not dark(inside).any()
                continue
            ftop, fbottom, fleft, fright = bounds(dark(inside))
            shown = shown_sizes(src)[index]
            assert (fright - fleft) / (fbottom - ftop) == pytest.approx(shown[0] / shown[1], rel=0.04)
            # Fitted: touches two opposite sides of the cell, centred between the other two.
            assert min(ftop, fleft) <= 2
            assert abs(ftop - (bottom - top - fbottom)) <= 3
            assert abs(fleft - (right - left - fright)) <= 3
            frame = (top + ftop, top + fbottom, left + fleft, left + fright)
            assert marker_position(img, frame) == pytest.approx(source_marker(src, index), abs=0.04)


def placed_boxes(out: Path) -> list[list[tuple[str, Rect]]]:
    """Per sheet, each drawn form XObject's name and the rectangle its /BBox lands on (from the cm matrix)."""
    reader = PdfReader(out)
    result = []
    pattern = re.compile(rb"q ([-\d. ]+) cm (/P\d+) Do Q")
    for page in reader.pages:
        xobjects = page["/Resources"]["/XObject"]
        placed = []
        for numbers, name in pattern.findall(page.get_contents().get_data()):
            a, b, c, d, e, f = (float(v) for v in numbers.split())
            x0, y0, x1, y1 = (float(v) for v in xobjects[name.decode()]["/BBox"])
            pts = [(a * x + c * y + e, b * x + d * y + f) for x in (x0, x1) for y in (y0, y1)]
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            placed.append((name.decode(), Rect(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))))
        result.append(placed)
    return result


@functools.cache
def shown_sizes(path: Path) -> list[tuple[float, float]]:
    return read_page_sizes(path)


def pdfium_pages(path: Path) -> int:
    doc = pdfium.PdfDocument(path)
    try:
        return len(doc)
    finally:
        doc.close()


def text_of(path: Path, index: int) -> str:
    return PdfReader(path).pages[index].extract_text()


# ---- N per sheet -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", sorted(GRIDS))
def test_every_n_places_mixed_pages_upright_whole_and_centred(mixed: Path, tmp_path: Path, n: int) -> None:
    out = tmp_path / "out.pdf"
    result = n_up(mixed, out, n)
    sheets = [list(range(len(MIXED)))[i : i + n] for i in range(0, len(MIXED), n)]
    assert result.sheets == len(sheets) == len(PdfReader(out).pages) == pdfium_pages(out)
    assert result.placed_pages == len(MIXED)
    assert result.blank_cells == len(sheets) * n - len(MIXED)
    assert result.cols * result.rows == n
    layout = choose_layout(read_page_sizes(mixed), n)
    assert (result.orientation, result.cols, result.rows) == (layout.orientation, layout.cols, layout.rows)
    check_placements(mixed, out, layout, sheets)


@pytest.mark.parametrize(
    ("paper", "orientation"), [("Letter", "landscape"), ("A3", "portrait"), ("A4", "auto")]
)
def test_paper_and_orientation_give_the_sheet_size(
    mixed: Path, tmp_path: Path, paper: str, orientation: str
) -> None:
    out = tmp_path / "out.pdf"
    result = n_up(mixed, out, 6, paper=paper, orientation=orientation, margin_mm=15, gap_mm=2)
    layout = choose_layout(read_page_sizes(mixed), 6, paper, orientation, 15, 2)
    box = PdfReader(out).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((layout.width, layout.height), abs=0.01)
    assert result.paper == paper
    check_placements(mixed, out, layout, [list(range(6)), [6, 7, 8]])


def test_inherited_rotation_is_honoured(tmp_path: Path) -> None:
    src = make_pdf(tmp_path / "inherited.pdf", [Spec(A4), Spec((400, 300))], inherit_rotate=90)
    assert PdfReader(src).trailer["/Root"]["/Pages"]["/Rotate"] == 90
    out = tmp_path / "out.pdf"
    n_up(src, out, 2)
    check_placements(src, out, choose_layout(read_page_sizes(src), 2), [[0, 1]])


def test_order_down_fills_columns_first(numbered: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    n_up(numbered, out, 4, order="down", orientation="portrait")
    boxes = placed_boxes(out)[0]
    by_page = {name: rect for name, rect in boxes}
    # Cells 0 and 1 are the left column, top then bottom.
    assert by_page["/P0"].x == pytest.approx(by_page["/P1"].x)
    assert by_page["/P0"].y > by_page["/P1"].y
    words = [w for w in text_of(out, 0).split() if w.isdigit()]
    assert words == ["1", "2", "3", "4"]


def test_text_stays_extractable_by_both_readers(numbered: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    n_up(numbered, out, 4)
    assert all(f"Page {k} words" in text_of(out, 0) for k in range(1, 5))
    doc = pdfium.PdfDocument(out)
    try:
        assert "Page 8 words" in doc[1].get_textpage().get_text_range()
    finally:
        doc.close()


def test_borders_draw_one_rectangle_per_cell(numbered: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    n_up(numbered, out, 6, borders=True)
    content = PdfReader(out).pages[1].get_contents().get_data()
    assert content.count(b" re") == 6
    assert content.rstrip().endswith(b"S Q")


def test_sheets_are_compressed_and_annotations_dropped(corpus_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    n_up(corpus_dir / "pdf" / "libreoffice-form.pdf", out, 2)
    page = PdfReader(out).pages[0]
    assert page["/Contents"].get_object()["/Filter"] == "/FlateDecode"
    assert "/Annots" not in page
    assert "Example for a Form" in page.extract_text()


def test_selected_pages_in_the_chosen_order_and_repeats(numbered: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    result = n_up(numbered, out, 2, pages=[7, 0, 0])
    assert (result.sheets, result.placed_pages, result.blank_cells, result.source_pages) == (2, 3, 1, 8)
    assert text_of(out, 0).index("Page 8") < text_of(out, 0).index("Page 1")


def test_progress_reaches_the_end(numbered: Path, tmp_path: Path) -> None:
    reports: list[tuple[int, int, str]] = []
    n_up(numbered, tmp_path / "out.pdf", 2, progress=lambda d, t, s: reports.append((d, t, s)))
    done = [d for d, _, _ in reports]
    assert done == sorted(done)
    assert reports[-1][0] == reports[-1][1]
    assert "Placing pages 1–2 of 8" in [s for _, _, s in reports]
    assert [p.name for p in tmp_path.iterdir()] == ["out.pdf"]


def restructure(src: Path, out: Path) -> Path:
    """The same pages, stored differently: content split over an array of streams (one plain,
    one compressed) or one plain stream, and resources inherited from the page tree."""
    writer = PdfWriter(clone_from=PdfReader(src))
    shared = writer.pages[0]["/Resources"].get_object()
    for number, page in enumerate(writer.pages):
        data = page.get_contents().get_data()
        cut = data.index(b"BT")  # a token boundary
        first, second = DecodedStreamObject(), DecodedStreamObject()
        first.set_data(data[:cut])
        second.set_data(data[cut:])
        if number % 2:
            page[NameObject("/Contents")] = writer._add_object(first)
            first.set_data(data)
        else:
            parts = [writer._add_object(first), writer._add_object(second.flate_encode())]
            page[NameObject("/Contents")] = ArrayObject(parts)
        del page["/Resources"]
    writer._root_object["/Pages"].get_object()[NameObject("/Resources")] = DictionaryObject(shared)
    writer.write(out)
    return out


def test_content_arrays_plain_streams_and_inherited_resources(numbered: Path, tmp_path: Path) -> None:
    src = restructure(numbered, tmp_path / "restructured.pdf")
    assert isinstance(PdfReader(src).pages[0].get("/Contents"), ArrayObject)
    out = tmp_path / "out.pdf"
    n_up(src, out, 4)
    check_placements(src, out, choose_layout([A4], 4), [[0, 1, 2, 3], [4, 5, 6, 7]])
    assert all(f"Page {k} words" in text_of(out, 1) for k in range(5, 9))
    reader = PdfReader(out)
    forms = [x.get_object() for p in reader.pages for x in p["/Resources"]["/XObject"].values()]
    assert len({form.raw_get("/Resources").idnum for form in forms}) == 1
    assert all(form["/Filter"] == "/FlateDecode" for form in forms)


# ---- free placement ----------------------------------------------------------------------------


def test_free_placement_skips_the_cover_and_pairs_pages(numbered: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    sheets: list[list[int | None]] = [[2, 6], [None, 1], [3]]
    result = place(numbered, out, sheets, n=2)
    assert (result.sheets, result.placed_pages, result.blank_cells) == (3, 4, 2)
    first = text_of(out, 0)
    assert "Page 3" in first and "Page 7" in first and "Page 1 " not in first
    layout = choose_layout([A4], 2)
    check_placements(numbered, out, layout, sheets)


def test_a_page_placed_twice_becomes_one_xobject(numbered: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    place(numbered, out, [[0, 0], [0, None]], n=2)
    reader = PdfReader(out)
    refs = {xobject.idnum for page in reader.pages for xobject in page["/Resources"]["/XObject"].values()}
    assert len(refs) == 1
    assert sum(len(sheet) for sheet in placed_boxes(out)) == 3


def test_shared_resources_are_written_once(corpus_dir: Path, tmp_path: Path) -> None:
    src = corpus_dir / "pdf" / "pdflatex-4-pages.pdf"
    out = tmp_path / "out.pdf"
    n_up(src, out, 4)
    fonts_in = {f.idnum for p in PdfReader(src).pages for f in p["/Resources"]["/Font"].values()}
    reader = PdfReader(out)
    forms = [x.get_object() for x in reader.pages[0]["/Resources"]["/XObject"].values()]
    fonts_out = {f.idnum for form in forms for f in form["/Resources"]["/Font"].values()}
    assert len(fonts_out) == len(fonts_in)


@pytest.mark.parametrize(
    ("sheets", "message"),
    [([[0, 1, 2]], "3 cells"), ([[8]], "page index 8"), ([[-1]], "page index -1")],
)
def test_free_placement_refuses_impossible_sheets(
    numbered: Path, tmp_path: Path, sheets: list[list[int | None]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        place(numbered, tmp_path / "out.pdf", sheets, n=2)


def test_nothing_to_place_is_an_empty_document(numbered: Path, tmp_path: Path) -> None:
    with pytest.raises(EmptyDocument):
        n_up(numbered, tmp_path / "out.pdf", 4, pages=[])


# ---- errors and limits -------------------------------------------------------------------------


def test_a_file_that_is_not_a_pdf_is_damaged(tmp_path: Path) -> None:
    src = tmp_path / "notes.pdf"
    src.write_bytes(b"%PDF-1.7\nthis is not really a PDF\n")
    with pytest.raises(DamagedFile) as caught:
        n_up(src, tmp_path / "out.pdf", 4)
    assert "notes.pdf" in caught.value.message
    assert not (tmp_path / "out.pdf").exists()


def test_too_many_pages_raise_a_limit(
    numbered: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(source, "MAX_SOURCE_PAGES", 5)
    with pytest.raises(LimitExceeded, match="8 pages; the limit is 5"):
        n_up(numbered, tmp_path / "out.pdf", 4)


def test_too_many_sheets_raise_a_limit(
    numbered: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(plans, "MAX_SHEETS", 3)  # checked by the plan, before any page is placed
    with pytest.raises(LimitExceeded, match="4 sheets"):
        n_up(numbered, tmp_path / "out.pdf", 2)


# ---- the corpus --------------------------------------------------------------------------------


def similarity_gap(
    src: Path, out: Path, layout: Layout, index: int, slot: int, sheet: int
) -> tuple[float, float]:
    """Grey-level difference of a placed page against the source as rendered, and against it turned over."""
    img = render(out, sheet, scale=2)
    rect = fit(shown_sizes(src)[index], layout.cells[slot])
    top, bottom, left, right = pixel_box(rect, img.shape[0], scale=2)
    placed = Image.fromarray(img[top:bottom, left:right].astype("uint8")).convert("L").resize((60, 80))
    doc = pdfium.PdfDocument(src)
    try:
        original = doc[index].render(scale=1).to_pil().convert("L")
    finally:
        doc.close()
    got = np.asarray(placed, float)
    same = np.abs(got - np.asarray(original.resize((60, 80)), float)).mean()
    turned = np.abs(got - np.asarray(original.rotate(180).resize((60, 80)), float)).mean()
    return same, turned


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name",
    [
        "rotated.pdf",  # /Rotate 0/90/180/270
        "fxo-red-rotate.pdf",  # -450, 540, 990 ...
        "inherited-rotate.pdf",  # /Rotate on the page tree
        "habibi-rotated.pdf",
        "boxes.pdf",  # crop box inside a media box with a negative origin, rotated
        "issue6413.pdf",  # offset crop box
        "issue1350.pdf",  # media boxes not at the origin, mixed sizes
        "sizes.pdf",  # Letter, Letter landscape, odd size
        "blank-scan.pdf",  # scanner image page, /Rotate 270
    ],
)
def test_corpus_pages_look_like_their_source(corpus_dir: Path, tmp_path: Path, name: str) -> None:
    src = corpus_dir / "pdf" / name
    out = tmp_path / "out.pdf"
    result = n_up(src, out, 4)
    count = len(PdfReader(src).pages)
    assert result.sheets == pdfium_pages(out) == -(-count // 4)
    layout = choose_layout(read_page_sizes(src), 4)
    for index in range(count):
        same, turned = similarity_gap(src, out, layout, index, index % 4, index // 4)
        assert same < 3.0
        assert same * 2 < turned or turned < 1.0  # a near-symmetric page cannot tell


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "count", "words"),
    [
        ("scrguide-en.pdf", 24, "KOMA-Script"),  # 566 pages: only the first 24 here, all of it in the bench
        ("pdfextra-example.pdf", 20, "OpTeX"),  # A4 and A5 landscape
        ("Seige_of_Vicksburg_Sample_OCR.pdf", 6, "VICKSBURG"),  # scans with a text layer
    ],
)
def test_corpus_placements_stay_in_their_cells(
    corpus_dir: Path, tmp_path: Path, name: str, count: int, words: str
) -> None:
    src = corpus_dir / "pdf" / name
    out = tmp_path / "out.pdf"
    pages = list(range(count))
    result = n_up(src, out, 8, pages=pages, margin_mm=8, gap_mm=4)
    layout = grid_layout(result.paper, result.orientation, result.cols, result.rows, 8, 4)
    for sheet in placed_boxes(out):
        for slot, rect in sheet:
            cell = layout.cells[int(slot[2:])]
            assert cell.contains(rect, tolerance=0.05)
            assert rect.w == pytest.approx(cell.w, abs=0.05) or rect.h == pytest.approx(cell.h, abs=0.05)
    assert result.placed_pages == len(pages)
    assert pdfium_pages(out) == result.sheets == -(-len(pages) // 8)
    assert words in text_of(out, 0)


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["r2-empty-password.pdf", "r6-empty-password.pdf"])
def test_corpus_empty_password_files_open(corpus_dir: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / "out.pdf"
    n_up(corpus_dir / "pdf" / name, out, 2)
    assert "pdf encryption test" in text_of(out, 0)


@pytest.mark.corpus
def test_corpus_content_this_server_cannot_decode_is_refused_in_words(
    corpus_dir: Path, tmp_path: Path
) -> None:
    # bomb_giant.pdf: page content compressed with JBIG2 (needs jbig2dec), huge once decoded.
    with pytest.raises((DamagedFile, LimitExceeded)) as caught:
        n_up(corpus_dir / "pdf" / "bomb_giant.pdf", tmp_path / "out.pdf", 4)
    assert "Page 1 of bomb_giant.pdf" in caught.value.message
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["issue15590.pdf", "Pages-tree-refs.pdf", "append-page-content-damaged.pdf"])
def test_corpus_damaged_files_say_so(corpus_dir: Path, tmp_path: Path, name: str) -> None:
    with pytest.raises(DamagedFile) as caught:
        n_up(corpus_dir / "pdf" / name, tmp_path / "out.pdf", 4)
    assert "damaged" in caught.value.for_teacher()


@pytest.mark.corpus
def test_corpus_password_protected_file_asks_for_the_password(corpus_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(PasswordRequired):
        n_up(corpus_dir / "pdf" / "libreoffice-writer-password.pdf", tmp_path / "out.pdf", 2)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InputMissing):
        n_up(tmp_path / "gone.pdf", tmp_path / "out.pdf", 2)
