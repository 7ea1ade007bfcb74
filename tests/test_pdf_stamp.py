"""Page numbers and stamps: text in any of our scripts, upright in the right corner, read back by two readers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject, NumberObject, RectangleObject

from core import fonts
from core.errors import BadPageRange, LimitExceeded, PasswordRequired
from core.fonts import FontMissing, TextNotPrintable, missing_glyphs, text_font
from pdf.layout import MM
from pdf.marks import NUMBER_STYLES, POSITIONS, StampSpec
from pdf.stamp import stamp, stamp_text

A4 = (595.28, 841.89)
SAMPLES = {
    "latin": "Élève ø ł ő — Homework due Friday",
    "cyrillic": "Страница {page} из {pages}",
    "greek": "Σελίδα {page} από {pages}",
    "vietnamese": "Trang {page} trên {pages} — Bài tập về nhà",
}
# (media size, /Rotate, crop box or None)
SHAPES = [
    (A4, 0, None),
    (A4, 90, None),
    (A4, 180, None),
    ((300.0, 500.0), 270, None),
    (A4, 0, (100.0, 150.0, 500.0, 700.0)),
    (A4, 90, (60.0, 300.0, 560.0, 800.0)),
    (A4, -450, None),
]


def make_shapes(path: Path, shapes: list[tuple[tuple[float, float], int, tuple | None]]) -> Path:
    """Pages with a word in the middle, each with its own size, /Rotate and crop box."""
    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", size=14)
    for number, (size, _, _) in enumerate(shapes, start=1):
        pdf.add_page(format=size)
        pdf.text(size[0] / 2 - 20, size[1] / 2, f"Body {number}")
    pdf.output(str(path))
    writer = PdfWriter(clone_from=PdfReader(path))
    for page, (_, rotate, crop) in zip(writer.pages, shapes, strict=True):
        if rotate:
            page[NameObject("/Rotate")] = NumberObject(rotate)
        if crop:
            page.cropbox = RectangleObject(crop)
    writer.write(path)
    return path


@pytest.fixture(scope="module")
def shapes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_shapes(tmp_path_factory.mktemp("stamp") / "shapes.pdf", SHAPES)


# ---- reading the output back -------------------------------------------------------------------


def to_display(page: pdfium.PdfPage, x: float, y: float) -> tuple[float, float]:
    """A point of the page's user space as seen in a reader: origin bottom left of the visible page."""
    left, bottom, right, top = page.get_cropbox()
    return {
        0: (x - left, y - bottom),
        90: (y - bottom, right - x),
        180: (right - x, top - y),
        270: (top - y, x - left),
    }[page.get_rotation()]


def find_text(page: pdfium.PdfPage, needle: str) -> tuple[float, float, float, float]:
    """Where `needle` is shown: (left, bottom, right, top) in display points; asserts it reads left to right."""
    textpage = page.get_textpage()
    match = textpage.search(needle, match_case=True).get_next()
    assert match is not None, f"{needle!r} not found in {textpage.get_text_bounded()!r}"
    start, count = match
    corners, centres = [], []
    for index in range(start, start + count):
        left, bottom, right, top = textpage.get_charbox(index)
        if right - left < 0.01 and top - bottom < 0.01:
            continue  # a space
        box = [to_display(page, x, y) for x in (left, right) for y in (bottom, top)]
        corners.extend(box)
        centres.append((sum(p[0] for p in box) / 4, sum(p[1] for p in box) / 4))
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    # Upright: characters advance to the right on one baseline (centres within a glyph's height).
    assert centres[0][0] < centres[-1][0]
    assert max(c[1] for c in centres) - min(c[1] for c in centres) < (max(ys) - min(ys))
    return min(xs), min(ys), max(xs), max(ys)


def check_corner(
    page: pdfium.PdfPage, needle: str, position: str, margin_mm: float, font_size: float
) -> None:
    width, height = page.get_size()
    left, bottom, right, top = find_text(page, needle)
    margin = margin_mm * MM
    vertical, horizontal = position.split("-")
    if vertical == "top":
        assert height - margin - font_size <= top <= height - margin + 0.5
    else:
        assert margin - 0.5 <= bottom <= margin + font_size
    if horizontal == "left":
        assert left == pytest.approx(margin, abs=0.3 * font_size)
    elif horizontal == "right":
        assert right == pytest.approx(width - margin, abs=0.3 * font_size)
    else:
        assert (left + right) / 2 == pytest.approx(width / 2, abs=0.3 * font_size)


def squash(text: str) -> str:
    return "".join(text.split())


