"""Class sets operations on their own: reading class lists, guessing columns, making named copies."""

from __future__ import annotations

import logging
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from fpdf import FPDF
from pypdf import PdfReader

from core.errors import BadOptions, LimitExceeded, TeacherPrinterError
from core.fonts import text_font
from pdf.marks import LabelStyle
from pdf.named_copies import CopyMaker, make_template
from pdf.plans import padded_pages
from sheets.classlist import (
    ClassListProblem,
    ListSpec,
    Student,
    guess_columns,
    list_columns,
    load_students,
    read_class_list,
    save_students,
    sort_students,
)
from sheets.names import FileNames
from tests.make_files import make_pdf
from worker.kinds.class_sets import (
    WRITE_IN,
    ClassSetOptions,
    label_text,
    plan,
)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- guessing the columns -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "first", "surname", "full", "group"),
    [
        (["First name", "Surname", "Class"], "First name", "Surname", None, "Class"),
        (["Student ID", "Name", "Form"], None, None, "Name", "Form"),
        (["Prénom", "Nom", "Classe"], "Prénom", "Nom", None, "Classe"),
        (["Vorname", "Name", "Klasse"], "Vorname", "Name", None, "Klasse"),
        (["Nachname", "Vorname"], "Vorname", "Nachname", None, None),
        (["Имя", "Фамилия", "Класс"], "Имя", "Фамилия", None, "Класс"),
        (["Όνομα", "Επώνυμο", "Τάξη"], "Όνομα", "Επώνυμο", None, "Τάξη"),
        (["Họ và tên", "Lớp"], None, None, "Họ và tên", "Lớp"),
        (["Nom de l'élève", "Groupe"], None, None, "Nom de l'élève", "Groupe"),
        (["Pupil number", "Pupil", "Tutor group"], None, None, "Pupil", "Tutor group"),
        (
            ["Legal Surname", "Preferred name", "Reg group"],
            "Preferred name",
            "Legal Surname",
            None,
            "Reg group",
        ),
        (["Date", "Ben Ashley", "Tom Brooks"], None, None, None, None),
    ],
)
def test_columns_are_guessed_in_several_languages(columns, first, surname, full, group):
    guess = guess_columns(columns)
    assert (guess.first_name, guess.surname, guess.full_name, guess.group) == (first, surname, full, group)


# -- reading class lists --------------------------------------------------------------------------

MESSY = (
    "Class list 10A and 7B\n"
    "\n"
    "First name;Surname;Class\n"
    "Anna;Smith;10A\n"
    "  Zoë  ;  Ångström ;7B\n"
    "\n"
    ";;7B\n"
    "Łukasz;;10A\n"
    "Anna;Smith;10A\n"
    "Boris;Ёлкин;7B\n"
)


def test_messy_list_is_read_with_row_numbers_in_every_note(tmp_path):
    path = write(tmp_path / "list.csv", MESSY)
    spec = ListSpec(first_name_column="First name", surname_column="Surname", class_column="Class")
    found = read_class_list(path, spec)
    assert found.header_row == 3
    assert [(s.row, s.display, s.group) for s in found.students] == [
        (5, "Zoë Ångström", "7B"),
        (10, "Boris Ёлкин", "7B"),
        (4, "Anna Smith", "10A"),
        (9, "Anna Smith", "10A"),
        (8, "Łukasz", "10A"),
    ]
    assert found.classes == {"7B": 2, "10A": 3}  # students with a name, per class
    assert (found.empty_rows, found.rows_without_name, found.duplicates, found.trimmed) == (1, 1, 1, 2)
    notes = "\n".join(found.notes)
    assert "The column names are on row 3 of the class list; the row above it was left out." in notes
    assert "1 empty row was skipped." in notes
    assert "no name on row 7; it was skipped" in notes
    assert "no surname on row 8 of the class list; the copy shows the first name only" in notes
    assert "“Anna Smith” in 10A is on the class list 2 times (rows 4, 9)" in notes
    assert "Extra spaces were removed from 2 names." in notes


def test_class_filter_sorting_and_name_order(tmp_path):
    path = write(tmp_path / "list.csv", MESSY)
    spec = ListSpec(
        first_name_column="First name",
        surname_column="Surname",
        class_column="Class",
        classes=("7b", "9Z"),
        name_order="last_first",
        sort="first_name",
    )
    found = read_class_list(path, spec)
    assert [s.display for s in found.students] == ["Ёлкин Boris", "Ångström Zoë"]
    assert "No student is in “9Z”" in " ".join(found.notes)
    in_list_order = read_class_list(path, ListSpec(name_column="First name", sort="list"))
    assert [s.row for s in in_list_order.students] == [4, 5, 8, 9, 10]
    with pytest.raises(ClassListProblem, match="The classes in column “Class” are “7B”, “10A”"):
        read_class_list(path, ListSpec(name_column="First name", class_column="Class", classes=("9Z",)))


