"""Logic and limits declared once: the margin limit, the one way a PDF is opened, names made unique."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfWriter

from core.errors import TeacherPrinterError
from core.files import UniqueNames
from pdf import source
from pdf.layout import grid_layout
from pdf.limits import MAX_MARGIN_MM
from pdf.marks import LabelStyle, StampSpec
from pdf.source import open_source, usable_pdf
from tests.conftest import ROOT
from tests.make_files import encrypt_pdf, make_pdf
from worker.kinds.class_sets import ClassSetOptions
from worker.kinds.handouts import HandoutOptions


def test_one_margin_limit_for_sheets_labels_and_page_numbers():
    declared = [
        path.relative_to(ROOT).as_posix()
        for folder in ("pdf", "worker", "services", "ui")
        for path in (ROOT / folder).rglob("*.py")
        if "MAX_MARGIN_MM =" in path.read_text()
    ]
    assert declared == ["pdf/limits.py"]
    grid_layout("A4", "portrait", 1, 1, MAX_MARGIN_MM, MAX_MARGIN_MM)
    LabelStyle(margin_mm=MAX_MARGIN_MM)
    StampSpec(margin_mm=MAX_MARGIN_MM)
    ClassSetOptions(name_column="Name", margin_mm=MAX_MARGIN_MM).validate()
    HandoutOptions(margin_mm=MAX_MARGIN_MM, gap_mm=MAX_MARGIN_MM).validate()
    for over in (
        lambda: LabelStyle(margin_mm=MAX_MARGIN_MM + 1),
        lambda: StampSpec(margin_mm=MAX_MARGIN_MM + 1),
        lambda: grid_layout("A4", "portrait", 1, 1, MAX_MARGIN_MM + 1, 0),
    ):
        with pytest.raises(ValueError):
            over()


def bad_pdfs(folder: Path) -> dict[str, Path]:
    empty = folder / "empty.pdf"
    empty.write_bytes(b"")
    text = folder / "text.pdf"
    text.write_bytes(b"just some words, not a PDF at all\n")
    broken = folder / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nthis is not really a PDF\n")
    blank = folder / "blank.pdf"
    PdfWriter().write(blank)
    locked = encrypt_pdf(make_pdf(folder / "plain.pdf", 2), folder / "locked.pdf", "secret")
    return {"empty": empty, "text": text, "broken": broken, "blank": blank, "locked": locked}


@pytest.mark.parametrize("case", ["empty", "text", "broken", "blank", "locked", "long"])
def test_the_operations_open_a_pdf_as_the_upload_check_does(tmp_path, monkeypatch, case):
    """open_source (every PDF operation) and usable_pdf (the upload page, the job's check) agree."""
    files = bad_pdfs(tmp_path)
    files["long"] = make_pdf(tmp_path / "long.pdf", 6)
    monkeypatch.setattr(source, "MAX_SOURCE_PAGES", 5)
    path = files[case]
    with pytest.raises(TeacherPrinterError) as checked:
        usable_pdf(path, path.name)
    with pytest.raises(TeacherPrinterError) as opened:
        open_source(path)
    assert type(opened.value) is type(checked.value)
    assert opened.value.for_teacher() == checked.value.for_teacher()


def test_unique_names_number_repeats_by_their_key():
    loose = UniqueNames()
    assert [loose.numbered(n, ".csv") for n in ("Marks", "marks", "MARKS")] == [
        "Marks.csv",
        "marks (2).csv",
        "MARKS (3).csv",
    ]
    exact = UniqueNames(key=str)
    assert [exact.numbered(n) for n in ("Name", "name", "Name")] == ["Name", "name", "Name (2)"]
