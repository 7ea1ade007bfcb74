"""Combining class lists: outputs re-read with openpyxl and checked cell by cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from core.errors import EmptyDocument, LimitExceeded
from sheets import Limits
from sheets.combine import MAX_INPUTS, combine

LIST_7A = (
    "Class list 7A – autumn term\n"
    "\n"
    "ID,First name,Born,Mark,Note\n"
    "00123,Zoë Brontë,03/04/2011,12,=1+2\n"
    "\n"
    "00456,José Núñez,25/12/2010,15,\n"
)


def make_book(path: Path) -> Path:
    """A workbook with two class sheets whose headers differ from 7A's in case and spacing."""
    book = openpyxl.Workbook()
    first = book.active
    first.title = "7B"
    first.append(["id", "first  NAME", "Born", "Email"])
    first.append(["00789", "Иван Петров", dt.datetime(2011, 1, 5), "ivan@school.example"])
    first.append(["00790", "Ελένη Παπαδοπούλου", dt.datetime(2010, 11, 30), None])
    second = book.create_sheet("7C")
    second.append(["ID", "First name", "Mark"])
    second.append(["01000", "Łukasz Øster", 9])
    book.save(path)
    return path


def rows_of(path: Path, sheet: str | None = None) -> list[list[openpyxl.cell.Cell]]:
    book = openpyxl.load_workbook(path)
    return [list(row) for row in (book[sheet] if sheet else book.active).iter_rows()]


@pytest.fixture
def inputs(tmp_path: Path) -> list[tuple[Path, str | None]]:
    (tmp_path / "7A.csv").write_bytes(LIST_7A.encode("cp1252"))
    book = make_book(tmp_path / "classes.xlsx")
    return [(tmp_path / "7A.csv", None), (book, "7B"), (book, "7C")]


def test_stack_matches_columns_by_name_and_reports_what_is_missing(
    inputs: list[tuple[Path, str | None]], tmp_path: Path
) -> None:
    result = combine(inputs, tmp_path / "out" / "all.xlsx", mode="stack")
    rows = rows_of(result.output)
    header = [cell.value for cell in rows[0]]
    assert header == ["Source", "ID", "First name", "Born", "Mark", "Note", "Email"]
    assert all(cell.font.b for cell in rows[0])
    values = [[cell.value for cell in row] for row in rows[1:]]
    assert values == [
        ["7A.csv", "00123", "Zoë Brontë", dt.datetime(2011, 4, 3), 12, "=1+2", None],
        ["7A.csv", "00456", "José Núñez", dt.datetime(2010, 12, 25), 15, None, None],
        [
            "classes.xlsx – 7B",
            "00789",
            "Иван Петров",
            dt.datetime(2011, 1, 5),
            None,
            None,
            "ivan@school.example",
        ],
        ["classes.xlsx – 7B", "00790", "Ελένη Παπαδοπούλου", dt.datetime(2010, 11, 30), None, None, None],
        ["classes.xlsx – 7C", "01000", "Łukasz Øster", None, 9, None, None],
    ]
    # IDs stay text, dates are dates, the formula-looking note stays text.
    assert all(row[1].data_type == "s" for row in rows[1:])
    assert rows[1][3].is_date and rows[1][3].number_format == "yyyy-mm-dd"
    assert rows[1][4].data_type == "n"
    assert rows[1][5].data_type == "s" and rows[1][5].quotePrefix
    sheet = openpyxl.load_workbook(result.output).active
    assert sheet.title == "Combined"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:G6"
    assert sheet.column_dimensions["C"].width > sheet.column_dimensions["B"].width

    assert result.sources == ["7A.csv", "classes.xlsx – 7B", "classes.xlsx – 7C"]
    assert (result.rows, result.columns, result.sheets) == (5, 7, ["Combined"])
    assert result.missing == {
        "7A.csv": ["Email"],
        "classes.xlsx – 7B": ["Mark", "Note"],
        "classes.xlsx – 7C": ["Born", "Note", "Email"],
    }
    notes = "\n".join(result.notes)
    assert "The headers “First name” and “first NAME” differ only in capitals or spaces" in notes
    assert "“ID” and “id”" in notes
    assert "classes.xlsx – 7C has no “Born”, “Note”, “Email” columns" in notes
    assert "7A.csv: The header is on row 3" in notes
    assert "1 cell starts with = + - or @" in notes


