"""Splitting a year-group list by class: sheets, ZIPs of workbooks and of CSV files, re-read cell by cell."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from core.errors import LimitExceeded
from sheets.names import ColumnNotFound
from sheets.split import BLANK, MAX_GROUPS, split_by_column

YEAR_7 = (
    "Year 7 – all classes\n"
    "\n"
    "ID;Name;Born;Class;Mark\n"
    "00123;Zoë Brontë;03/04/2011;7B;1,5\n"
    "00456;Иван Петров;25/12/2010;7a;2\n"
    "00789;Ελένη Παπαδοπούλου;01/09/2011;7A ;=SUM(A1)\n"
    "01000;Łukasz Øster;02/09/2011;;3\n"
    "01001;Nguyễn Văn An;05/10/2010;7/C;4\n"
    "01002;José Núñez;06/11/2010;10A;5\n"
    "01003;Ana Silva;07/12/2010;7B;6\n"
)


@pytest.fixture
def year(tmp_path: Path) -> Path:
    path = tmp_path / "year 7.csv"
    path.write_text(YEAR_7, encoding="utf-8")
    return path


def test_split_into_sheets_groups_in_natural_order(year: Path, tmp_path: Path) -> None:
    result = split_by_column(year, tmp_path / "out", "class")
    assert result.output == tmp_path / "out" / "year 7 by Class.xlsx"
    assert result.column == "Class"
    assert result.groups == {"7a": 2, "7B": 2, "7/C": 1, "10A": 1, BLANK: 1}
    assert result.files == ["7a", "7B", "7_C", "10A", BLANK]
    assert result.rows == 7
    book = openpyxl.load_workbook(result.output)
    assert book.sheetnames == result.files
    seventh_a = [list(row) for row in book["7a"].iter_rows()]
    assert [c.value for c in seventh_a[0]] == ["ID", "Name", "Born", "Class", "Mark"]
    assert all(c.font.b for c in seventh_a[0])
    first = seventh_a[1]
    assert (first[0].value, first[0].data_type) == ("00456", "s")
    assert first[1].value == "Иван Петров"
    assert first[2].value == dt.datetime(2010, 12, 25) and first[2].is_date
    assert first[4].value == 2
    second = seventh_a[2]
    assert second[1].value == "Ελένη Παπαδοπούλου"
    assert (second[4].value, second[4].quotePrefix) == ("=SUM(A1)", True)
    assert [c.value for c in [list(r) for r in book["7B"].iter_rows()][1]][4] == 1.5
    assert [row[1] for row in book[BLANK].iter_rows(values_only=True)] == ["Name", "Łukasz Øster"]
    assert book["7a"].freeze_panes == "A2"
    notes = "\n".join(result.notes)
    assert "“7A”, “7a” differ only in capitals or spaces; they are one group, “7a”." in notes
    assert "1 row has no “Class”" in notes
    assert "decimal comma" in notes


def test_split_into_zip_of_workbooks(year: Path, tmp_path: Path) -> None:
    result = split_by_column(year, tmp_path, "Class", into="xlsx")
    assert result.output.name == "year 7 by Class.zip"
    assert result.files == ["7a.xlsx", "7B.xlsx", "7_C.xlsx", "10A.xlsx", f"{BLANK}.xlsx"]
    with zipfile.ZipFile(result.output) as archive:
        assert archive.namelist() == result.files
        data = archive.read("7_C.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["7_C"]
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][:4] == ("01001", "Nguyễn Văn An", dt.datetime(2010, 10, 5), "7/C")
    assert any("“7a.xlsx”: 1 cell starts with" in note for note in result.notes)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_split_csv_into_csv_keeps_cells_as_written(year: Path, tmp_path: Path) -> None:
    result = split_by_column(year, tmp_path, "Class", into="csv")
    with zipfile.ZipFile(result.output) as archive:
        assert archive.namelist() == ["7a.csv", "7B.csv", "7_C.csv", "10A.csv", f"{BLANK}.csv"]
        raw = archive.read("7a.csv")
        blank = archive.read(f"{BLANK}.csv")
    assert raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows == [
        ["ID", "Name", "Born", "Class", "Mark"],
        ["00456", "Иван Петров", "25/12/2010", "7a", "2"],
        ["00789", "Ελένη Παπαδοπούλου", "01/09/2011", "7A ", "'=SUM(A1)"],
    ]
    assert "Łukasz Øster;02/09/2011;;3" in blank.decode("utf-8-sig")
    assert any("1 cell starts with" in note and "apostrophe" in note for note in result.notes)


def test_unknown_column_lists_the_columns(year: Path, tmp_path: Path) -> None:
    with pytest.raises(ColumnNotFound, match=r"no column called “Form”\. Its columns are “ID”, “Name”"):
        split_by_column(year, tmp_path, "Form")
    assert not list(tmp_path.glob("*.xlsx"))


def test_too_many_groups_is_refused_in_plain_words(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text("ID\n" + "".join(f"{i}\n" for i in range(MAX_GROUPS + 1)), encoding="utf-8")
    with pytest.raises(LimitExceeded, match=f"more than {MAX_GROUPS} different values"):
        split_by_column(path, tmp_path, "ID")
    assert not list(tmp_path.glob("ids by*"))


def test_a_single_group_is_said(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("Name,Class\nAnn,7B\nBen,7B\n", encoding="utf-8")
    result = split_by_column(path, tmp_path, "Class")
    assert result.groups == {"7B": 2}
    assert any("only one group" in note for note in result.notes)


@pytest.mark.corpus
def test_corpus_bank_list_by_state(corpus_dir: Path, tmp_path: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    result = split_by_column(
        corpus_dir / "csv" / "banklist.csv",
        tmp_path,
        "state",
        progress=lambda d, t, s: seen.append((d, t, s)),
    )
    assert sum(result.groups.values()) == result.rows == 568
    assert list(result.groups) == sorted(result.groups)
    book = openpyxl.load_workbook(result.output, read_only=True)
    assert book.sheetnames == result.files
    rows = list(book["IA"].iter_rows(values_only=True))
    assert rows[1][:4] == ("Citizens Bank", "Sac City", "IA", 8758)
    assert rows[1][5] == dt.datetime(2023, 11, 3)
    assert len(rows) - 1 == result.groups["IA"]
    book.close()
    assert seen[-1][0] == seen[-1][1] == 568


@pytest.mark.corpus
def test_corpus_workbook_sheet_by_boolean_column(corpus_dir: Path, tmp_path: Path) -> None:
    # The "Total" row holds a number where the other rows hold TRUE or FALSE.
    result = split_by_column(corpus_dir / "sheets" / "Attendance.xlsx", tmp_path, "Tom Brooks", into="csv")
    assert result.groups == {"1": 1, "FALSE": 22, "TRUE": 1}
    with zipfile.ZipFile(result.output) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("TRUE.csv").decode("utf-8-sig"))))
        total = list(csv.reader(io.StringIO(archive.read("1.csv").decode("utf-8-sig"))))
    assert rows[0][:3] == ["Date", "Ben Ashley", "Tom Brooks"]
    assert rows[1][:3] == ["2020-10-01", "FALSE", "TRUE"]
    assert total[1][:3] == ["Total", "0", "1"]
