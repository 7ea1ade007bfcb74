"""CSV → XLSX and workbook → CSV: outputs re-read and checked cell by cell."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from core.errors import EmptyDocument, LimitExceeded, SheetNotFound, UnsupportedFile
from sheets import ConvertResult, Limits, csv_to_xlsx, read_table, xlsx_to_csv
from sheets.convert import csv_text

CLASS_LIST = (
    "Class list 7B – autumn term\n"
    "\n"
    "ID,Name,Born,Mark,Change,Note,Phone,Started\n"
    "00123,Zoë Brontë,03/04/2011,12,-3.5,=1+2,+44 20 7946 0000,2024-09-02 08:30\n"
    "00456,José Núñez,25/12/2010,15,4.25,@SUM(A1),0123456789,2024-09-03 08:45\n"
    '07890,"Øster, Åsa",01/09/2011,,0,-,12345678901234567890,\n'
)


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def cells(path: Path) -> list[list[openpyxl.cell.Cell]]:
    book = openpyxl.load_workbook(path)
    return [list(row) for row in book.active.iter_rows()]


@pytest.fixture
def converted(tmp_path: Path) -> tuple[Path, ConvertResult]:
    source = write_text(tmp_path / "class list.csv", CLASS_LIST, "cp1252")
    result = csv_to_xlsx(source, tmp_path / "out" / "class list.xlsx")
    return tmp_path / "out" / "class list.xlsx", result


def test_csv_to_xlsx_values_and_types(converted: tuple[Path, ConvertResult]) -> None:
    path, result = converted
    rows = cells(path)
    assert rows[0][0].value == "Class list 7B – autumn term"
    assert all(cell.value is None for cell in rows[1])
    header, ann, jose, last = rows[2], rows[3], rows[4], rows[5]
    assert [cell.value for cell in header] == [
        "ID",
        "Name",
        "Born",
        "Mark",
        "Change",
        "Note",
        "Phone",
        "Started",
    ]
    assert all(cell.font.b for cell in header)
    # IDs with leading zeros stay text; accents survive the cp1252 source.
    assert (ann[0].value, ann[0].data_type) == ("00123", "s")
    assert last[0].value == "07890"
    assert ann[1].value == "Zoë Brontë" and last[1].value == "Øster, Åsa"
    # Dates are real dates, shown the way the file wrote them.
    assert ann[2].value == dt.datetime(2011, 4, 3) and ann[2].number_format == "dd/mm/yyyy"
    assert jose[2].value == dt.datetime(2010, 12, 25)
    assert ann[7].value == dt.datetime(2024, 9, 2, 8, 30) and ann[7].is_date
    # Numbers are numbers, negative ones included; an empty cell stays empty.
    assert (ann[3].value, ann[3].data_type) == (12, "n")
    assert (ann[4].value, ann[4].data_type) == (-3.5, "n")
    assert last[3].value is None
    # Text that a spreadsheet would run is stored as text, marked to stay text.
    assert (ann[5].value, ann[5].data_type, ann[5].quotePrefix) == ("=1+2", "s", True)
    assert (jose[5].value, jose[5].quotePrefix) == ("@SUM(A1)", True)
    assert (ann[6].value, ann[6].data_type, ann[6].quotePrefix) == ("+44 20 7946 0000", "s", True)
    assert (last[5].value, last[5].quotePrefix) == ("-", False)
    # A phone number with a leading zero and a 20-digit number stay exactly as written.
    assert jose[6].value == "0123456789"
    assert last[6].value == "12345678901234567890"
    assert result.rows == 3 and result.columns == 8
    assert any("Windows-1252" in note for note in result.notes)
    assert any("3 cells start with" in note for note in result.notes)


def test_csv_to_xlsx_layout(converted: tuple[Path, ConvertResult]) -> None:
    path, _ = converted
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == "class list"
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == "A3:H6"
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGH"}
    assert all(6 <= width <= 60 for width in widths.values())
    assert widths["B"] > widths["A"]  # names are longer than IDs
    assert widths["G"] >= len("+44 20 7946 0000")
    assert sheet.dimensions == "A1:H6"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".part")]


def test_csv_to_xlsx_without_guard_keeps_formulas(tmp_path: Path) -> None:
    source = write_text(tmp_path / "f.csv", "a,b\n1,=A2*2\n")
    out = tmp_path / "f.xlsx"
    csv_to_xlsx(source, out, guard=False)
    cell = cells(out)[1][1]
    assert (cell.value, cell.data_type) == ("=A2*2", "f")


def test_csv_to_xlsx_date_order(tmp_path: Path) -> None:
    us = write_text(tmp_path / "us.csv", "Day\n12/25/2024\n01/02/2024\n")
    out = tmp_path / "us.xlsx"
    csv_to_xlsx(us, out)
    column = [row[0] for row in cells(out)[1:]]
    assert [c.value for c in column] == [dt.datetime(2024, 12, 25), dt.datetime(2024, 1, 2)]
    assert column[0].number_format == "mm/dd/yyyy"
    unclear = write_text(tmp_path / "unclear.csv", "Day\n03/04/2024\n05/06/2024\n")
    result = csv_to_xlsx(unclear, tmp_path / "unclear.xlsx")
    assert cells(tmp_path / "unclear.xlsx")[1][0].value == dt.datetime(2024, 4, 3)
    assert any("day/month" in note for note in result.notes)
    csv_to_xlsx(unclear, tmp_path / "unclear-us.xlsx", day_first=False)
    assert cells(tmp_path / "unclear-us.xlsx")[1][0].value == dt.datetime(2024, 3, 4)


def test_csv_to_xlsx_decimal_commas_and_control_characters(tmp_path: Path) -> None:
    source = write_text(tmp_path / "eu.csv", "Name;Mark\nAnn;1,5\nBen\x07;-2,25\n")
    out = tmp_path / "eu.xlsx"
    result = csv_to_xlsx(source, out)
    rows = cells(out)
    assert [row[1].value for row in rows[1:]] == [1.5, -2.25]
    assert rows[2][0].value == "Ben"
    assert any("control characters" in note for note in result.notes)


def test_csv_to_xlsx_refuses_a_workbook_and_an_empty_file(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    openpyxl.Workbook().save(book)
    with pytest.raises(UnsupportedFile, match="already a workbook"):
        csv_to_xlsx(book, tmp_path / "out.xlsx")
    blank = write_text(tmp_path / "blank.csv", "\n,,\n\n")
    with pytest.raises(EmptyDocument, match="empty"):
        csv_to_xlsx(blank, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_csv_to_xlsx_limits(tmp_path: Path) -> None:
    source = write_text(tmp_path / "long.csv", "n\n" + "".join(f"{i}\n" for i in range(50)))
    with pytest.raises(LimitExceeded, match="rows"):
        csv_to_xlsx(source, tmp_path / "long.xlsx", limits=Limits(max_rows=20))
    wide = write_text(tmp_path / "wide.csv", ",".join(f"c{i}" for i in range(40)) + "\n")
    with pytest.raises(LimitExceeded, match="40 columns"):
        csv_to_xlsx(wide, tmp_path / "wide.xlsx", limits=Limits(max_columns=30))
    assert not list(tmp_path.glob("*.xlsx"))


def test_csv_to_xlsx_reports_progress(tmp_path: Path) -> None:
    source = write_text(tmp_path / "n.csv", "n\n" + "".join(f"{i}\n" for i in range(4500)))
    seen: list[tuple[int, int, str]] = []
    csv_to_xlsx(source, tmp_path / "n.xlsx", progress=lambda d, t, s: seen.append((d, t, s)))
    assert seen[-1][0] == seen[-1][1] == 4501
    assert len(seen) >= 3 and all(d <= t for d, t, _ in seen)


# -- workbook → CSV -----------------------------------------------------------------------------


def make_book(path: Path) -> Path:
    book = openpyxl.Workbook()
    marks = book.active
    marks.title = 'Marks "7B"'
    marks.append(["Name", "Mark", "Born", "Present", "Note", "Change"])
    marks.append(["Zoë", 12, dt.datetime(2011, 4, 3), True, '=HYPERLINK("x")', -5])
    marks.append(["José", 15.25, dt.datetime(2010, 12, 25, 8, 30), False, "-5", 0.1 + 0.2])
    marks["E2"].data_type = "s"  # text that looks like a formula, as an uploaded file may hold
    marks.append([])
    marks.append(["Total", None, None, None, "+cmd|' /C calc'!A0", 1e-7])
    marks["E5"].data_type = "s"
    other = book.create_sheet("Other")
    other.append(["Ä", "ö"])
    hidden = book.create_sheet("Secret")
    hidden.append(["hidden"])
    hidden.sheet_state = "hidden"
    book.create_sheet("Blank")
    book.save(path)
    return path


def read_csv(data: bytes, delimiter: str = ",") -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def test_xlsx_to_csv_zip_of_sheets(tmp_path: Path) -> None:
    result = xlsx_to_csv(make_book(tmp_path / "marks.xlsx"), tmp_path / "out")
    assert result.output == tmp_path / "out" / "marks.zip"
    assert result.files == ["Marks _7B_.csv", "Other.csv"]
    assert result.sheets == 2
    assert any("“Blank” is empty" in note for note in result.notes)
    with zipfile.ZipFile(result.output) as archive:
        assert archive.namelist() == result.files
        raw = archive.read("Marks _7B_.csv")
        other = archive.read("Other.csv")
    assert raw.startswith(codecs.BOM_UTF8)
    rows = read_csv(raw)
    assert rows[0] == ["Name", "Mark", "Born", "Present", "Note", "Change"]
    assert rows[1] == ["Zoë", "12", "2011-04-03", "TRUE", '\'=HYPERLINK("x")', "-5"]
    assert rows[2] == ["José", "15.25", "2010-12-25 08:30:00", "FALSE", "-5", "0.3"]
    assert rows[3] == [""] * 6
    assert rows[4] == ["Total", "", "", "", "'+cmd|' /C calc'!A0", "0.0000001"]
    assert read_csv(other) == [["Ä", "ö"]]
    assert any("2 cells start with" in note for note in result.notes)


def test_xlsx_to_csv_one_sheet_options(tmp_path: Path) -> None:
    book = make_book(tmp_path / "marks.xlsx")
    result = xlsx_to_csv(
        book, tmp_path, sheets=['Marks "7B"'], bom=False, delimiter=";", decimal=",", guard=False
    )
    assert result.output == tmp_path / "marks.csv"
    data = result.output.read_bytes()
    assert not data.startswith(codecs.BOM_UTF8)
    rows = read_csv(data, ";")
    assert rows[2][1] == "15,25"
    assert rows[1][4] == '=HYPERLINK("x")'
    hidden = xlsx_to_csv(book, tmp_path / "all", include_hidden=True)
    assert "Secret.csv" in hidden.files
    with pytest.raises(SheetNotFound):
        xlsx_to_csv(book, tmp_path, sheets=["Nope"])
    with pytest.raises(EmptyDocument):
        xlsx_to_csv(book, tmp_path, sheets=["Blank"])


def test_round_trip_csv_xlsx_csv(tmp_path: Path) -> None:
    source = write_text(tmp_path / "class.csv", CLASS_LIST)
    xlsx = tmp_path / "class.xlsx"
    csv_to_xlsx(source, xlsx)
    back = xlsx_to_csv(xlsx, tmp_path / "back", guard=False)
    rows = read_csv(back.output.read_bytes())
    assert rows[2] == ["ID", "Name", "Born", "Mark", "Change", "Note", "Phone", "Started"]
    assert rows[3] == [
        "00123",
        "Zoë Brontë",
        "2011-04-03",
        "12",
        "-3.5",
        "=1+2",
        "+44 20 7946 0000",
        "2024-09-02 08:30:00",
    ]
    assert rows[5][:3] == ["07890", "Øster, Åsa", "2011-09-01"]
    assert rows[5][6] == "12345678901234567890"
    table = read_table(xlsx)
    assert table.header_row == 3
    assert table.frame["ID"].tolist() == ["00123", "00456", "07890"]


def test_csv_text_formats() -> None:
    assert csv_text(None) == ""
    assert csv_text(True) == "TRUE"
    assert csv_text(-5) == "-5"
    assert csv_text(1 / 3) == "0.333333333333333"
    assert csv_text(1.5e20) == "150000000000000000000"
    assert csv_text(2.5, ",") == "2,5"
    assert csv_text(dt.datetime(2024, 1, 2)) == "2024-01-02"
    assert csv_text(dt.time(8, 5)) == "08:05:00"
    assert csv_text(dt.timedelta(hours=26, minutes=3)) == "26:03:00"


def test_xlsx_to_csv_rejects_same_delimiter_and_decimal(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="differ"):
        xlsx_to_csv(make_book(tmp_path / "m.xlsx"), tmp_path, delimiter=",", decimal=",")


@pytest.mark.corpus
def test_corpus_xlsm_to_csv_copies_no_macros(corpus_dir: Path, tmp_path: Path) -> None:
    result = xlsx_to_csv(corpus_dir / "sheets" / "number_format.xlsm", tmp_path)
    with zipfile.ZipFile(result.output) as archive:
        names = archive.namelist()
    assert names == ["Implied.csv", "ImpliedNegative.csv", "2011.csv", "Miscellany.csv", "SSF.csv"]
    assert any("macros" in note for note in result.notes)


@pytest.mark.corpus
def test_corpus_old_and_open_formats_to_csv(corpus_dir: Path, tmp_path: Path) -> None:
    result = xlsx_to_csv(corpus_dir / "sheets" / "Formate.xls", tmp_path)
    with zipfile.ZipFile(result.output) as archive:
        assert archive.namelist() == ["Blätt1.csv", "ÖÄÜ.csv", "Blätt3.csv", "Formate.csv"]
        first = read_csv(archive.read("Blätt1.csv"))
    assert first[0] == ["Huber", "1907-07-03"]
    assert first[3] == ["Morgen", "06:34:00"]
    ods = xlsx_to_csv(corpus_dir / "sheets" / "merge_cells.ods", tmp_path / "ods")
    assert read_csv(ods.output.read_bytes())[0] == ["A1:B2", "", "C1:C2", "Separate blocks"]


@pytest.mark.corpus
def test_corpus_csv_to_xlsx_bank_list(corpus_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "banks.xlsx"
    result = csv_to_xlsx(corpus_dir / "csv" / "banklist.csv", out)
    assert result.rows == 568
    rows = cells(out)
    assert rows[0][0].value.strip() == "Bank Name" and rows[0][0].font.b
    assert rows[1][5].value == dt.datetime(2023, 11, 3)
    assert rows[1][3].value == 8758