def test_one_sheet_each_keeps_every_table_as_it_was(
    inputs: list[tuple[Path, str | None]], tmp_path: Path
) -> None:
    result = combine(inputs, tmp_path / "each.xlsx")
    book = openpyxl.load_workbook(result.output)
    assert book.sheetnames == result.sheets == ["7A", "classes – 7B", "classes – 7C"]
    first = [[cell.value for cell in row] for row in book["7A"].iter_rows()]
    assert first[0] == ["ID", "First name", "Born", "Mark", "Note"]
    assert first[1][:4] == ["00123", "Zoë Brontë", dt.datetime(2011, 4, 3), 12]
    seventh_b = list(book["classes – 7B"].iter_rows(values_only=True))
    assert seventh_b[0] == ("id", "first NAME", "Born", "Email")
    assert seventh_b[1][:2] == ("00789", "Иван Петров")
    assert (result.rows, result.columns, result.missing) == (5, 5, {})
    assert all(book[title].freeze_panes == "A2" for title in book.sheetnames)


def test_sheet_titles_are_safe_short_and_unique(tmp_path: Path) -> None:
    names = ["Year 7: list [draft]?.csv", "a list that is far too long for a sheet title.csv"]
    inputs = []
    for name in names:
        (tmp_path / name).write_text("Name,Mark\nAnn,1\n", encoding="utf-8")
        inputs.append((tmp_path / name, None))
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / ("History.csv" if folder == "one" else "HISTORY.csv")
        path.write_text("Name,Mark\nBen,2\n", encoding="utf-8")
        inputs.append((path, None))
    result = combine(inputs, tmp_path / "titles.xlsx")
    titles = openpyxl.load_workbook(result.output).sheetnames
    assert titles == result.sheets
    assert titles[0] == "Year 7_ list _draft__"
    assert titles[1] == "a list that is far too long for"
    assert titles[2:] == ["History_", "HISTORY_ (2)"]
    assert all(len(title) <= 31 and not set("[]:*?/\\") & set(title) for title in titles)
    assert len({title.casefold() for title in titles}) == len(titles)


def test_empty_inputs_are_left_out_and_only_empty_inputs_refused(tmp_path: Path) -> None:
    (tmp_path / "blank.csv").write_text("\n,,\n\n", encoding="utf-8")
    (tmp_path / "full.csv").write_text("Name\nAnn\n", encoding="utf-8")
    result = combine([(tmp_path / "blank.csv", None), (tmp_path / "full.csv", None)], tmp_path / "c.xlsx")
    assert result.sheets == ["full"]
    assert any("“blank.csv” is empty" in note and "left out" in note for note in result.notes)
    for mode in ("sheets", "stack"):
        with pytest.raises(EmptyDocument):
            combine([(tmp_path / "blank.csv", None)], tmp_path / f"{mode}.xlsx", mode=mode)
        assert not (tmp_path / f"{mode}.xlsx").exists()


def test_limits(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text("n\n" + "".join(f"{i}\n" for i in range(8)), encoding="utf-8")
    with pytest.raises(LimitExceeded, match=f"at most {MAX_INPUTS}"):
        combine([(path, None)] * (MAX_INPUTS + 1), tmp_path / "many.xlsx")
    with pytest.raises(LimitExceeded, match="more than 10 rows"):
        combine(
            [(path, None), (path, None)], tmp_path / "long.xlsx", mode="stack", limits=Limits(max_rows=10)
        )
    assert not list(tmp_path.glob("*.xlsx"))


def test_progress_reaches_the_end(inputs: list[tuple[Path, str | None]], tmp_path: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    combine(inputs, tmp_path / "p.xlsx", mode="stack", progress=lambda d, t, s: seen.append((d, t, s)))
    assert seen[-1][0] == seen[-1][1] == 3
    assert all(done <= total for done, total, _ in seen)


@pytest.mark.corpus
def test_corpus_attendance_workbook_and_csv_stack(corpus_dir: Path, tmp_path: Path) -> None:
    inputs = [
        (corpus_dir / "sheets" / "Attendance.xlsx", None),
        (corpus_dir / "csv" / "Attendance.csv", None),
    ]
    result = combine(inputs, tmp_path / "attendance.xlsx", mode="stack")
    assert result.rows == 48 and result.missing == {}
    rows = list(openpyxl.load_workbook(result.output).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Source", "Date", "Ben Ashley")
    assert rows[1][:3] == ("Attendance.xlsx", dt.datetime(2020, 10, 1), False)
    assert rows[25][:3] == ("Attendance.csv", "10/1", False)


@pytest.mark.corpus
def test_corpus_sheets_of_one_old_workbook_keep_their_names(corpus_dir: Path, tmp_path: Path) -> None:
    book = corpus_dir / "sheets" / "Formate.xls"
    result = combine([(book, "Blätt1"), (book, "ÖÄÜ")], tmp_path / "formate.xlsx")
    assert openpyxl.load_workbook(result.output).sheetnames == ["Blätt1", "ÖÄÜ"]
    assert result.sources == ["Formate.xls – Blätt1", "Formate.xls – ÖÄÜ"]
    first = list(openpyxl.load_workbook(result.output)["Blätt1"].iter_rows(values_only=True))
    assert first[1] == ("Huber", dt.datetime(1907, 7, 3))
