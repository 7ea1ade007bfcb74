"""Printable tables: the PDF re-read with pypdf: pages, header on each page, scripts, orientation."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from core.errors import EmptyDocument, LimitExceeded
from sheets.printable import MAX_CELL_LINES, printable_table

NAMES = ["Zoë Brontë", "Иван Петров", "Ελένη Παπαδοπούλου", "Nguyễn Văn An", "Łukasz Øster", "José Núñez"]
A4 = (595.28, 841.89)


def class_list(path: Path, rows: int, extra: list[str] | None = None) -> Path:
    """A class list CSV with a title row above the header and IDs with leading zeros."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Class list 7B – autumn term"])
        writer.writerow([])
        writer.writerow(["ID", "Name", "Born", "Mark"])
        for number in range(rows):
            writer.writerow([f"{number:05d}", NAMES[number % len(NAMES)], "03/04/2011", number % 20])
        for name in extra or []:
            writer.writerow(["99999", name, "01/01/2011", 1])
    return path


def page_size(reader: PdfReader, index: int = 0) -> tuple[float, float]:
    box = reader.pages[index].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)


def test_class_list_prints_on_portrait_pages_with_header_and_numbers(tmp_path: Path) -> None:
    source = class_list(tmp_path / "7B.csv", 130)
    result = printable_table(source, tmp_path / "7B.pdf")
    reader = PdfReader(result.output)
    assert result.pages == len(reader.pages) >= 3
    assert (result.orientation, result.font_size, result.rows, result.columns) == ("portrait", 10.0, 130, 4)
    assert page_size(reader) == A4
    texts = [page.extract_text() for page in reader.pages]
    for number, text in enumerate(texts, start=1):
        lines = text.splitlines()
        assert lines[0] == "Class list 7B – autumn term"
        assert lines[1] == "ID Name Born Mark"
        assert f"Page {number} of {result.pages}" in text
    everything = "\n".join(texts)
    # Every name in every script comes back out of the PDF, and the IDs keep their zeros.
    for name in NAMES:
        assert name in everything
    assert "00000 Zoë Brontë 03/04/2011 0" in everything
    assert "00129 Nguyễn Văn An 03/04/2011 9" in everything
    assert any("“Class list 7B – autumn term”, is printed as the title" in note for note in result.notes)
    assert not any("cannot draw" in note for note in result.notes)


def test_characters_the_font_lacks_are_reported_not_dropped(tmp_path: Path) -> None:
    source = class_list(tmp_path / "intl.csv", 3, extra=["王芳", "محمد"])
    result = printable_table(source, tmp_path / "intl.pdf", title="Exchange pupils")
    text = PdfReader(result.output).pages[0].extract_text()
    assert text.splitlines()[0] == "Exchange pupils"
    assert "99999 �� 01/01/2011" in text
    note = next(note for note in result.notes if "cannot draw" in note)
    assert "“王” (U+738B)" in note and "“芳” (U+82B3)" in note and "“م” (U+0645)" in note
    assert "in 2 cells" in note


def test_wide_table_turns_landscape_on_letter_paper(tmp_path: Path) -> None:
    path = tmp_path / "marks.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", *(f"Assessment {n}" for n in range(1, 13))])
        for name in NAMES:
            writer.writerow([name, *(f"{n * 7 % 100}%" for n in range(12))])
    result = printable_table(path, tmp_path / "marks.pdf", paper="Letter")
    reader = PdfReader(result.output)
    # Too wide for portrait even with the headers wrapped between words; landscape at 8 points fits.
    assert (result.orientation, result.font_size) == ("landscape", 8.0)
    assert page_size(reader) == (792.0, 612.0)
    text = reader.pages[0].extract_text()
    assert text.startswith("Name Assessment\n1\nAssessment\n2")
    assert "Ελένη Παπαδοπούλου 0% 7% 14%" in text

    portrait = printable_table(path, tmp_path / "narrow.pdf", orientation="portrait")
    assert portrait.orientation == "portrait"
    assert page_size(PdfReader(portrait.output)) == A4


