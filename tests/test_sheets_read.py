"""Reading spreadsheets and CSV files: real corpus files and files made here."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from core.errors import (
    DamagedFile,
    EmptyDocument,
    LimitExceeded,
    PasswordRequired,
    SheetNotFound,
    TeacherPrinterError,
    UnsupportedFile,
)
from sheets import Limits, list_sheets, preview, read_table
from sheets.detect import detect_delimiter, detect_encoding, detect_header_row
from sheets.filetype import sniff

# -- files made here ----------------------------------------------------------------------------


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


CLASS_LIST = (
    "Class list 7B – autumn term\n"
    "\n"
    "ID,Name,Born,Mark,Change\n"
    "00123,Zoë Brontë,03/04/2011,12,-3.5\n"
    "00456,José Núñez,25/12/2010,15,4.25\n"
    "07890,Łukasz Øster,01/09/2011,9,0\n"
)


def test_csv_with_title_rows_finds_header_and_types(tmp_path: Path) -> None:
    table = read_table(write_text(tmp_path / "class.csv", CLASS_LIST))
    frame = table.frame
    assert table.header_row == 3
    assert list(frame.columns) == ["ID", "Name", "Born", "Mark", "Change"]
    assert frame["ID"].tolist() == ["00123", "00456", "07890"]
    assert frame["Name"].tolist() == ["Zoë Brontë", "José Núñez", "Łukasz Øster"]
    assert frame["Born"].tolist() == [
        pd.Timestamp(2011, 4, 3),
        pd.Timestamp(2010, 12, 25),
        pd.Timestamp(2011, 9, 1),
    ]
    assert str(frame["Mark"].dtype) == "Int64"
    assert frame["Change"].tolist() == [-3.5, 4.25, 0.0]
    assert any("row 3" in note and "above" in note for note in table.notes)


def test_header_row_can_be_given_or_switched_off(tmp_path: Path) -> None:
    path = write_text(tmp_path / "class.csv", CLASS_LIST)
    none = read_table(path, header_row=0)
    assert none.header_row == 0
    assert list(none.frame.columns)[:2] == ["Column A", "Column B"]
    assert none.rows == 5
    first = read_table(path, header_row=1)
    assert first.frame.columns[0] == "Class list 7B – autumn term"


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("cp1252", "Windows-1252"), ("utf-16", "UTF-16"), ("utf-8-sig", None), ("utf-8", None)],
)
def test_csv_encodings_keep_accents(tmp_path: Path, encoding: str, label: str | None) -> None:
    path = write_text(
        tmp_path / "names.csv", "Name,Town\nZoë,Besançon\nRenée,Kraków\n".replace("Kraków", "Köln"), encoding
    )
    table = read_table(path)
    assert list(table.frame.columns) == ["Name", "Town"]
    assert table.frame["Name"].tolist() == ["Zoë", "Renée"]
    assert table.frame["Town"].tolist() == ["Besançon", "Köln"]
    if label:
        assert any(label in note for note in table.notes)
    else:
        assert not any("read as" in note for note in table.notes)


def test_cp1252_accent_far_down_the_file_is_found(tmp_path: Path) -> None:
    rows = "".join(f"Pupil {i},{i}\n" for i in range(5000))
    path = write_text(tmp_path / "late.csv", "Name,Number\n" + rows + "Chloé,5000\n", "cp1252")
    assert detect_encoding(path) == "cp1252"
    assert read_table(path).frame["Name"].iloc[-1] == "Chloé"


def test_semicolons_with_decimal_commas(tmp_path: Path) -> None:
    path = write_text(tmp_path / "marks.csv", "Name;Mark;Weight\nAnn;1,5;1.250,75\nBen;-2,25;10\n")
    table = read_table(path)
    assert table.frame["Mark"].tolist() == [1.5, -2.25]
    assert table.frame["Weight"].tolist() == [1250.75, 10.0]
    assert any("semicolons" in note for note in table.notes)
    assert any("decimal comma" in note for note in table.notes)


def test_tab_separated_txt_with_quoted_newlines_and_cr_line_ends(tmp_path: Path) -> None:
    path = write_text(tmp_path / "notes.txt", 'Name\tComment\rAnn\t"two\rlines"\rBen\tok\r')
    table = read_table(path)
    assert table.frame["Comment"].tolist() == ["two\rlines", "ok"]
    assert any("tabs" in note for note in table.notes)


def test_ragged_rows_get_lettered_columns(tmp_path: Path) -> None:
    path = write_text(tmp_path / "ragged.csv", "a,b\n1,2,3\n4\n")
    table = read_table(path)
    assert list(table.frame.columns) == ["a", "b", "Column C"]
    assert table.frame["Column C"].tolist()[0] == 3
    assert any("more cells than the header" in note for note in table.notes)


def test_detectors_on_small_samples() -> None:
    assert detect_delimiter("a;b;c\n1,5;2;3\n") == ";"
    assert detect_delimiter('a,b\n"x,y",2\n') == ","
    assert detect_delimiter("only one column\nsecond\n") == ","
    rows = [(1, ["Report"]), (3, ["Name", "Mark"]), (4, ["Ann", "12"])]
    assert detect_header_row(rows) == 3
    assert detect_header_row([(1, ["Ann", "12"]), (2, ["Ben", "14"])]) == 0
    assert detect_header_row([(1, [1, 2]), (2, [3, 4])]) == 0


def make_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    marks = book.active
    marks.title = "Marks"
    marks.append(["Year 8 marks"])
    marks.append([])
    marks.append(["Name", "Mark", "Date", "Present", "Total"])
    marks.append(["Zoë", 12, dt.datetime(2024, 3, 15), True, "=B4*2"])
    marks.append(["José", 15.5, dt.datetime(2024, 3, 16), False, "=B5*2"])
    hidden = book.create_sheet("Old")
    hidden.append(["x"])
    hidden.sheet_state = "hidden"
    book.create_sheet("Empty")
    book.save(path)
    return path


def test_list_sheets_sizes_and_hidden(tmp_path: Path) -> None:
    sheets = list_sheets(make_workbook(tmp_path / "book.xlsx"))
    assert [(s.name, s.rows, s.columns, s.hidden) for s in sheets] == [
        ("Marks", 5, 5, False),
        ("Old", 1, 1, True),
        ("Empty", 0, 0, False),
    ]


def test_xlsx_table_types_and_formula_note(tmp_path: Path) -> None:
    table = read_table(make_workbook(tmp_path / "book.xlsx"))
    frame = table.frame
    assert table.sheet == "Marks"
    assert table.header_row == 3
    assert frame["Name"].tolist() == ["Zoë", "José"]
    assert frame["Mark"].tolist() == [12.0, 15.5]
    assert frame["Date"].tolist() == [pd.Timestamp(2024, 3, 15), pd.Timestamp(2024, 3, 16)]
    assert frame["Present"].tolist() == [True, False]
    # openpyxl saves formulas without a calculated value: the cells are empty and the teacher is told.
    assert frame["Total"].isna().all()
    assert any("2 formulas have no saved value" in note for note in table.notes)


def test_unknown_sheet_is_refused_with_the_list(tmp_path: Path) -> None:
    with pytest.raises(SheetNotFound, match="“Marks”, “Old”, “Empty”"):
        read_table(make_workbook(tmp_path / "book.xlsx"), sheet="Nope")


def test_empty_sheet_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EmptyDocument, match="empty"):
        read_table(make_workbook(tmp_path / "book.xlsx"), sheet="Empty")


def test_row_limit_raises_and_preview_truncates(tmp_path: Path) -> None:
    path = write_text(tmp_path / "long.csv", "n\n" + "".join(f"{i}\n" for i in range(100)))
    with pytest.raises(LimitExceeded, match="50"):
        read_table(path, max_rows=50)
    with pytest.raises(LimitExceeded, match="rows"):
        read_table(path, limits=Limits(max_rows=10))
    shown = preview(path, rows=20)
    assert shown.rows == 20 and shown.truncated


def test_preview_does_not_read_the_rest_of_a_csv(tmp_path: Path) -> None:
    # The quote opened at the end is never closed: only a reader that goes that far fails.
    text = "n,text\n" + "".join(f"{i},row\n" for i in range(1000)) + '1000,"never closed\n' + "x" * 200_000
    path = write_text(tmp_path / "broken-tail.csv", text)
    assert preview(path, rows=20).rows == 20
    with pytest.raises(DamagedFile, match="quote"):
        read_table(path)


def test_quote_never_closed_is_reported(tmp_path: Path) -> None:
    path = write_text(tmp_path / "quote.csv", 'Name,Mark\nAnn,3\nBen,"4\nCat,5\nDan,6\n')
    table = read_table(path)
    assert table.rows == 2
    assert any('quote mark (") there may never be closed' in note for note in table.notes)
    fine = write_text(tmp_path / "lines.csv", 'Name,Note\nAnn,"line one\nline two"\nBen,ok\n')
    assert read_table(fine).notes == []


def test_preview_does_not_read_the_rest_of_a_workbook(tmp_path: Path) -> None:
    whole = tmp_path / "whole.xlsx"
    book = openpyxl.Workbook()
    for i in range(500):
        book.active.append([f"pupil {i}", i])
    book.save(whole)
    cut = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(cut, "w") as target:
        for member in source.namelist():
            data = source.read(member)
            if member == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(member, data)
    assert preview(cut, rows=20).rows == 20
    with pytest.raises(DamagedFile, match="could not be read to the end"):
        read_table(cut)


def test_declared_huge_dimension_is_not_allocated(tmp_path: Path) -> None:
    path = tmp_path / "wide.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Name", "Mark"])
    book.active.append(["Ann", 3])
    book.active.cell(row=1_000_000, column=16_000).style = "Note"
    book.save(path)
    sheet = list_sheets(path)[0]
    assert (sheet.rows, sheet.columns) == (2, 2)
    assert read_table(path).frame.shape == (1, 2)


# -- the real type of a file --------------------------------------------------------------------


def test_pdf_renamed_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "marks.csv"
    path.write_bytes(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
    with pytest.raises(UnsupportedFile, match="PDF") as caught:
        read_table(path)
    assert ".xlsx" in caught.value.hint and ".csv" in caught.value.hint


def test_xlsx_that_is_not_a_zip(tmp_path: Path) -> None:
    binary = tmp_path / "marks.xlsx"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DamagedFile, match="not really a workbook"):
        read_table(binary)
    text = write_text(tmp_path / "list.xlsx", "Name,Mark\nAnn,3\n")
    table = read_table(text)
    assert table.frame["Mark"].tolist() == [3]
    assert any("plain text" in note for note in table.notes)


def test_real_xlsx_named_xls_is_read_as_xlsx(tmp_path: Path) -> None:
    path = make_workbook(tmp_path / "book.xlsx").rename(tmp_path / "book.xls")
    assert sniff(path).kind == "xlsx"
    assert any("really an Excel workbook (.xlsx)" in note for note in read_table(path).notes)


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("page.xls", b"<!DOCTYPE html><html><table><tr><td>1</td></tr></table></html>", "web page"),
        (
            "old.xml.xls",
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
            "2003",
        ),
        ("notes.json", b'{"a": 1}', "cannot be read here"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG"),
    ],
)
def test_other_formats_are_refused(tmp_path: Path, name: str, content: bytes, phrase: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnsupportedFile, match=phrase):
        read_table(path)


def test_office_documents_and_plain_zips_are_refused(tmp_path: Path) -> None:
    word = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(word, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
    with pytest.raises(UnsupportedFile, match="Word document"):
        read_table(word)
    plain = tmp_path / "bundle.zip"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("a.csv", "a\n1\n")
    with pytest.raises(UnsupportedFile, match="ZIP archive"):
        read_table(plain)


def test_empty_file_and_size_limit(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(EmptyDocument, match="no bytes"):
        read_table(empty)
    path = write_text(tmp_path / "big.csv", "a\n" + "1\n" * 1000)
    with pytest.raises(LimitExceeded, match="MB"):
        read_table(path, limits=Limits(max_file_bytes=100))


def test_every_refusal_speaks_to_a_teacher(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(64))
    with pytest.raises(TeacherPrinterError) as caught:
        read_table(path)
    assert "JPEG" in caught.value.for_teacher()
    assert "Upload" in caught.value.for_teacher()


# -- the shared corpus --------------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "shape", "notes"),
    [
        ("test_utf8_bom.csv", (2, 3), []),
        ("sample-0.csv", (3, 17), []),
        ("banklist.csv", (568, 7), ["Windows-1252"]),
        ("test_latin1.csv", (2, 3), ["Windows-1252"]),
        ("rejects_sniffer.csv", (1, 25), ["semicolons", "decimal comma"]),
        ("Attendance.csv", (24, 9), []),
        ("mac_newlines.csv", (2, 3), []),
        ("test_utf16_little.csv", (2, 3), ["UTF-16"]),
        ("bad.csv", (3, 4), ["more cells than the header"]),
    ],
)
def test_corpus_csv(corpus_dir: Path, name: str, shape: tuple[int, int], notes: list[str]) -> None:
    table = read_table(corpus_dir / "csv" / name)
    assert table.frame.shape == shape
    for phrase in notes:
        assert any(phrase in note for note in table.notes), table.notes


@pytest.mark.corpus
def test_corpus_csv_values(corpus_dir: Path) -> None:
    bank = read_table(corpus_dir / "csv" / "banklist.csv").frame
    assert list(bank.columns)[:2] == ["Bank Name", "City"]  # the no-break spaces are gone
    assert bank["Closing Date"].iloc[0] == pd.Timestamp(2023, 11, 3)
    assert read_table(corpus_dir / "csv" / "test_latin1.csv").frame["c"].iloc[1] == "©"
    assert read_table(corpus_dir / "csv" / "test_utf8_bom.csv").frame.columns[0] == "foo"
    dutch = read_table(corpus_dir / "csv" / "rejects_sniffer.csv").frame
    assert dutch["Transactiebedrag"].iloc[0] == 123.45
    attendance = read_table(corpus_dir / "csv" / "Attendance.csv").frame
    assert attendance.columns[1] == "Ben Ashley"
    assert attendance["Ben Ashley"].iloc[0] == "FALSE" or attendance["Ben Ashley"].iloc[0] is False
    mac = read_table(corpus_dir / "csv" / "mac_newlines.csv").frame
    assert mac["a"].iloc[1] == "Once upon\ra time"


@pytest.mark.corpus
def test_corpus_workbooks(corpus_dir: Path) -> None:
    sheets = corpus_dir / "sheets"
    attendance = read_table(sheets / "Attendance.xlsx")
    assert attendance.header_row == 2
    assert attendance.frame.shape == (24, 9)
    assert attendance.frame["Date"].iloc[0] == pd.Timestamp(2020, 10, 1)
    assert attendance.frame["Ben Ashley"].iloc[0] is False or not attendance.frame["Ben Ashley"].iloc[0]

    mac = read_table(sheets / "1904.xlsx", header_row=0).frame
    assert mac["Column B"].tolist()[:2] == [pd.Timestamp(1904, 1, 2), pd.Timestamp(1904, 1, 12)]

    iso = read_table(sheets / "date_iso.xlsx", header_row=0).frame["Column A"].tolist()
    assert iso[:3] == [dt.date(2021, 1, 1), dt.datetime(2021, 1, 1, 10, 10, 10), dt.time(10, 10, 10)]

    visibility = list_sheets(sheets / "sheet_visibility.xlsx")
    assert [(s.name, s.hidden) for s in visibility] == [
        ("Visible", False),
        ("Hidden", True),
        ("VeryHidden", True),
    ]
    strict = list_sheets(sheets / "sheet_visibility_strict.xlsx")
    assert [(s.name, s.hidden) for s in strict] == [
        ("Visible", False),
        ("Hidden", True),
        ("VeryHidden", True),
    ]
    assert read_table(sheets / "sheet_visibility_strict.xlsx").frame.columns.tolist() == [
        "v",
        "i",
        "s",
        "i (2)",
        "b",
        "l",
        "e",
    ]

    hebrew = read_table(sheets / "text_and_numbers.xlsx")
    assert hebrew.frame.iloc[0].tolist() == ["Hebrew", "שלום", "עולם"]
    assert [s.empty for s in list_sheets(sheets / "text_and_numbers.xlsx")] == [False, True, True]

    japanese = [s.name for s in list_sheets(sheets / "defined_names_unicode.xlsx")]
    assert "日本語のみ" in japanese

    merged = read_table(sheets / "merge_cells.xlsx").frame
    assert merged.columns.tolist() == ["A1:B2", "Column B", "C1:C2", "Separate blocks"]

    macros = read_table(sheets / "number_format.xlsm")
    assert any("macros" in note for note in macros.notes)

    uncached = read_table(sheets / "wtf_path.xlsx")
    assert any("3 formulas have no saved value" in note for note in uncached.notes)

    wide = list_sheets(sheets / "issue_174.xlsx")[0]
    assert (wide.rows, wide.columns) == (2, 11)
    assert read_table(sheets / "issue_174.xlsx").frame.shape == (1, 11)


@pytest.mark.corpus
def test_corpus_large_sheet_preview_is_quick(corpus_dir: Path) -> None:
    sheets = {s.name: s for s in list_sheets(corpus_dir / "sheets" / "large_strings.xlsx")}
    assert sheets["longwordslist"].rows == 17619
    shown = preview(corpus_dir / "sheets" / "large_strings.xlsx", "longwordslist", rows=5)
    assert shown.rows == 5 and shown.truncated


@pytest.mark.corpus
def test_corpus_old_and_open_formats(corpus_dir: Path) -> None:
    sheets = corpus_dir / "sheets"
    names = [s.name for s in list_sheets(sheets / "Formate.xls")]
    assert names == ["Blätt1", "ÖÄÜ", "Blätt3", "Formate"]
    german = read_table(sheets / "Formate.xls", header_row=0).frame
    assert german["Column A"].tolist()[:3] == ["Huber", "Äcker", "Öcker"]
    assert german["Column B"].iloc[0] == dt.date(1907, 7, 3)

    turkish = read_table(sheets / "phpexcel_bad_cfb_dir.xls")
    assert turkish.frame.columns[1] == "Dükkan No"

    ods = read_table(sheets / "merge_cells.ods").frame
    assert ods.columns.tolist()[0] == "A1:B2"
    formats = read_table(sheets / "number_format.ods", sheet="2011", header_row=0).frame
    assert formats.iloc[0, 1] == 1 and formats.iloc[0, 2] == -1.2


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("name", "error", "phrase"),
    [
        ("pass_protected.xlsx", PasswordRequired, "password"),
        ("password_2002_40_xor.xls", PasswordRequired, "password"),
        ("pass_protected.ods", PasswordRequired, "password"),
        ("issue252.xlsx", DamagedFile, "damaged"),
        ("issue_594_dos.ods", LimitExceeded, "rows"),
        ("empty_sheet.xlsx", EmptyDocument, "no data in any of its sheets"),
        ("BlankSheetTypes.xlsm", EmptyDocument, "no data in any of its sheets"),
    ],
)
def test_corpus_refusals(corpus_dir: Path, name: str, error: type[Exception], phrase: str) -> None:
    with pytest.raises(error, match=phrase) as caught:
        read_table(corpus_dir / "sheets" / name)
    assert name in caught.value.for_teacher()


@pytest.mark.corpus
def test_corpus_non_spreadsheets_are_refused(corpus_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFile, match="ZIP archive"):
        list_sheets(corpus_dir / "zip" / "corpus-pdfs.zip")
    renamed = tmp_path / "marks.csv"
    shutil.copy(corpus_dir / "pdf" / "pdflatex-4-pages.pdf", renamed)
    with pytest.raises(UnsupportedFile, match="PDF"):
        read_table(renamed)


@pytest.mark.corpus
def test_corpus_sheet_reader_matches_openpyxl_data_only(corpus_dir: Path) -> None:
    """The streaming reader gives exactly the saved values openpyxl's data_only mode gives."""
    from sheets.read import open_source
    from sheets.xlsx_source import XlsxSource

    compared = 0
    for path in sorted((corpus_dir / "sheets").glob("*.xls[xm]")):
        try:
            source = open_source(path)
        except TeacherPrinterError:
            continue
        with source:
            if not isinstance(source, XlsxSource):
                continue
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            for sheet in book.worksheets:
                sheet.reset_dimensions()
                expected = {}
                for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                    values = [None if value == "" else value for value in row]
                    while values and values[-1] is None:
                        values.pop()
                    if values:
                        expected[number] = values
                assert dict(source.rows(sheet.title)) == expected, (path.name, sheet.title)
                compared += 1
            book.close()
    assert compared >= 30
