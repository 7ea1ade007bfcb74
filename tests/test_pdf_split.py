"""Split into a ZIP of PDFs: every N pages, by ranges, one per page; names, limits, atomic writes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from core.errors import BadPageRange, DamagedFile, LimitExceeded, PasswordRequired
from pdf import plans as split_module
from pdf.plans import split_groups
from pdf.split import part_names, split
from tests.make_files import encrypt_pdf, make_pdf


@pytest.fixture(scope="module")
def ten(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pdf(tmp_path_factory.mktemp("split") / "Fractions worksheet.pdf", 10, "P")


def parts(zip_path: Path) -> dict[str, list[str]]:
    """Each member's page texts, read by pypdf and checked against pdfium."""
    found = {}
    with zipfile.ZipFile(zip_path) as archive:
        assert archive.testzip() is None
        for name in archive.namelist():
            data = archive.read(name)
            texts = [page.extract_text().strip() for page in PdfReader(io.BytesIO(data)).pages]
            doc = pdfium.PdfDocument(data)
            try:
                assert [page.get_textpage().get_text_bounded().strip() for page in doc] == texts
            finally:
                doc.close()
            found[name] = texts
    return found


def test_every_n_pages(ten: Path, tmp_path: Path) -> None:
    out = tmp_path / "parts.zip"
    result = split(ten, out, every=4)
    assert parts(out) == {
        "Fractions worksheet - pages 01-04.pdf": ["P 1", "P 2", "P 3", "P 4"],
        "Fractions worksheet - pages 05-08.pdf": ["P 5", "P 6", "P 7", "P 8"],
        "Fractions worksheet - pages 09-10.pdf": ["P 9", "P 10"],
    }
    assert (result.files, result.pages, result.source_pages) == (3, 10, 10)
    assert result.names == sorted(result.names)


def test_one_file_per_page_sorts_in_page_order(ten: Path, tmp_path: Path) -> None:
    out = tmp_path / "pages.zip"
    result = split(ten, out)
    found = parts(out)
    assert list(found) == [f"Fractions worksheet - page {n:02d}.pdf" for n in range(1, 11)]
    assert list(found.values()) == [[f"P {n}"] for n in range(1, 11)]
    assert result.files == 10


def test_by_ranges_in_typed_order(ten: Path, tmp_path: Path) -> None:
    out = tmp_path / "ranges.zip"
    split(ten, out, ranges="5-9, 1–4, 10, 10")
    found = parts(out)
    assert list(found.items()) == [
        ("Fractions worksheet - pages 05-09.pdf", ["P 5", "P 6", "P 7", "P 8", "P 9"]),
        ("Fractions worksheet - pages 01-04.pdf", ["P 1", "P 2", "P 3", "P 4"]),
        ("Fractions worksheet - page 10.pdf", ["P 10"]),
        ("Fractions worksheet - page 10 (2).pdf", ["P 10"]),
    ]


def test_names_are_safe_for_any_file_system() -> None:
    names = part_names('../Unit 3: "Fractions"?<>|' + "é" * 200 + ".pdf", [[0], [1, 2]], 120)
    for name in names:
        assert not set(name) & set('/\\:"?<>|')
        assert len(name.encode()) <= 150
    assert names[0].endswith(" - page 001.pdf") and names[1].endswith(" - pages 002-003.pdf")
    assert part_names("", [[0]], 1) == ["document - page 1.pdf"]
    assert part_names("a.pdf", [[0], [0]], 1) == ["a - page 1.pdf", "a - page 1 (2).pdf"]


def test_plan_and_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    assert split_groups(5, every=2) == [[0, 1], [2, 3], [4]]
    assert split_groups(3) == [[0], [1], [2]]
    with pytest.raises(ValueError, match="either"):
        split_groups(5, every=2, ranges="1")
    with pytest.raises(ValueError, match="whole number"):
        split_groups(5, every=0)
    with pytest.raises(BadPageRange, match="Page 6 does not exist"):
        split_groups(5, ranges="1-6")
    monkeypatch.setattr(split_module, "MAX_PARTS", 4)
    with pytest.raises(LimitExceeded, match="5 files; the limit is 4"):
        split_groups(5)


def test_failures_leave_no_file(ten: Path, tmp_path: Path) -> None:
    out = tmp_path / "parts.zip"
    with pytest.raises(BadPageRange):
        split(ten, out, ranges="11")
    locked = encrypt_pdf(ten, tmp_path / "locked.pdf", "secret")
    with pytest.raises(PasswordRequired):
        split(locked, out)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(ten.read_bytes()[:400])
    with pytest.raises(DamagedFile):
        split(broken, out)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_progress_counts_files(ten: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    split(ten, tmp_path / "parts.zip", every=5, progress=lambda *c: calls.append(c))
    assert calls[-1][0] == calls[-1][1] == 3
    assert calls[0][2] == "Writing file 1 of 2"


@pytest.mark.corpus
def test_corpus_rotated_pages_keep_their_rotation(corpus_dir: Path, tmp_path: Path) -> None:
    src = corpus_dir / "pdf" / "fxo-red-rotate.pdf"
    out = tmp_path / "pages.zip"
    result = split(src, out, name="fxo red rotate.pdf")
    assert result.files == 16
    source = pdfium.PdfDocument(src)
    with zipfile.ZipFile(out) as archive:
        for index, name in enumerate(archive.namelist()):
            assert name == f"fxo red rotate - page {index + 1:02d}.pdf"
            doc = pdfium.PdfDocument(archive.read(name))
            assert len(doc) == 1
            assert doc[0].get_rotation() == source[index].get_rotation()
            assert doc[0].get_size() == pytest.approx(source[index].get_size())
            doc.close()
    source.close()


@pytest.mark.corpus
def test_corpus_links_do_not_drag_the_whole_document_along(corpus_dir: Path, tmp_path: Path) -> None:
    src = corpus_dir / "pdf" / "pdflatex-outline.pdf"  # internal links between pages
    out = tmp_path / "pages.zip"
    split(src, out)
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            assert len(PdfReader(io.BytesIO(archive.read(name))).pages) == 1