def test_single_name_column_sorts_by_the_name_as_written(tmp_path):
    path = write(tmp_path / "list.csv", 'Name\n"Smith, Anna"\n"Åberg, Lars"\n"zhou, Li"\n')
    found = read_class_list(path, ListSpec(name_column="name"))
    assert [s.display for s in found.students] == ["Åberg, Lars", "Smith, Anna", "zhou, Li"]
    assert found.students[0].file_stem == "Åberg, Lars"


@pytest.mark.parametrize(
    ("text", "spec", "message"),
    [
        (
            "ID,Mark\n1,2\n3,4\n",
            ListSpec(name_column="ID"),
            "Column “ID” of list.csv holds numbers, not names",
        ),
        (
            "Name,Born\nAnn,2013-04-01\n",
            ListSpec(name_column="Born"),
            "Column “Born” of list.csv holds dates",
        ),
        ("Name,Note\nAnn,\nBob,\n", ListSpec(name_column="Note"), "Column “Note” of list.csv is empty"),
        ("Name,Mark\nAnn,1\n", ListSpec(name_column="Pupil"), "list.csv has no column called “Pupil”"),
        ("Name,Mark\nAnn,1\n", ListSpec(), "No column with the students' names was chosen"),
        (
            "Name,Mark\nAnn,1\n",
            ListSpec(surname_column="Name", class_column="Form"),
            "no column called “Form”",
        ),
    ],
)
def test_unusable_columns_are_named(tmp_path, text, spec, message):
    with pytest.raises(ClassListProblem, match=message) as caught:
        read_class_list(write(tmp_path / "list.csv", text), spec)
    if "no column called" in message:
        assert "Its columns are “Name”, “Mark”" in caught.value.message


def test_columns_without_a_header_row_and_limits(tmp_path, monkeypatch):
    path = write(tmp_path / "plain.csv", "Ann Lee,7B\nBo Wu,7B\nCy Ng,7C\n")
    shape = list_columns(path, header_row=0)
    assert shape.columns == ["Column A", "Column B"]
    found = read_class_list(path, ListSpec(name_column="Column A", header_row=0, sort="list"))
    assert [s.display for s in found.students] == ["Ann Lee", "Bo Wu", "Cy Ng"]
    monkeypatch.setattr("sheets.classlist.MAX_LIST_ROWS", 2)
    with pytest.raises(LimitExceeded, match="more than 2 rows"):
        read_class_list(path, ListSpec(name_column="Column A", header_row=0))


def test_students_round_trip_through_json(tmp_path):
    students = [Student(4, "Пётр", "Иванов", "", "9A", "Пётр Иванов"), Student(5, full="Zoë", display="Zoë")]
    save_students(students, tmp_path / "students.json")
    assert load_students(tmp_path / "students.json") == students
    assert students[0].file_stem == "9A - Иванов Пётр"
    assert sort_students(students, "surname")[0].display == "Zoë"


# -- what goes on each copy -----------------------------------------------------------------------


def test_label_text_and_names_the_font_cannot_print():
    font = text_font()
    options = ClassSetOptions.from_dict({"name_column": "Name", "date_text": " 12 Mar  2026 "})
    student = Student(3, full="Nguyễn Thị Minh Khai", group="9A", display="Nguyễn Thị Minh Khai")
    assert label_text(student, options, font) == ("Nguyễn Thị Minh Khai  ·  9A  ·  12 Mar 2026", False)
    chinese = Student(4, full="王小明", display="王小明")
    assert label_text(chinese, options, font) == (f"{WRITE_IN}  ·  12 Mar 2026", True)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"name_column": "Name", "per_sheet": 3}, "3 pages per sheet is not offered"),
        ({}, "choose the column with the students' names"),
        ({"name_column": "N", "show_name": False, "show_class": False}, "at least one thing"),
        ({"name_column": "N", "extra_text": "Due 明天"}, "characters the font on this server cannot print"),
        ({"name_column": "N", "position": "middle"}, "unknown place for the label"),
        ({"name_column": "N", "extra_text": "x" * 61}, "longer than 60 characters"),
    ],
)
def test_bad_options_are_refused_in_plain_words(options, message):
    with pytest.raises(BadOptions, match=message):
        ClassSetOptions.from_dict(options)


