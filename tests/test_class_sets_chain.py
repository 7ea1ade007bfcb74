"""Class sets jobs through a real Redis and a real RQ worker, with generated and real-world files."""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from storage.jobs import Status
from tests.make_files import make_pdf
from tests.test_merge_chain import upload, upload_bytes
from worker.kinds.class_sets import WRITE_IN

MESSY_ROWS = [
    ["Year 9 — class list exported 2026"],
    [],
    ["First name", "Surname", "Class", "Student ID"],
    ["Anna", "Smith", "9B", 1001],
    ["  Zoë ", " Ångström", "9A", 1002],
    [],
    ["Пётр", "Иванов", "9A", 1003],
    [None, None, "9B", 1004],
    ["Νίκος", "Παπαδόπουλος", "9B", 1005],
    ["Minh  Khai", "Nguyễn", "9A", 1006],
    ["Anna", "Smith", "9B", 1007],
    ["Łukasz", None, "9B", 1008],
]
MESSY_STUDENTS = 7  # row 6 is empty and row 8 has no name


def messy_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Year 9"
    for row in MESSY_ROWS:
        sheet.append(row)
    book.save(path)
    return path


def finished(jobs, burst, record):
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED, done.error
    return done


def outputs(jobs, done) -> dict[str, Path]:
    return {o.name: jobs.output_path(done.id, o, None) for o in done.outputs}


def notes_of(done) -> str:
    return "\n".join(note for step in done.steps for note in step.result.get("notes", []))


def submit(jobs, worksheet: dict, class_list: dict, options: dict):
    inputs = [{**worksheet, "role": "worksheet"}, {**class_list, "role": "class_list"}]
    return jobs.submit("class_sets", "Class sets — test", inputs, options, "t1")


