"""Spreadsheets jobs through a real Redis and a real RQ worker."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from core.errors import BadOptions
from storage.jobs import Status
from tests.test_merge_chain import upload, upload_bytes


def finished(jobs, burst, record):
    burst()
    done = jobs.get(record.id, None)
    assert done.status == Status.FINISHED, done.error
    return done


def test_messy_csv_becomes_a_tidy_workbook(jobs, config, burst):
    text = 'Year 9 — exported 2026\n\nID;Name;Mark\n00123;=HYPERLINK("x");3,5\n00456;Élodie Łukasz;-2\n'
    item = upload_bytes(config, "marks.csv", text.encode("cp1252", errors="replace"))
    done = finished(jobs, burst, jobs.submit("spreadsheets", "x", [item], {"task": "to_xlsx"}, "t1"))
    path = jobs.output_path(done.id, done.outputs[0], None)
    sheet = openpyxl.load_workbook(path).active
    # The title row stays where it was; the table starts at the detected header, row 3.
    assert sheet["A1"].value == "Year 9 — exported 2026"
    assert [c.value for c in sheet[3]] == ["ID", "Name", "Mark"]
    assert sheet["A3"].font.b
    assert sheet["A4"].value == "00123" and sheet["A4"].data_type == "s"
    assert sheet["B4"].value == '=HYPERLINK("x")' and sheet["B4"].data_type == "s"  # kept as text, not run
    assert sheet["C4"].value == 3.5
    assert sheet["C5"].value == -2
    assert sheet["B5"].value == "Élodie Łukasz".encode("cp1252", errors="replace").decode("cp1252")
    assert sheet.freeze_panes == "A4"
    assert done.steps[1].result["results"][0]["rows"] == 2
    assert any("decimal comma" in note for note in done.steps[1].result["notes"])


def test_workbook_to_csv_zip_of_every_sheet(jobs, config, burst, tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "7A"
    book.active.append(["Name", "Mark"])
    book.active.append(["Zoë", 5])
    second = book.create_sheet("7B")
    second.append(["Name", "Mark"])
    second.append(["Пётр", "@SUM(1)"])
    book.save(tmp_path / "classes.xlsx")
    item = upload(config, tmp_path / "classes.xlsx")
    options = {"task": "to_csv", "all_sheets": True, "bom": True}
    done = finished(jobs, burst, jobs.submit("spreadsheets", "x", [item], options, "t1"))
    assert done.outputs[0].name == "classes.zip"
    with zipfile.ZipFile(jobs.output_path(done.id, done.outputs[0], None)) as archive:
        names = sorted(archive.namelist())
        assert len(names) == 2
        raw = {n: archive.read(n) for n in names}
    assert all(data.startswith(b"\xef\xbb\xbf") for data in raw.values())
    rows = {n: list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) for n, data in raw.items()}
    assert ["Zoë", "5"] in rows[names[0]]
    assert ["Пётр", "'@SUM(1)"] in rows[names[1]]


def test_missing_sheet_fails_in_the_check_step(jobs, config, burst, tmp_path):
    book = openpyxl.Workbook()
    book.save(tmp_path / "one.xlsx")
    item = upload(config, tmp_path / "one.xlsx")
    record = jobs.submit("spreadsheets", "x", [item], {"task": "to_csv", "sheet": "Nope"}, "t1")
    burst()
    failed = jobs.get(record.id, None)
    assert failed.status == Status.FAILED
    assert failed.error.key == "sheet_not_found"
    assert [s.status for s in failed.steps] == [Status.FAILED, Status.CANCELED]


def test_unknown_task_refused_before_queueing(jobs, config):
    item = upload_bytes(config, "a.csv", b"a,b\n1,2\n")
    with pytest.raises(BadOptions):
        jobs.submit("spreadsheets", "x", [item], {"task": "explode"}, "t1")


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name", ["test_latin1.csv", "test_utf16_little.csv", "test_utf8_bom.csv", "mac_newlines.csv"]
)
def test_corpus_csv_encodings_convert(jobs, config, burst, corpus_dir, name):
    item = upload(config, corpus_dir / "csv" / name)
    done = finished(jobs, burst, jobs.submit("spreadsheets", "x", [item], {"task": "to_xlsx"}, "t1"))
    sheet = openpyxl.load_workbook(jobs.output_path(done.id, done.outputs[0], None)).active
    assert sheet.max_row >= 2
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "\ufffd" not in text and "Ã" not in text  # no mojibake


@pytest.mark.corpus
def test_corpus_encrypted_workbook_fails_with_a_clear_message(jobs, config, burst, corpus_dir):
    item = upload(config, corpus_dir / "sheets" / "pass_protected.xlsx")
    record = jobs.submit("spreadsheets", "x", [item], {"task": "to_csv"}, "t1")
    burst()
    failed = jobs.get(record.id, None)
    assert failed.status == Status.FAILED
    assert failed.error.key == "password_required"


CLASS_LIST = (
    "Year 8 list\n\nName,Class,Mark\n"
    "  ANNA   SMITH ,8A,5\nБорис Петров,8B,4\n  ANNA   SMITH ,8A,5\n,,\nΖωή Παππά,8A,=1+1\nLê Văn Tám,,3\n"
)


def run_task(jobs, config, burst, options, files=None):
    files = files or [upload_bytes(config, "year8.csv", CLASS_LIST.encode())]
    record = jobs.submit("spreadsheets", "x", files, options, "t1")
    return finished(jobs, burst, record)


def test_split_by_class_into_sheets(jobs, config, burst):
    done = run_task(jobs, config, burst, {"task": "split", "split_column": "Class"})
    book = openpyxl.load_workbook(jobs.output_path(done.id, done.outputs[0], None))
    assert book.sheetnames == ["8A", "8B", "(blank)"]
    assert [c.value for c in book["8B"][2]] == ["Борис Петров", "8B", 4]
    assert book["8A"]["C4"].value == "=1+1" and book["8A"]["C4"].data_type == "s"


def test_clean_reports_what_changed(jobs, config, burst):
    done = run_task(jobs, config, burst, {"task": "clean", "name_columns": ["Name"]})
    notes = " ".join(done.steps[1].result["notes"])
    assert "duplicate" in notes.lower() and "space" in notes.lower()
    path = jobs.output_path(done.id, done.outputs[0], None)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    names = [r[0] for r in rows if r and r[0] not in ("Year 8 list", "Name")]
    assert names.count("Anna Smith") == 1
    assert "Борис Петров" in names and "Lê Văn Tám" in names


def test_printable_table_in_any_script(jobs, config, burst):
    from pypdf import PdfReader

    done = run_task(jobs, config, burst, {"task": "print", "title": "Year 8 — marks"})
    assert done.outputs[0].mime == "application/pdf"
    text = PdfReader(jobs.output_path(done.id, done.outputs[0], None)).pages[0].extract_text()
    for word in ("Year 8 — marks", "Борис", "Ζωή", "Văn", "Page 1 of 1"):
        assert word in text, word


def test_combine_two_class_lists_stacked(jobs, config, burst):
    a = upload_bytes(config, "8A.csv", b"Name,Mark\nAnna,5\n")
    b = upload_bytes(config, "8B.csv", b"name,Mark,Email\nBoris,4,b@school.org\n")
    done = run_task(
        jobs, config, burst, {"task": "combine", "combine_mode": "stack", "output_name": "year 8"}, [a, b]
    )
    assert done.outputs[0].name == "year 8.xlsx"
    sheet = openpyxl.load_workbook(jobs.output_path(done.id, done.outputs[0], None)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Source", "Name", "Mark"]
    assert rows[1][:3] == ["8A.csv", "Anna", 5] and rows[2][:3] == ["8B.csv", "Boris", 4]
    assert any("Email" in note for note in done.steps[1].result["notes"])


def test_row_limit_from_the_settings_is_named_in_the_message(jobs, config, burst, monkeypatch):
    monkeypatch.setenv("SHEET_MAX_ROWS", "3")
    from services.control import Jobs

    small = Jobs()
    rows = "".join(f"Pupil {n},{n}\n" for n in range(10))
    item = upload_bytes(config, "big.csv", ("Name,Mark\n" + rows).encode())
    record = small.submit("spreadsheets", "x", [item], {"task": "to_xlsx"}, "t1")
    from storage.config import load_config
    from tests.conftest import run_worker_burst

    run_worker_burst(load_config())
    failed = jobs.get(record.id, None)
    assert failed.status == Status.FAILED
    assert failed.error.key == "limit_exceeded"
    assert "3" in failed.error.message and "row" in failed.error.message, failed.error.message