def test_counts_before_anything_runs():
    assert padded_pages(3) == 3
    assert padded_pages(3, duplex=True) == 4
    assert padded_pages(3, per_sheet=2) == 4
    assert padded_pages(5, per_sheet=2, duplex=True) == 8
    counts = plan(30, 3, ClassSetOptions(name_column="Name", duplex=True))
    assert (counts.padded_pages, counts.total_pages, counts.printed_sides, counts.sheets_of_paper) == (
        4,
        120,
        120,
        60,
    )
    assert counts.blank_pages == 30
    two_up = plan(30, 3, ClassSetOptions(name_column="Name", per_sheet=2))
    assert (two_up.total_pages, two_up.printed_sides, two_up.sheets_of_paper) == (120, 60, 60)


def test_zip_names_are_safe_and_never_collide():
    zip_name = FileNames(".pdf")  # what the package step names each copy with
    assert zip_name("7/B - Smith Anna", fallback="copy") == "7_B - Smith Anna.pdf"
    assert zip_name("7/B - smith anna", fallback="copy") == "7_B - smith anna (2).pdf"
    assert zip_name("CON", fallback="copy") == "_CON.pdf"
    assert zip_name("", fallback="copy") == "copy.pdf"


# -- named copies ---------------------------------------------------------------------------------


def black_pages(path: Path, sizes: list[tuple[float, float]]) -> Path:
    """A worksheet whose pages are black to the edges, with a line of text on each."""
    pdf = FPDF(unit="pt")
    pdf.set_font("helvetica", size=20)
    for number, (width, height) in enumerate(sizes, start=1):
        pdf.add_page(format=(width, height))
        pdf.set_fill_color(0, 0, 0)
        pdf.rect(0, 0, width, height, style="F")
        pdf.set_text_color(255, 255, 255)
        pdf.text(60, height / 2, f"Worksheet page {number}")
    pdf.output(str(path))
    return path


def render(path: Path, index: int = 0):
    document = pdfium.PdfDocument(str(path))
    try:
        return document[index].render(scale=1).to_pil().convert("L")
    finally:
        document.close()