def page_texts(path: Path, expected: list[str | None]) -> list[str]:
    """Each page's text from pypdf; asserts both pypdf and pdfium read the expected text on each page."""
    texts = [page.extract_text() for page in PdfReader(path).pages]
    doc = pdfium.PdfDocument(path)
    try:
        assert len(doc) == len(texts) == len(expected)
        for page, text, wanted in zip(doc, texts, expected, strict=True):
            if wanted is not None:
                assert squash(wanted) in squash(text)
                assert squash(wanted) in squash(page.get_textpage().get_text_bounded())
    finally:
        doc.close()
    return texts


# ---- the font ----------------------------------------------------------------------------------


def test_the_font_draws_every_script_we_promise() -> None:
    font = text_font()
    assert font.is_file() and font.suffix == ".ttf"
    for sample in SAMPLES.values():
        assert missing_glyphs(sample, font) == set()
    assert missing_glyphs("Class 7 宿題 ✓", font) >= {"宿", "題"}
    assert missing_glyphs("e\u0301", font) == set()  # decomposed é is composed first


def test_no_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fonts, "FONT_PACKAGE", "no_such_font_package")
    monkeypatch.setattr(fonts, "SYSTEM_FONTS", (tmp_path / "missing.ttf",))
    with pytest.raises(FontMissing, match="not installed"):
        text_font()


# ---- stamping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("script", sorted(SAMPLES))
def test_text_in_every_script_is_extractable(shapes: Path, tmp_path: Path, script: str) -> None:
    out = tmp_path / "out.pdf"
    result = stamp(shapes, out, StampSpec(text=SAMPLES[script], position="top-left"))
    assert result.stamped_pages == result.pages == len(SHAPES)
    expected = [stamp_text(SAMPLES[script], n, len(SHAPES)) for n in range(1, len(SHAPES) + 1)]
    texts = page_texts(out, expected)
    for number, (text, wanted) in enumerate(zip(texts, expected, strict=True), start=1):
        assert wanted in text  # spaces too
        assert f"Body {number}" in text
    doc = pdfium.PdfDocument(out)
    try:
        check_corner(doc[0], stamp_text(SAMPLES[script], 1, len(SHAPES)), "top-left", 8, 10)
    finally:
        doc.close()


@pytest.mark.parametrize("position", POSITIONS)
def test_upright_in_the_chosen_corner_whatever_the_rotation_and_crop(
    shapes: Path, tmp_path: Path, position: str
) -> None:
    out = tmp_path / "out.pdf"
    stamp(
        shapes,
        out,
        StampSpec(text=NUMBER_STYLES["page_x_of_y"], position=position, font_size=12, margin_mm=10),
    )
    doc = pdfium.PdfDocument(out)
    try:
        for number, page in enumerate(doc, start=1):
            check_corner(page, f"Page {number} of {len(SHAPES)}", position, 10, 12)
    finally:
        doc.close()