def test_messy_workbook_duplex_class_set(jobs, config, burst, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    worksheet = upload(config, make_pdf(tmp_path / "Fractions.pdf", 3, "Question"))
    class_list = upload(config, messy_workbook(tmp_path / "year9.xlsx"))
    options = {
        "first_name_column": "First name",
        "surname_column": "Surname",
        "class_column": "Class",
        "duplex": True,
        "date_text": "12 Mar 2026",
        "output_name": "Fractions class set",
    }
    done = finished(jobs, burst, submit(jobs, worksheet, class_list, options))
    assert [s.label for s in done.steps] == [
        "Read class list",
        "Make the named copies",
        "Assemble the print file",
        "Package",
    ]
    files = outputs(jobs, done)
    assert list(files) == [
        "Fractions class set.pdf",
        "Fractions class set - single copies.zip",
        "Fractions class set - checklist.xlsx",
    ]

    # Print file: 7 students × (3 pages + 1 blank for duplex), in class then surname order.
    printed = PdfReader(files["Fractions class set.pdf"], strict=True)
    assert len(printed.pages) == MESSY_STUDENTS * 4
    expected = [
        "Zoë Ångström",
        "Minh Khai Nguyễn",
        "Пётр Иванов",
        "Anna Smith",
        "Anna Smith",
        "Łukasz",
        "Νίκος Παπαδόπουλος",
    ]
    for copy, name in enumerate(expected):
        for page in range(3):
            text = printed.pages[copy * 4 + page].extract_text()
            assert name in text and f"Question {page + 1}" in text and "12 Mar 2026" in text
        assert printed.pages[copy * 4 + 3].extract_text().strip() == ""
    assert done.steps[2].result["pages_per_copy"] == 4
    assert done.steps[2].result["sheets_of_paper"] == MESSY_STUDENTS * 2

    # Single copies: safe, unique names; each holds only its own student's name.
    with zipfile.ZipFile(files["Fractions class set - single copies.zip"]) as archive:
        names = archive.namelist()
        assert len(names) == MESSY_STUDENTS
        assert "9A - Ångström Zoë.pdf" in names
        assert "9B - Smith Anna.pdf" in names and "9B - Smith Anna (2).pdf" in names
        copy = PdfReader(io.BytesIO(archive.read("9A - Иванов Пётр.pdf")), strict=True)
    assert len(copy.pages) == 3
    assert all("Пётр Иванов" in page.extract_text() for page in copy.pages)
    assert "Zoë" not in copy.pages[0].extract_text()

    sheet = openpyxl.load_workbook(files["Fractions class set - checklist.xlsx"]).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("No.", "Student", "Class", "Pages", "File", "✓")
    assert rows[1][:5] == (1, "Zoë Ångström", "9A", 3, "9A - Ångström Zoë.pdf")
    assert len(rows) == MESSY_STUDENTS + 1

    notes = notes_of(done)
    assert "on row 3 of the class list; the row above it was left out" in notes
    assert "1 empty row was skipped" in notes
    assert "no name on row 8" in notes
    assert "The same name in 9B is on the class list 2 times (rows 4, 11)" in notes
    assert "no surname on row 12" in notes
    assert "Extra spaces were removed from 3 names" in notes
    # Names stay out of the job record's own fields and out of the logs.
    assert "Иванов" not in done.progress_text and "Иванов" not in str(done.steps[0].result.get("classes"))
    assert not any("Иванов" in r.getMessage() or "Smith" in r.getMessage() for r in caplog.records)
    # Nor anywhere in Redis (the record, the queue, RQ's results) or in the job's manifest on disk:
    # records hold counts and row numbers, never a student's name.
    conn = jobs.store.conn
    stored = []
    for key in conn.scan_iter():
        kind = conn.type(key)
        if kind == b"string":
            stored.append(conn.get(key))
        elif kind == b"hash":
            stored.extend(conn.hgetall(key).values())
    stored.append((config.data_dir / "jobs" / done.id / "manifest.json").read_bytes())
    for name in ("Smith", "Иванов", "Ångström", "Παπαδόπουλος", "Łukasz"):
        assert not any(name.encode() in value for value in stored), name


def test_single_name_column_two_per_sheet_and_unprintable_names(jobs, config, burst, tmp_path):
    text = "Name,Group\nXavier Young,7C\n王小明,7C\nAdele Brown,7C\nChloé Dubois,7D\n"
    class_list = upload_bytes(config, "7C.csv", text.encode())
    worksheet = upload(config, make_pdf(tmp_path / "Reading.pdf", 3, "Text"))
    options = {
        "name_column": "Name",
        "class_column": "Group",
        "classes": ["7C"],
        "sort": "list",
        "per_sheet": 2,
        "position": "bottom-centre",
        "extra_text": "Homework — due Friday",
    }
    done = finished(jobs, burst, submit(jobs, worksheet, class_list, options))
    files = outputs(jobs, done)
    printed = PdfReader(files["class set.pdf"], strict=True)
    # 3 students, 3 pages padded to 4 so that each copy starts on its own sheet, 2 per sheet.
    assert len(printed.pages) == 3 * 4 // 2
    first_sheet = printed.pages[0].extract_text()
    assert "Xavier Young" in first_sheet and "Homework — due Friday" in first_sheet
    assert "Adele Brown" not in first_sheet
    assert "Name: ___" in printed.pages[2].extract_text()
    assert "Adele Brown" in printed.pages[4].extract_text()
    notes = notes_of(done)
    assert "1 name uses letters the font on this server cannot print: row 3." in notes
    assert "line to write the name on" in notes
    assert "王" not in notes  # the record keeps the row, not the name nor its letters
    with zipfile.ZipFile(files["class set - single copies.zip"]) as archive:
        assert archive.namelist() == ["7C - Xavier Young.pdf", "7C - 王小明.pdf", "7C - Adele Brown.pdf"]
        unprintable = PdfReader(io.BytesIO(archive.read("7C - 王小明.pdf")))
    assert WRITE_IN in unprintable.pages[0].extract_text()


def test_no_usable_name_column_fails_in_the_first_step(jobs, config, burst, tmp_path):
    class_list = upload_bytes(config, "marks.csv", b"Student ID,Mark\n1001,5\n1002,7\n1003,4\n")
    worksheet = upload(config, make_pdf(tmp_path / "Quiz.pdf", 1))
    record = submit(jobs, worksheet, class_list, {"name_column": "Student ID"})
    burst()
    failed = jobs.get(record.id, None)
    assert failed.status == Status.FAILED
    assert failed.error.key == "class_list"
    assert "Column “Student ID” of marks.csv holds numbers, not names" in failed.error.message
    assert [s.status for s in failed.steps] == [Status.FAILED, *[Status.CANCELED] * 3]
    assert failed.outputs == []

    record = submit(jobs, worksheet, class_list, {"first_name_column": "Vorname"})
    burst()
    failed = jobs.get(record.id, None)
    assert failed.status == Status.FAILED
    assert "marks.csv has no column called “Vorname”" in failed.error.message
    assert "“Student ID”, “Mark”" in failed.error.message


@pytest.mark.corpus
def test_corpus_attendance_register_has_no_name_column(jobs, config, burst, corpus_dir, tmp_path):
    """The register has students across its header row: its first column holds dates, not names."""
    class_list = upload(config, corpus_dir / "sheets" / "Attendance.xlsx")
    worksheet = upload(config, corpus_dir / "pdf" / "pdflatex-4-pages.pdf")
    record = submit(jobs, worksheet, class_list, {"name_column": "Date"})
    burst()
    failed = jobs.get(record.id, None)
    assert failed.status == Status.FAILED
    assert "Column “Date” of Attendance.xlsx holds dates, not names" in failed.error.message
    assert [s.status for s in failed.steps][1:] == [Status.CANCELED] * 3


@pytest.mark.corpus
def test_corpus_names_and_worksheet(jobs, config, burst, corpus_dir):
    """A real cp1252 CSV with a "Bank Name" column, filtered on "State", on a real LaTeX worksheet."""
    class_list = upload(config, corpus_dir / "csv" / "banklist.csv")
    worksheet = upload(config, corpus_dir / "pdf" / "pdflatex-4-pages.pdf")
    options = {"name_column": "Bank Name", "class_column": "State", "classes": ["MN"], "show_class": False}
    done = finished(jobs, burst, submit(jobs, worksheet, class_list, options))
    assert done.steps[0].result["students"] == 23
    printed = PdfReader(outputs(jobs, done)["class set.pdf"], strict=True)
    assert len(printed.pages) == 23 * 4
    assert "Hello, here is some text" in printed.pages[0].extract_text()
    with zipfile.ZipFile(outputs(jobs, done)["class set - single copies.zip"]) as archive:
        names = archive.namelist()
        assert len(names) == 23 and all(n.startswith("MN - ") for n in names)
        first = PdfReader(io.BytesIO(archive.read(names[0])))
    assert names[0].removeprefix("MN - ").removesuffix(".pdf") in first.pages[3].extract_text()


@pytest.mark.corpus
def test_corpus_rotated_worksheet_gets_upright_labels(jobs, config, burst, corpus_dir, tmp_path):
    class_list = upload_bytes(config, "list.csv", "Name\nΑλέξανδρος\nДарья\n".encode())
    worksheet = upload(config, corpus_dir / "pdf" / "rotated.pdf")
    done = finished(jobs, burst, submit(jobs, worksheet, class_list, {"name_column": "Name"}))
    printed = PdfReader(outputs(jobs, done)["class set.pdf"], strict=True)
    source = PdfReader(corpus_dir / "pdf" / "rotated.pdf")
    assert len(printed.pages) == 2 * len(source.pages)
    for index in (0, 1, 2, 3):
        page = printed.pages[index]
        assert page.rotation == 0
        shown = source.pages[index]
        width, height = float(shown.mediabox.width), float(shown.mediabox.height)
        if shown.rotation % 180:
            width, height = height, width
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (
            round(width),
            round(height),
        )
        assert "Αλέξανδρος" in page.extract_text()
    assert "Дарья" in printed.pages[len(source.pages)].extract_text()
