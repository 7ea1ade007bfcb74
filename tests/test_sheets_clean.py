"""Cleaning class lists: spaces, empty rows and columns, duplicates, name case; outputs re-read cell by cell."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from sheets.clean import clean_table, name_case, tidy_spaces
from sheets.names import ColumnNotFound

NBSP = "\u00a0"
MESSY = (
    "Class list 7B\n"
    "\n"
    "ID;Surname;First name;;Born;Mark;Signature\n"
    f"00123;  O'BRIEN ;Zoë{NBSP}{NBSP}Anne;;03/04/2011;1,5;\n"
    "00456;mcdonald;José   Luis;;25/12/2010;2;\n"
    "   ;  ;;;;;\n"
    "00789;ΠΑΠΑΔΟΠΟΥΛΟΣ;Ελένη;;01/09/2011;=1+2;\n"
    f"00123;O'BRIEN;Zoë Anne{NBSP};;03/04/2011;1,5;\n"
    "01000;ИВАНОВ-ПЕТРОВ;Иван;;02/09/2011;3;\n"
    "01001;DiCaprio;Leo\u200b;;05/10/2010;4;\n"
    "01002;VAN DER BERG;anne-marie;;06/11/2010;5;\n"
)


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    path = tmp_path / "7B list.csv"
    path.write_text(MESSY, encoding="utf-8")
    return path


def read_csv(path: Path, delimiter: str = ";") -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_clean_csv_keeps_its_look_and_reports_each_change(messy: Path, tmp_path: Path) -> None:
    result = clean_table(messy, tmp_path / "out", name_columns=["surname"])
    assert result.output == tmp_path / "out" / "7B list (clean).csv"
    rows = read_csv(result.output)
    assert rows == [
        ["ID", "Surname", "First name", "Born", "Mark", "Signature"],
        ["00123", "O'Brien", "Zoë Anne", "03/04/2011", "1,5", ""],
        ["00456", "McDonald", "José Luis", "25/12/2010", "2", ""],
        ["00789", "Παπαδοπουλος", "Ελένη", "01/09/2011", "'=1+2", ""],
        ["01000", "Иванов-Петров", "Иван", "02/09/2011", "3", ""],
        ["01001", "DiCaprio", "Leo", "05/10/2010", "4", ""],
        ["01002", "Van der Berg", "anne-marie", "06/11/2010", "5", ""],
    ]
    assert (result.rows, result.columns) == (6, 6)
    changes = {change.kind: change for change in result.changes}
    # Seven cells: five with words in them, and two that held only spaces.
    assert changes["spaces"].count == 7
    assert "“  O'BRIEN ” → “O'BRIEN”" in changes["spaces"].examples
    assert f"“Zoë{NBSP}{NBSP}Anne” → “Zoë Anne”" in changes["spaces"].examples
    assert len(changes["spaces"].examples) == 5
    assert changes["name_case"].count == 6
    assert "“ΠΑΠΑΔΟΠΟΥΛΟΣ” → “Παπαδοπουλος”" in changes["name_case"].examples
    assert changes["empty_rows"].count == 1
    assert (changes["empty_columns"].count, changes["empty_columns"].examples) == (1, ["“Column D”"])
    assert changes["duplicates"].count == 1
    assert changes["duplicates"].examples == ["00123 | O'Brien | Zoë Anne | 03/04/2011 | 1,5"]
    assert changes["duplicates"].text == "1 duplicate row removed; the first copy of each was kept."
    assert result.changed
    notes = "\n".join(result.notes)
    assert "“Signature”" in notes and "kept" in notes
    assert "The header is on row 3" in notes
    assert "1 cell starts with = + - or @" in notes


def test_clean_can_leave_duplicates_and_empty_rows(messy: Path, tmp_path: Path) -> None:
    result = clean_table(messy, tmp_path, drop_duplicates=False, drop_empty=False, trim=False)
    rows = read_csv(result.output)
    assert len(rows) == 9 and rows[1][1] == "  O'BRIEN "
    assert [change.kind for change in result.changes] == []
    assert not result.changed


def test_clean_workbook_trims_text_and_keeps_types(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Year 7"
    sheet.append(["ID", "Name", "Born", "Mark", None])
    sheet.append([" 00123 ", "ZOË  BRONTË ", dt.datetime(2011, 4, 3), 12, None])
    sheet.append(["00456", "Иван\u00a0Петров", dt.datetime(2010, 12, 25), 15.5, None])
    sheet.append(["00123", "Zoë Brontë", dt.datetime(2011, 4, 3), 12, None])
    book.create_sheet("Other").append(["x"])
    book.save(tmp_path / "year.xlsx")

    result = clean_table(tmp_path / "year.xlsx", tmp_path / "out", name_columns=["NAME"])
    assert result.output.name == "year (clean).xlsx"
    out = openpyxl.load_workbook(result.output)
    assert out.sheetnames == ["Year 7"]
    cells = [list(row) for row in out.active.iter_rows()]
    assert [c.value for c in cells[0]] == ["ID", "Name", "Born", "Mark"]
    assert all(c.font.b for c in cells[0])
    assert (cells[1][0].value, cells[1][0].data_type) == ("00123", "s")
    assert cells[1][1].value == "Zoë Brontë"
    assert cells[1][2].value == dt.datetime(2011, 4, 3) and cells[1][2].is_date
    assert (cells[1][3].value, cells[1][3].data_type) == (12, "n")
    assert [c.value for c in cells[2]] == ["00456", "Иван Петров", dt.datetime(2010, 12, 25), 15.5]
    assert len(cells) == 3  # the third row was the first again once tidied
    assert out.active.freeze_panes == "A2"
    assert any("Only sheet “Year 7” was cleaned" in note for note in result.notes)


def test_unknown_name_column_is_refused(messy: Path, tmp_path: Path) -> None:
    with pytest.raises(ColumnNotFound, match="Family name"):
        clean_table(messy, tmp_path, name_columns=["Family name"])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("O'BRIEN", "O'Brien"),
        ("o’neill", "O’Neill"),
        ("MCDONALD", "McDonald"),
        ("ANNE-MARIE", "Anne-Marie"),
        ("LUDWIG VAN BEETHOVEN", "Ludwig van Beethoven"),
        ("VAN DER BERG", "Van der Berg"),
        ("D'ANGELO", "D'Angelo"),
        ("JEAN'S", "Jean's"),
        ("ΟΔΥΣΣΕΑΣ", "Οδυσσεας"),
        ("ЁЛКИН-СЕМЁНОВ", "Ёлкин-Семёнов"),
        ("nguyễn văn an", "Nguyễn Văn An"),
        ("İSTANBUL", "İstanbul"),
        ("IJSSELMEER", "IJsselmeer"),
        ("McDonald", "McDonald"),
        ("DiCaprio", "DiCaprio"),
        ("王芳", "王芳"),
    ],
)
def test_name_case(typed: str, expected: str) -> None:
    assert name_case(typed) == expected


def test_tidy_spaces_keeps_line_breaks() -> None:
    assert (
        tidy_spaces(f"  Flat 2 ,{NBSP}\u2009High  Street \r\n\n  Leeds\u200b ")
        == "Flat 2 , High Street\n\nLeeds"
    )
    assert tidy_spaces(" \t ") == ""


@pytest.mark.corpus
def test_corpus_bank_list_is_saved_as_utf8(corpus_dir: Path, tmp_path: Path) -> None:
    result = clean_table(corpus_dir / "csv" / "banklist.csv", tmp_path)
    rows = read_csv(result.output, ",")
    assert rows[0][0] == "Bank Name"
    assert rows[1] == [
        "Citizens Bank",
        "Sac City",
        "IA",
        "8758",
        "Iowa Trust & Savings Bank",
        "3-Nov-23",
        "10545",
    ]
    assert result.rows == len(rows) - 1 <= 568
    assert any("saved as UTF-8" in note for note in result.notes)
    assert any("Windows-1252" in note for note in result.notes)