@pytest.mark.parametrize("make_room", [True, False])
def test_shrinking_leaves_a_band_for_the_label(tmp_path, make_room):
    worksheet = black_pages(tmp_path / "black.pdf", [(595.0, 842.0)])
    style = LabelStyle(position="top-right", font_size=12, margin_mm=6, make_room=make_room)
    template = make_template(worksheet, ["Zoë Ångström"], tmp_path / "t", style)
    CopyMaker(template).write_copy(0, tmp_path / "copy.pdf")
    image = render(tmp_path / "copy.pdf")
    top_left = image.getpixel((5, 5))
    bottom = image.getpixel((image.width // 2, image.height - 3))
    if make_room:
        assert template.scale[0] == pytest.approx(0.95, abs=0.01)
        assert top_left > 200  # the band above the shrunk worksheet is paper white
        assert bottom < 50  # the worksheet keeps its place at the other edge
        # The label sits in the band, clear of the worksheet: dark pixels on white.
        band = image.crop((image.width // 2, 0, image.width, int(image.height * 0.04)))
        assert band.getextrema()[0] < 100
    else:
        assert template.scale[0] == 1.0
        assert top_left < 50
    text = PdfReader(tmp_path / "copy.pdf").pages[0].extract_text()
    assert "Worksheet page 1" in text and "Zoë Ångström" in text


def test_copies_are_valid_small_updates_of_one_template(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    worksheet = make_pdf(tmp_path / "ws.pdf", 4, "Exercise")
    names = [f"Студент {n} Ωμέγα Łódź Nguyễn" for n in range(300)]
    template = make_template(worksheet, names, tmp_path / "t", LabelStyle())
    maker = CopyMaker(template)
    outs = [tmp_path / "copies" / f"{n:04d}.pdf" for n in range(len(names))]
    outs[0].parent.mkdir()
    maker.write_copies(outs)
    base = template.base.stat().st_size
    assert all(0 < out.stat().st_size - base < 2000 for out in outs)
    for number in (0, 137, 299):
        reader = PdfReader(outs[number], strict=True)
        assert len(reader.pages) == 4
        for page_number, page in enumerate(reader.pages, start=1):
            text = page.extract_text()
            assert names[number] in text and f"Exercise {page_number}" in text
        document = pdfium.PdfDocument(str(outs[number]))
        assert len(document) == 4
        assert names[number] in document[3].get_textpage().get_text_range()
        document.close()
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]


def test_collated_print_file_stores_the_worksheet_once(tmp_path):
    worksheet = make_pdf(tmp_path / "ws.pdf", 3, "Task")
    names = ["Anna", "Пётр", "Νίκος"]
    template = make_template(worksheet, names, tmp_path / "t", LabelStyle(position="bottom-left"))
    result = CopyMaker(template).write_collated([2, 0, 1], tmp_path / "print.pdf", pad_to=2)
    assert (result.pages, result.pages_per_copy, result.blank_pages) == (12, 4, 3)
    reader = PdfReader(tmp_path / "print.pdf", strict=True)
    texts = [page.extract_text() for page in reader.pages]
    assert "Νίκος" in texts[0] and "Task 3" in texts[2] and texts[3].strip() == ""
    assert "Anna" in texts[4] and "Пётр" in texts[8]
    forms = {page["/Resources"]["/XObject"].raw_get("/TPSheet").idnum for page in reader.pages[:3]}
    assert forms == {page["/Resources"]["/XObject"].raw_get("/TPSheet").idnum for page in reader.pages[8:11]}


def test_mixed_page_sizes_and_labels_too_long_for_the_page(tmp_path):
    worksheet = black_pages(tmp_path / "mixed.pdf", [(595.0, 842.0), (842.0, 595.0), (200.0, 120.0)])
    long_name = "Maximilian-Alexander " * 6
    template = make_template(worksheet, ["Ann", long_name.strip()], tmp_path / "t", LabelStyle(font_size=14))
    assert len(template.sizes) == 3 and template.page_size == [0, 1, 2]
    assert template.shortened == [1]
    maker = CopyMaker(template)
    maker.write_copy(1, tmp_path / "long.pdf")
    reader = PdfReader(tmp_path / "long.pdf", strict=True)
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    assert sizes == [(595, 842), (842, 595), (200, 120)]
    assert "…" in reader.pages[2].extract_text()
    assert long_name.strip() in reader.pages[1].extract_text().replace("\n", " ")


def test_invisible_characters_are_dropped_from_names(tmp_path):
    path = write(tmp_path / "list.csv", "Name\nAnn\u200bLee\nBo\u00adWu\n")
    found = read_class_list(path, ListSpec(name_column="Name", sort="list"))
    assert [s.display for s in found.students] == ["Ann Lee", "Bo Wu"]


@pytest.mark.corpus
def test_corpus_form_fields_are_counted_as_left_out(tmp_path, corpus_dir):
    template = make_template(
        corpus_dir / "pdf" / "libreoffice-form.pdf", ["Ann"], tmp_path / "t", LabelStyle()
    )
    assert template.annotated_pages == 1
    CopyMaker(template).write_copy(0, tmp_path / "copy.pdf")
    text = PdfReader(tmp_path / "copy.pdf", strict=True).pages[0].extract_text()
    assert "Example for a Form" in text and "Ann" in text


def test_a_class_list_is_held_to_the_upload_limit_the_it_person_set(app_env, monkeypatch, config):
    """The class list is refused by MAX_UPLOAD_MB, on the page and in the job, not by a built-in size."""
    from services.looks import Looks
    from services.previews import class_list_of, columns_of
    from storage.config import load_config
    from storage.files import FileStore, StoredFile
    from tests.apptest import answer_looks

    monkeypatch.setenv("MAX_UPLOAD_MB", "1")
    small = load_config()
    path = small.uploads_dir / "big-list.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    # Under the list's own row limit, over 1 MB: long notes beside each name.
    path.write_text("Name,Class,Notes\n" + "".join(f"Student {n:05d},7A,{'x' * 700}\n" for n in range(1_500)))
    assert path.stat().st_size > 1_000_000
    stored = StoredFile(FileStore(small).ref(path), "big-list.csv", path.stat().st_size, "0" * 64)
    options = ClassSetOptions(name_column="Name")
    looks = Looks(small)
    asks = (lambda: columns_of(looks, stored, None, None), lambda: class_list_of(looks, stored, options))
    for ask in asks:
        assert ask().pending
        answer_looks()
        with pytest.raises(TeacherPrinterError, match="largest spreadsheet accepted is 1 MB"):
            ask()
    # With the limit raised, the same list is read (the limits are part of what a look is kept by).
    monkeypatch.setenv("MAX_UPLOAD_MB", "5")
    looks = Looks(load_config())
    assert class_list_of(looks, stored, options).pending
    answer_looks()
    assert len(class_list_of(looks, stored, options).value.students) == 1_500