def test_long_text_wraps_inside_cells_and_is_cut_when_huge(tmp_path: Path) -> None:
    path = tmp_path / "reports.csv"
    comment = "Works hard and joins in well; homework is sometimes late. "
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Comment", "Target"])
        writer.writerow(["Иван Петров", comment * 3, "Spelling"])
        writer.writerow(["Zoë Brontë", comment * 200, "Reading"])
    result = printable_table(path, tmp_path / "reports.pdf")
    text = PdfReader(result.output).pages[0].extract_text()
    lines = text.splitlines()
    assert max(len(line) for line in lines) < 150  # wrapped, not run off the page
    assert "Иван Петров" in text and "Reading" in text
    assert any(f"longer than {MAX_CELL_LINES} lines" in note for note in result.notes)
    assert "…" in text


def test_workbook_values_print_as_a_spreadsheet_shows_them(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Marks"
    sheet.append(["Name", "Born", "Mark", "Present", "Start"])
    sheet.append(["Ελένη", dt.datetime(2011, 4, 3), 12.0, True, dt.datetime(2024, 9, 2, 8, 30)])
    sheet.append(["Иван", dt.datetime(2010, 12, 25), 15.25, False, None])
    book.save(tmp_path / "marks.xlsx")
    result = printable_table(tmp_path / "marks.xlsx", tmp_path / "marks.pdf", sheet="Marks")
    text = PdfReader(result.output).pages[0].extract_text()
    assert "Ελένη 2011-04-03 12 TRUE 2024-09-02 08:30" in text
    assert "Иван 2010-12-25 15.25 FALSE" in text
    assert "marks.xlsx – Marks" in text


def test_limits_on_rows_and_pages(tmp_path: Path) -> None:
    source = class_list(tmp_path / "long.csv", 120)
    with pytest.raises(LimitExceeded, match="more than 100 rows"):
        printable_table(source, tmp_path / "rows.pdf", max_rows=100)
    with pytest.raises(LimitExceeded, match="more than 2 pages"):
        printable_table(source, tmp_path / "pages.pdf", max_pages=2)
    assert not list(tmp_path.glob("*.pdf"))


def test_too_many_columns_to_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(
        ",".join(f"A long column heading {n}" for n in range(60))
        + "\n"
        + ",".join("some fairly long text in every single cell" for _ in range(60))
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(LimitExceeded, match="60 columns"):
        printable_table(path, tmp_path / "wide.pdf")


@pytest.mark.corpus
def test_corpus_bank_list_in_landscape(corpus_dir: Path, tmp_path: Path) -> None:
    result = printable_table(corpus_dir / "csv" / "banklist.csv", tmp_path / "banks.pdf")
    reader = PdfReader(result.output)
    assert result.rows == 568 and result.orientation == "landscape"
    assert page_size(reader) == A4[::-1]
    for page in (reader.pages[0], reader.pages[-1]):
        text = page.extract_text()
        assert text.startswith("Bank Name City State Cert")
        assert f"of {result.pages}" in text
    assert "Citizens Bank Sac City IA 8758" in reader.pages[0].extract_text()


@pytest.mark.corpus
def test_corpus_attendance_workbook(corpus_dir: Path, tmp_path: Path) -> None:
    result = printable_table(corpus_dir / "sheets" / "Attendance.xlsx", tmp_path / "attendance.pdf")
    text = PdfReader(result.output).pages[0].extract_text()
    assert result.pages == 1 and result.rows == 24
    assert "2020-10-01 FALSE TRUE" in text
    assert "Page 1 of 1" in text


@pytest.mark.corpus
def test_corpus_empty_sheet_is_refused(corpus_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(EmptyDocument):
        printable_table(corpus_dir / "sheets" / "empty_sheet.xlsx", tmp_path / "empty.pdf")
    assert not (tmp_path / "empty.pdf").exists()
