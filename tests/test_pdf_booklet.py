"""Booklets: saddle-stitch order checked by reading the printed sides back, page by page."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from pypdf import PdfReader

from pdf.booklet import booklet
from pdf.layout import grid_layout
from pdf.plans import BOOKLET_FOLD_GAP_MM, BOOKLET_MARGIN_MM, plan_booklet

Side = tuple[str, str]


def make_numbered(path: Path, count: int) -> Path:
    """A PDF whose page k shows only the text "Pk"."""
    pdf = FPDF(format="A4")
    pdf.set_font("helvetica", size=48)
    for k in range(1, count + 1):
        pdf.add_page()
        pdf.text(60, 140, f"P{k}")
    pdf.output(str(path))
    return path


def read_sides(path: Path) -> list[Side]:
    """The text on the left and right half of every printed side, as an independent reader sees it."""
    doc = pdfium.PdfDocument(path)
    try:
        sides = []
        for page in doc:
            width, height = page.get_size()
            text = page.get_textpage()
            left = text.get_text_bounded(0, 0, width / 2, height).strip()
            right = text.get_text_bounded(width / 2, 0, width, height).strip()
            sides.append((left, right))
        return sides
    finally:
        doc.close()


def reading_order(sides: list[Side], signatures: list[int]) -> list[str]:
    """Fold each signature's sheets (first sheet outermost) and read the pages as a reader turns them."""
    order: list[str] = []
    start = 0
    for sheets in signatures:
        fronts = sides[start : start + 2 * sheets : 2]
        backs = sides[start + 1 : start + 2 * sheets : 2]
        # First half: each sheet's front right, then its back left, outermost sheet first.
        for front, back in zip(fronts, backs, strict=True):
            order += [front[1], back[0]]
        # Second half, past the middle: back right, then front left, innermost sheet first.
        for front, back in reversed(list(zip(fronts, backs, strict=True))):
            order += [back[1], front[0]]
        start += 2 * sheets
    return order


@pytest.mark.parametrize("count", range(1, 18))
def test_booklet_reads_in_order_for_1_to_17_pages(tmp_path: Path, count: int) -> None:
    src = make_numbered(tmp_path / "src.pdf", count)
    out = tmp_path / "booklet.pdf"
    result = booklet(src, out)
    padded = -(-count // 4) * 4
    assert (result.source_pages, result.sides, result.sheets) == (count, padded // 2, padded // 4)
    assert result.blank_pages_added == padded - count
    sides = read_sides(out)
    assert len(sides) == len(PdfReader(out).pages) == result.sides
    expected = [f"P{k}" for k in range(1, count + 1)] + [""] * (padded - count)
    assert reading_order(sides, [padded // 4]) == expected


def test_eight_pages_print_in_the_textbook_order(tmp_path: Path) -> None:
    out = tmp_path / "booklet.pdf"
    booklet(make_numbered(tmp_path / "src.pdf", 8), out)
    assert read_sides(out) == [("P8", "P1"), ("P2", "P7"), ("P6", "P3"), ("P4", "P5")]


@pytest.mark.parametrize(
    ("count", "signature_sheets", "signatures"), [(17, 2, [2, 2, 1]), (12, 1, [1, 1, 1])]
)
def test_signatures_are_small_booklets_one_after_another(
    tmp_path: Path, count: int, signature_sheets: int, signatures: list[int]
) -> None:
    out = tmp_path / "booklet.pdf"
    result = booklet(make_numbered(tmp_path / "src.pdf", count), out, signature_sheets=signature_sheets)
    assert result.signatures == len(signatures)
    assert result.sheets == sum(signatures)
    padded = 4 * sum(signatures)
    expected = [f"P{k}" for k in range(1, count + 1)] + [""] * (padded - count)
    assert reading_order(read_sides(out), signatures) == expected
    assert f"{len(signatures)} parts" in result.instructions


def test_plan_matches_for_long_documents() -> None:
    plan = plan_booklet(566, signature_sheets=5)
    assert plan.signatures == [5] * 28 + [2]  # 28 × 20 pages, then 6 pages padded to 8
    assert plan.blank_pages_added == 2
    assert plan.sides[0] == (19, 0)  # first signature: pages 20 and 1 on the outer front
    assert plan.sides[10] == (39, 20)  # second signature: pages 40 and 21
    # Last signature, pages 561-566 and two blanks: the blanks are its last two pages.
    assert plan.sides[-4:] == [(None, 560), (561, None), (565, 562), (563, 564)]


def test_instructions_tell_a_teacher_how_to_print(tmp_path: Path) -> None:
    result = booklet(make_numbered(tmp_path / "src.pdf", 6), tmp_path / "booklet.pdf", paper="Letter")
    text = result.instructions
    assert "both sides" in text and "short edge" in text and "fold" in text
    assert "2 sheets of Letter" in text
    assert "2 blank pages were added" in text


def test_bad_signature_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="signature_sheets"):
        booklet(make_numbered(tmp_path / "src.pdf", 4), tmp_path / "out.pdf", signature_sheets=0)


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["sizes.pdf", "rotated.pdf", "pdflatex-4-pages.pdf"])
def test_corpus_booklets_keep_pages_inside_their_half(corpus_dir: Path, tmp_path: Path, name: str) -> None:
    src = corpus_dir / "pdf" / name
    out = tmp_path / "booklet.pdf"
    result = booklet(src, out, paper="A4")
    count = len(PdfReader(src).pages)
    assert result.sides == -(-count // 4) * 2
    layout = grid_layout("A4", "landscape", 2, 1, BOOKLET_MARGIN_MM, BOOKLET_FOLD_GAP_MM)
    reader = PdfReader(out)
    for page in reader.pages:
        content = page.get_contents().get_data().decode()
        for line in filter(None, content.splitlines()):
            a, b, c, d, e, f, _, name_, _, _ = line.split()[1:]
            m = [float(v) for v in (a, b, c, d, e, f)]
            x0, y0, x1, y1 = (float(v) for v in page["/Resources"]["/XObject"][name_]["/BBox"])
            pts = [
                (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]) for x in (x0, x1) for y in (y0, y1)
            ]
            cell = layout.cells[int(name_[2:])]
            assert all(cell.x - 0.05 <= px <= cell.x + cell.w + 0.05 for px, _ in pts)
            assert all(cell.y - 0.05 <= py <= cell.y + cell.h + 0.05 for _, py in pts)
    doc = pdfium.PdfDocument(out)
    try:
        assert len(doc) == result.sides
    finally:
        doc.close()
