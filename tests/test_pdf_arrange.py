"""Merge & arrange: select, drop, reorder, rotate, blank pages and duplex padding, read back by two readers."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from core.errors import BadPageRange, DamagedFile, EmptyDocument, PasswordRequired
from pdf.arrange import arrange
from pdf.plans import ArrangePlan, Slot, plan_slots
from tests.make_files import encrypt_pdf, make_pdf

A4 = (595.28, 841.89)
A4_LANDSCAPE = (841.89, 595.28)
LETTER = (612, 792)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("arrange")
    return {
        "a": make_pdf(folder / "a.pdf", 3, "A"),
        "b": make_pdf(folder / "b.pdf", 4, "B", landscape=True),
        "c": make_pdf(folder / "c.pdf", 5, "C", size="Letter"),
    }


def read_back(path: Path) -> list[tuple[str, tuple[int, int], int]]:
    """Per page: its text, its size as displayed, and its /Rotate; checked to agree between pypdf and pdfium."""
    pages = []
    for page in PdfReader(path).pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        shown = (h, w) if page.rotation % 180 else (w, h)
        pages.append((page.extract_text().strip(), (round(shown[0]), round(shown[1])), page.rotation % 360))
    doc = pdfium.PdfDocument(path)
    try:
        assert len(doc) == len(pages)
        for page, (text, size, _) in zip(doc, pages, strict=True):
            assert " ".join(page.get_textpage().get_text_bounded().split()) == " ".join(text.split())
            assert (round(page.get_width()), round(page.get_height())) == size
    finally:
        doc.close()
    return pages


def texts(path: Path) -> list[str]:
    return [text for text, _, _ in read_back(path)]


def test_select_drop_and_combine(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    plan = ArrangePlan(pages=("2-last", "odd"), drop=("3",))
    result = arrange([files["a"], files["b"]], out, plan)
    assert texts(out) == ["A 2", "B 1", "B 3"]
    assert (result.pages, result.source_pages, result.copied_pages) == (3, 7, 3)
    assert (result.blank_pages, result.padding_pages) == (0, 0)


def test_order_reorders_repeats_and_leaves_out(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    arrange([files["a"], files["b"]], out, ArrangePlan(order="last-5, 1, 1"))
    assert texts(out) == ["B 4", "B 3", "B 2", "A 1", "A 1"]


def test_rotate_single_pages_and_all(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    plan = ArrangePlan(rotate_all=90, rotate=(("2", 90), ("3", -90), ("1", 360)))
    arrange([files["a"]], out, plan)
    pages = read_back(out)
    assert [rotation for _, _, rotation in pages] == [90, 180, 0]
    w, h = round(A4[0]), round(A4[1])
    assert [size for _, size, _ in pages] == [(h, w), (w, h), (w, h)]
    assert [text for text, _, _ in pages] == ["A 1", "A 2", "A 3"]


def test_a_repeated_page_turns_on_its_own(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    arrange([files["a"]], out, ArrangePlan(order="1, 1", rotate=(("2", 180),)))
    assert [(text, rotation) for text, _, rotation in read_back(out)] == [("A 1", 0), ("A 1", 180)]


def test_blank_pages_take_the_size_of_their_neighbour(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    plan = ArrangePlan(blank_after=(0, 2, 3, 3), rotate=(("3", 90),))
    result = arrange([files["a"], files["b"]], out, plan)
    pages = read_back(out)
    a4 = (round(A4[0]), round(A4[1]))
    landscape = (round(A4_LANDSCAPE[0]), round(A4_LANDSCAPE[1]))
    assert [text for text, _, _ in pages] == ["", "A 1", "A 2", "", "A 3", "", "", "B 1", "B 2", "B 3", "B 4"]
    # The blanks after page 3 (A 3, turned to landscape) are landscape too.
    assert [size for _, size, _ in pages][:7] == [a4, a4, a4, a4, landscape, landscape, landscape]
    assert result.blank_pages == 4


def test_duplex_starts_every_file_on_a_front_side(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    result = arrange([files["a"], files["b"], files["c"]], out, ArrangePlan(duplex=True))
    pages = read_back(out)
    assert [text for text, _, _ in pages] == [
        "A 1", "A 2", "A 3", "",
        "B 1", "B 2", "B 3", "B 4",
        "C 1", "C 2", "C 3", "C 4", "C 5", "",
    ]  # fmt: skip
    starts = [i for i, (text, _, _) in enumerate(pages) if text.endswith(" 1")]
    assert all(i % 2 == 0 for i in starts)
    # A padding blank is the size of the page it backs.
    assert pages[3][1] == pages[2][1]
    assert pages[13][1] == LETTER
    assert result.padding_pages == 2


def test_plan_crosses_a_json_queue_unchanged() -> None:
    plan = ArrangePlan(
        pages=("1-3", "all"),
        drop=("", "2"),
        order="3, 1-2",
        rotate_all=180,
        rotate=(("1", 90),),
        blank_after=(0, 2),
        duplex=True,
    )
    assert ArrangePlan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan
    assert ArrangePlan.from_dict({}) == ArrangePlan()
    with pytest.raises(ValueError, match="unknown"):
        ArrangePlan.from_dict({"rotation": 90})


@pytest.mark.parametrize("angle", [45, 1, 90.0, True])
def test_only_quarter_turns(angle: object) -> None:
    with pytest.raises(ValueError, match="multiples of 90"):
        ArrangePlan(rotate_all=angle)  # type: ignore[arg-type]


def test_plan_slots_needs_no_file() -> None:
    slots = plan_slots([2, 1], ArrangePlan(duplex=True, rotate_all=90))
    assert slots == [Slot(0, 0, 90), Slot(0, 1, 90), Slot(1, 0, 90), Slot(1, 0, 90, blank=True, padding=True)]


def test_mistakes_name_the_file(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.pdf"
    with pytest.raises(BadPageRange, match=r"Page 9 does not exist: b.pdf has 4 pages\."):
        arrange([files["a"], files["b"]], out, ArrangePlan(pages=("all", "1, 9")))
    with pytest.raises(BadPageRange, match=r"Page 9 does not exist: this PDF has 3 pages\."):
        arrange([files["a"]], out, ArrangePlan(pages=("9",)))
    with pytest.raises(BadPageRange, match=r"the selection has 3 pages"):
        arrange([files["a"]], out, ArrangePlan(order="4"))
    with pytest.raises(BadPageRange, match="after page 7"):
        arrange([files["a"]], out, ArrangePlan(blank_after=(7,)))
    with pytest.raises(EmptyDocument):
        arrange([files["a"]], out, ArrangePlan(drop=("all",)))
    assert not out.exists()


def test_encrypted_and_damaged_sources(files: dict[str, Path], tmp_path: Path) -> None:
    locked = encrypt_pdf(files["a"], tmp_path / "locked.pdf", "secret")
    with pytest.raises(PasswordRequired):
        arrange([files["b"], locked], tmp_path / "out.pdf", ArrangePlan())
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(files["a"].read_bytes()[:300])
    with pytest.raises(DamagedFile):
        arrange([broken], tmp_path / "out.pdf", ArrangePlan())


def test_progress_reaches_the_end(files: dict[str, Path], tmp_path: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    arrange([files["a"]], tmp_path / "out.pdf", ArrangePlan(), progress=lambda *c: calls.append(c))
    assert calls[-1][0] == calls[-1][1]
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls)


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name", ["habibi-rotated.pdf", "fxo-red-rotate.pdf", "inherited-rotate.pdf", "rotated.pdf"]
)
def test_corpus_rotations_add_up(corpus_dir: Path, tmp_path: Path, name: str) -> None:
    src = corpus_dir / "pdf" / name
    out = tmp_path / "out.pdf"
    arrange([src], out, ArrangePlan(rotate_all=90))
    before = pdfium.PdfDocument(src)
    after = pdfium.PdfDocument(out)
    try:
        assert len(after) == len(before)
        for old, new in zip(before, after, strict=True):
            assert new.get_rotation() == (old.get_rotation() + 90) % 360
            assert (round(new.get_width()), round(new.get_height())) == (
                round(old.get_height()),
                round(old.get_width()),
            )
    finally:
        before.close()
        after.close()
    assert all(page.get("/Rotate") in (0, 90, 180, 270) for page in PdfReader(out).pages)


@pytest.mark.corpus
def test_corpus_mixed_sizes_and_encrypted(corpus_dir: Path, tmp_path: Path) -> None:
    sizes, locked = corpus_dir / "pdf" / "sizes.pdf", corpus_dir / "pdf" / "r2-empty-password.pdf"
    out = tmp_path / "out.pdf"
    result = arrange([sizes, locked], out, ArrangePlan(duplex=True, blank_after=(1,)))
    pages = read_back(out)
    assert result.pages == len(pages) == 6  # 3 + blank, padded to 4 + 1, + 1 padding
    assert pages[1][0] == "" and pages[1][1] == pages[0][1]
    assert "pdf encryption test" in pages[4][0]
    assert not PdfReader(out).is_encrypted