def test_the_renderer_paints_the_text_where_the_text_layer_says(shapes: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    stamp(shapes, out, StampSpec(text="{page} / {pages}", position="bottom-right", font_size=16))
    before, after = pdfium.PdfDocument(shapes), pdfium.PdfDocument(out)
    try:
        for number, (old, new) in enumerate(zip(before, after, strict=True), start=1):
            a = np.asarray(old.render(scale=1).to_pil().convert("L")).astype(int)
            b = np.asarray(new.render(scale=1).to_pil().convert("L")).astype(int)
            rows, cols = np.nonzero(np.abs(a - b) > 60)
            left, bottom, right, top = find_text(new, f"{number} / {len(SHAPES)}")
            height = b.shape[0]
            assert cols.min() == pytest.approx(left, abs=3) and cols.max() == pytest.approx(right, abs=3)
            assert rows.min() == pytest.approx(height - top, abs=3)
            assert rows.max() == pytest.approx(height - bottom, abs=3)
    finally:
        before.close()
        after.close()


def test_chosen_pages_and_first_number(tmp_path: Path) -> None:
    src = make_shapes(tmp_path / "six.pdf", [(A4, 0, None)] * 6)
    out = tmp_path / "out.pdf"
    result = stamp(src, out, StampSpec(text="Page {page} of {pages}", pages="2-last", first_number=1))
    texts = page_texts(out, [None] + [f"Page {n} of 5" for n in range(1, 6)])
    assert "Page" not in texts[0]
    assert [t.split("\n")[-1].strip() for t in texts[1:]] == [f"Page {n} of 5" for n in range(1, 6)]
    assert (result.pages, result.stamped_pages, result.overlays) == (6, 5, 5)
    # Numbers follow the document, whatever order the pages were typed in.
    stamp(src, out, StampSpec(text="{page} of {pages}", pages="3, 1"))
    page_texts(out, ["1 of 2", None, "2 of 2", None, None, None])
    # A fixed text on same-size pages is typeset once.
    assert stamp(src, out, StampSpec(text="Class 7B")).overlays == 1


def test_the_stamp_is_not_moved_by_what_the_page_leaves_behind(tmp_path: Path) -> None:
    writer = PdfWriter()
    page = writer.add_blank_page(width=A4[0], height=A4[1])
    messy = DecodedStreamObject()
    messy.set_data(b"q 0.5 0 0 0.5 200 300 cm 1 0 0 RG 0 0 100 100 re S 3 0 0 3 10 10 cm")  # q never closed
    page[NameObject("/Contents")] = writer._add_object(messy)
    src = tmp_path / "messy.pdf"
    writer.write(src)
    out = tmp_path / "out.pdf"
    stamp(src, out, StampSpec(position="bottom-centre"))
    doc = pdfium.PdfDocument(out)
    try:
        check_corner(doc[0], "Page 1 of 1", "bottom-centre", 8, 10)
    finally:
        doc.close()


def test_long_text_shrinks_to_fit_a_small_page(tmp_path: Path) -> None:
    src = make_shapes(tmp_path / "small.pdf", [((200.0, 120.0), 0, None)])
    out = tmp_path / "out.pdf"
    stamp(src, out, StampSpec(text="Homework — due Friday", font_size=24, margin_mm=5))
    doc = pdfium.PdfDocument(out)
    try:
        left, _, right, _ = find_text(doc[0], "Homework — due Friday")
        assert left >= 5 * MM - 1 and right <= 200 - 5 * MM + 1
    finally:
        doc.close()
    with pytest.raises(LimitExceeded, match="does not fit"):
        stamp(src, out, StampSpec(text="W" * 100, font_size=24, margin_mm=5))


def test_characters_the_font_lacks_are_named_before_anything_is_written(shapes: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    with pytest.raises(TextNotPrintable) as caught:
        stamp(shapes, out, StampSpec(text="宿題 {page}"))
    assert "“宿”" in caught.value.message and "“題”" in caught.value.message
    assert not out.exists()


def test_spec_checks_and_json_round_trip(shapes: Path, tmp_path: Path) -> None:
    spec = StampSpec(text="  Class 7B  ", position="Bottom Center", font_size=9, margin_mm=5, pages="odd")
    assert spec.position == "bottom-centre" and spec.text == "Class 7B"
    assert StampSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    with pytest.raises(ValueError, match="position"):
        StampSpec(position="middle")
    with pytest.raises(ValueError, match="first_number"):
        StampSpec(first_number=-1)
    with pytest.raises(ValueError, match="font_size"):
        StampSpec(font_size=200)
    with pytest.raises(LimitExceeded, match="characters long"):
        StampSpec(text="x" * 500)
    with pytest.raises(LimitExceeded, match="one line"):
        StampSpec(text="a\nb")
    with pytest.raises(BadPageRange):
        stamp(shapes, tmp_path / "out.pdf", StampSpec(pages="99"))
    assert stamp_text("{page}/{pages} {x}", 3, 9) == "3/9 {x}"


def test_encrypted_source_needs_its_password(tmp_path: Path, shapes: Path) -> None:
    from tests.make_files import encrypt_pdf

    locked = encrypt_pdf(shapes, tmp_path / "locked.pdf", "secret")
    with pytest.raises(PasswordRequired):
        stamp(locked, tmp_path / "out.pdf", StampSpec())


# ---- the corpus --------------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name",
    [
        "habibi-rotated.pdf",
        "fxo-red-rotate.pdf",
        "inherited-rotate.pdf",
        "boxes.pdf",
        "issue15789.pdf",
        "sizes.pdf",
        "r2-empty-password.pdf",
    ],
)
def test_corpus_numbers_land_bottom_right_and_upright(corpus_dir: Path, tmp_path: Path, name: str) -> None:
    src = corpus_dir / "pdf" / name
    out = tmp_path / "out.pdf"
    result = stamp(src, out, StampSpec(text="Стр. {page} / {pages}", position="bottom-right"))
    doc = pdfium.PdfDocument(out)
    try:
        assert len(doc) == result.pages == result.stamped_pages
        for number, page in enumerate(doc, start=1):
            check_corner(page, f"Стр. {number} / {result.pages}", "bottom-right", 8, 10)
    finally:
        doc.close()
    page_texts(out, [f"Стр. {n} / {result.pages}" for n in range(1, result.pages + 1)])


@pytest.mark.corpus
def test_corpus_links_and_bookmarks_are_kept(corpus_dir: Path, tmp_path: Path) -> None:
    src = corpus_dir / "pdf" / "pdflatex-outline.pdf"
    out = tmp_path / "out.pdf"
    stamp(src, out, StampSpec())
    before, after = PdfReader(src), PdfReader(out)
    assert len(after.outline) == len(before.outline)
    assert [len(p.get("/Annots", [])) for p in after.pages] == [
        len(p.get("/Annots", [])) for p in before.pages
    ]
