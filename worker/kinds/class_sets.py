"""Class sets: one named copy of a worksheet for every student on a class list.

The chain: read the class list (students saved as JSON in the step's work folder, so
names stay out of the job record), make one PDF per student from a labelled template
(`pdf.named_copies`), assemble the print file in the chosen order with duplex
padding and optional pages per sheet, then package a ZIP of single copies and a
checklist workbook. Progress texts and logs never carry a name.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from core.errors import BadOptions, InputMissing
from core.files import atomic_path, safe_name
from core.fonts import SMALLEST_CHOSEN_PT, missing_glyphs, text_font, unprintable_listed
from core.progress import ProgressCallback
from pdf.layout import PAPERS
from pdf.limits import MAX_MARGIN_MM
from pdf.marks import MAX_LABEL_PT, POSITIONS, LabelStyle
from pdf.plans import check_print_pages, check_worksheet_pages, padded_pages
from pdf.printing import sheets_of_paper
from pdf.ranges import parse_ranges
from sheets.classlist import (
    NAME_ORDERS,
    SORTS,
    ListSpec,
    Student,
    load_students,
    read_class_list,
    save_students,
)
from sheets.names import FileNames
from worker.limits import sheet_limits
from worker.options import option
from worker.savers import SaverOptions, save

if TYPE_CHECKING:
    from pdf.named_copies import Template

from worker.steps import (
    PDF_MIME,
    TO_PDF,
    XLSX_MIME,
    ZIP_MIME,
    Pipeline,
    StepContext,
    StepDef,
    StepResult,
    one_pdf,
    output_name,
)

PER_SHEET = (1, 2, 4)
MAX_TEXT_CHARS = 60
SEPARATOR = "  ·  "
# Printed instead of a name the font cannot draw, so that it can be written by hand.
WRITE_IN = "Name: ____________________"
PREVIEW_WIDTH_PX = 900
MAX_LISTED = 10


@dataclass(frozen=True)
class ClassSetOptions(SaverOptions):
    """Everything a Class sets job needs besides its files; plain JSON values only."""

    sheet: str | None = None
    header_row: int | None = option(
        None, low=0, high=1000, wrong="the header row must be between 0 (no header) and 1000"
    )
    name_column: str | None = None
    first_name_column: str | None = None
    surname_column: str | None = None
    class_column: str | None = None
    classes: tuple[str, ...] = option((), label="Only these classes")
    name_order: str = option(
        "first_last",
        choices=NAME_ORDERS,
        words={"first_last": "First name Surname", "last_first": "Surname First name"},
        label="Write names as",
        wrong="unknown order of names",
    )
    sort: str = option(
        "surname",
        choices=SORTS,
        words={"surname": "Surname", "first_name": "First name", "list": "As in the list"},
        label="Order of the copies",
        wrong="unknown order of names",
    )
    show_name: bool = option(True, label="Student's name")
    show_class: bool = option(True, label="Class")
    date_text: str = option("", label="Date")
    extra_text: str = option("", label="Text (optional)")
    position: str = option(
        "top-right", choices=POSITIONS, label="Where", wrong="unknown place for the label {value!r}"
    )
    font_size: float = option(
        11.0,
        low=SMALLEST_CHOSEN_PT,
        high=MAX_LABEL_PT,
        offered=(8, 20),
        label="Text size (pt)",
        wrong="the text size must be between {low} and {high} pt",
    )
    margin_mm: float = option(
        6.0, low=0, high=MAX_MARGIN_MM, wrong="the distance from the edge must be between {low} and {high} mm"
    )
    make_room: bool = option(
        True, label="Shrink each page slightly to make room, so the name never covers the worksheet"
    )
    pages: str = option(
        "",
        label="Worksheet pages to copy (empty for all)",
        help="Page numbers of the worksheet, in order: 1-3, 5 or odd, even, last. Each copy has these pages.",
    )
    duplex: bool = option(
        False,
        label="I will print on both sides",
        help="A blank page is added after a copy with an odd number of pages, so every copy starts on a new sheet.",
    )
    per_sheet: int = option(
        1,
        choices=PER_SHEET,
        label="Pages per sheet",
        wrong="{value} pages per sheet is not offered ({either})",
    )
    paper: str = option("A4", choices=PAPERS, label="Paper")

    refused: ClassVar[str] = "These class set options cannot be used: {}."

    @classmethod
    def normalise(cls, known: dict[str, Any]) -> dict[str, Any]:
        if "classes" in known:
            known["classes"] = tuple(str(c) for c in known["classes"] or ())
        for key in ("date_text", "extra_text"):
            if key in known:
                known[key] = " ".join(str(known[key] or "").split())
        return known

    def problems(self, found: list[str]) -> list[str]:
        problems = []
        if not (self.name_column or self.first_name_column or self.surname_column):
            problems.append("choose the column with the students' names")
        for words, text in (("date", self.date_text), ("extra text", self.extra_text)):
            if len(text) > MAX_TEXT_CHARS:
                problems.append(f"the {words} is longer than {MAX_TEXT_CHARS} characters")
        if not (self.show_name or self.show_class or self.date_text or self.extra_text):
            problems.append("choose at least one thing to write on each copy")
        return problems

    def validate(self) -> None:
        super().validate()
        if shown := unprintable_listed(self.date_text + self.extra_text, text_font()):
            raise BadOptions(
                f"The text to print has characters the font on this server cannot print: {shown}.",
                "Remove them or write them another way, then try again.",
            )

    def list_spec(self) -> ListSpec:
        return ListSpec(
            sheet=self.sheet,
            header_row=self.header_row,
            name_column=self.name_column,
            first_name_column=self.first_name_column,
            surname_column=self.surname_column,
            class_column=self.class_column,
            classes=self.classes,
            name_order=self.name_order,
            sort=self.sort,
        )

    def label_style(self) -> LabelStyle:
        return LabelStyle(self.position, self.font_size, self.margin_mm, self.make_room)


@dataclass(frozen=True)
class ClassSetCounts:
    """What the teacher will get, before anything runs."""

    students: int
    pages_per_copy: int  # the worksheet's pages
    padded_pages: int  # per copy in the print file, blank pages included
    total_pages: int  # of the print file before any pages-per-sheet
    printed_sides: int
    sheets_of_paper: int
    blank_pages: int


def plan(students: int, worksheet_pages: int, options: ClassSetOptions) -> ClassSetCounts:
    """Counts for this many students and worksheet pages, without writing anything."""
    padded = padded_pages(worksheet_pages, options.per_sheet, options.duplex)
    total = students * padded
    sides = total // options.per_sheet
    return ClassSetCounts(
        students,
        worksheet_pages,
        padded,
        total,
        sides,
        sheets_of_paper(sides, options.duplex),
        students * (padded - worksheet_pages),
    )


def chosen_pages(options: ClassSetOptions, worksheet_pages: int, worksheet: str) -> list[int] | None:
    """The worksheet's pages (0-based) each copy has, in order; None for all of them."""
    if not options.pages.strip():
        return None
    return parse_ranges(options.pages, worksheet_pages, worksheet)


def check_counts(counts: ClassSetCounts, worksheet: str) -> None:
    """Raise what the job would raise for these counts: the page runs this before offering its button."""
    check_worksheet_pages(counts.pages_per_copy, worksheet)
    check_print_pages(counts.total_pages)


def worksheet_name(names: list[str]) -> str:
    """How messages name the worksheet: its file, or the first of its files."""
    return names[0] if len(names) == 1 else f"The worksheet ({names[0]} and {len(names) - 1} more)"


def label_text(student: Student, options: ClassSetOptions, font: Path) -> tuple[str, bool]:
    """The line printed on one student's copy, and whether their name had to become a write-in line."""
    parts: list[str] = []
    write_in = False
    if options.show_name:
        name = student.display
        if missing_glyphs(name, font):
            name, write_in = WRITE_IN, True
        parts.append(name)
    # A class the font cannot print is left out; the copies are still told apart by their names.
    if options.show_class and student.group and not missing_glyphs(student.group, font):
        parts.append(student.group)
    parts.extend(text for text in (options.date_text, options.extra_text) if text)
    return SEPARATOR.join(parts), write_in


# -- what the page shows ----------------------------------------------------------------------------


# -- the steps --------------------------------------------------------------------------------------


def _role(item: dict[str, Any]) -> str:
    role = item.get("role")
    if role in ("worksheet", "class_list"):
        return role
    return "worksheet" if str(item.get("name", "")).lower().endswith(".pdf") else "class_list"


def read_list_step(ctx: StepContext[ClassSetOptions]) -> StepResult:
    """Read the class list into a JSON file of students; any problem names the column or rows."""
    options = ctx.options
    items = [item for item in ctx.record.inputs if _role(item) == "class_list"]
    if not items:
        raise InputMissing("No class list was given.", "Upload a class list on the Class sets page.")
    item = items[0]
    found = read_class_list(
        ctx.upload_path(item),
        options.list_spec(),
        item.get("name"),
        ctx.progress,
        sheet_limits(ctx.files.config),
    )
    dest = ctx.work_dir / "students.json"
    save_students(found.students, dest)
    # The record keeps counts and row numbers, never a student's name (the page showed those).
    return StepResult({"students_file": ctx.files.ref(dest), **found.counts(), "notes": found.record_notes})


def _worksheet(
    ctx: StepContext[ClassSetOptions], students: int
) -> tuple[Path, str, list[str], list[int] | None]:
    """The worksheet PDFs checked (as the page checked them) and, when there are several, combined in
    order; with its name, notes, and the pages each copy has (None: all)."""
    from pdf.inputs import check_pdf  # the operations load here, in the worker only

    items = [item for item in ctx.inputs if _role(item) == "worksheet"]
    if not items:
        raise InputMissing("No worksheet was given.", "Upload the worksheet PDF on the Class sets page.")
    paths, notes, pages = [], [], 0
    names = [item.get("name", "the worksheet") for item in items]
    for number, (item, name) in enumerate(zip(items, names, strict=True), start=1):
        checked = check_pdf(ctx.upload_path(item), name, ctx.work_dir / f"worksheet-{number}.pdf")
        paths.append(checked.path)
        pages += checked.pages
        if note := checked.note(name):
            notes.append(note)
    chosen = chosen_pages(ctx.options, pages, worksheet_name(names))
    check_counts(
        plan(students, len(chosen) if chosen is not None else pages, ctx.options), worksheet_name(names)
    )
    worksheet = one_pdf(paths, ctx.work_dir / "worksheet.pdf")
    if ctx.options.saves_anything:  # once, on the worksheet: every copy is made from it
        worksheet, said = save(
            worksheet, ctx.work_dir / "saved" / "worksheet.pdf", ctx.options, name=names[0]
        )
        notes.extend(said)
    return worksheet, names[0], notes, chosen


def make_copies_step(ctx: StepContext[ClassSetOptions]) -> StepResult:
    """One PDF per student in the work folder, all from one labelled template."""
    from pdf.named_copies import CopyMaker, describe, make_template

    options = ctx.options
    students = load_students(ctx.files.resolve(ctx.result_of("read_list")["students_file"]))
    worksheet, name, notes, chosen = _worksheet(ctx, len(students))
    font = text_font()
    labels, write_ins = [], []
    for student in students:
        text, write_in = label_text(student, options, font)
        labels.append(text)
        if write_in:
            write_ins.append(student)
    total = len(students) + 5
    # The template takes about as long as a handful of copies: 5 of the step's units.
    template = make_template(
        worksheet,
        labels,
        ctx.work_dir / "template",
        options.label_style(),
        name,
        pages=chosen,
        progress=lambda done, _steps, text: ctx.progress(done, total, text),
    )
    folder = ctx.work_dir / "copies"
    folder.mkdir(parents=True, exist_ok=True)
    outs = [folder / f"copy-{number:04d}.pdf" for number in range(1, len(students) + 1)]
    CopyMaker(template).write_copies(outs, lambda done, _n, text: ctx.progress(5 + done, total, text))
    notes.extend(_label_notes(students, write_ins, template))
    return StepResult(
        {
            "template": ctx.files.ref(Path(template.folder) / "template.json"),
            "copies_dir": ctx.files.ref(folder),
            **describe(template),
            "notes": notes,
        }
    )


def unprintable(students: list[Student]) -> list[Student]:
    """The students whose name has letters the font on this server cannot print."""
    font = text_font()
    return [s for s in students if missing_glyphs(s.display, font)]


def _who(students: list[Student]) -> str:
    """Which students, by their rows on the class list: the job's record holds no names."""
    shown = ", ".join(f"row {s.row}" for s in students[:MAX_LISTED])
    more = f" and {len(students) - MAX_LISTED:,} more" if len(students) > MAX_LISTED else ""
    return shown + more


def _label_notes(students: list[Student], write_ins: list[Student], template: Template) -> list[str]:
    notes = []
    if write_ins:
        notes.append(
            f"{len(write_ins)} name{'s use' if len(write_ins) != 1 else ' uses'} letters the font on this "
            f"server cannot print: {_who(write_ins)}. "
            f"{'Their copies have' if len(write_ins) != 1 else 'That copy has'} a line to write the name on "
            "instead."
        )
    if template.annotated_pages:
        count = template.annotated_pages
        notes.append(
            f"Links, comments and form fields on {count} page{'s' if count != 1 else ''} of the worksheet "
            "are not kept on the copies. For a form you filled in, save it with Print → Save as PDF "
            "and upload that."
        )
    if template.shortened:
        cut = [students[i] for i in template.shortened]
        notes.append(f"The label was too long for the page and was shortened with “…” for {_who(cut)}.")
    elif template.fitted:
        count = len(template.fitted)
        notes.append(
            f"The label was printed smaller on {count} cop{'ies' if count != 1 else 'y'} so that it fits."
        )
    return notes


def assemble_step(ctx: StepContext[ClassSetOptions]) -> StepResult:
    """The print file: every copy in order, padded so each starts on a fresh sheet, optionally N per sheet."""
    from pdf.impose import n_up
    from pdf.named_copies import CopyMaker, Template

    options = ctx.options
    template = Template.load(ctx.files.resolve(ctx.result_of("copies")["template"]))
    maker = CopyMaker(template)
    out = ctx.outputs_dir / output_name(options.output_name, "class set.pdf", ".pdf")
    pad_to = options.per_sheet * (2 if options.duplex else 1)
    order = list(range(template.copies))
    if options.per_sheet == 1:
        result = maker.write_collated(order, out, pad_to, ctx.progress, two_sided=options.duplex)
        sides, printing = result.pages, result.printing
    else:
        collated = ctx.work_dir / "collated.pdf"
        result = maker.write_collated(order, collated, pad_to, _half(ctx.progress, first=True))
        placed = n_up(
            collated, out, options.per_sheet, options.paper, progress=_half(ctx.progress, first=False),
            two_sided=options.duplex,
        )  # fmt: skip
        sides, printing = placed.sheets, placed.printing
    counts = plan(template.copies, template.pages, options)
    return StepResult(
        {
            "pages": result.pages,
            "pages_per_copy": result.pages_per_copy,
            "blank_pages": result.blank_pages,
            "printed_sides": sides,
            "sheets_of_paper": counts.sheets_of_paper,
            "printing": printing.to_dict(),
        },
        [(out, PDF_MIME)],
    )


def _half(progress: ProgressCallback, first: bool) -> ProgressCallback:
    def report(done: int, total: int, text: str) -> None:
        fraction = done / total if total else 0
        progress(int(1000 * (fraction / 2 + (0 if first else 0.5))), 1000, text)

    return report


def package_step(ctx: StepContext[ClassSetOptions]) -> StepResult:
    """A ZIP with one PDF per student, and a checklist workbook to tick off."""
    from sheets.checklist import write_checklist

    students = load_students(ctx.files.resolve(ctx.result_of("read_list")["students_file"]))
    copies = ctx.result_of("copies")
    folder = ctx.files.resolve(copies["copies_dir"])
    pages = copies["pages_per_copy"]
    chosen = ctx.options.output_name
    stem = Path(output_name(chosen, "class set.pdf", ".pdf")).stem
    archive = ctx.outputs_dir / safe_name(f"{stem} - single copies.zip")
    checklist = ctx.outputs_dir / safe_name(f"{stem} - checklist.xlsx")
    zip_name = FileNames(".pdf")
    names = []
    # The copies are mostly compressed streams already: the fastest level saves as much as the best.
    with atomic_path(archive) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for number, student in enumerate(students, start=1):
            source = folder / f"copy-{number:04d}.pdf"
            if not source.is_file():
                raise InputMissing(
                    "A copy made in the previous step is missing.",
                    "Press Run again… on the Jobs page to make the class set afresh.",
                )
            names.append(zip_name(student.file_stem, fallback="copy"))
            zf.write(source, names[-1])
            ctx.progress(number, len(students) + 1, f"Packing copy {number} of {len(students)}")
    write_checklist(checklist, students, names, pages)
    ctx.progress(len(students) + 1, len(students) + 1, "Checklist written")
    return StepResult({"files": len(names)}, [(archive, ZIP_MIME), (checklist, XLSX_MIME)])


PIPELINE = Pipeline(
    kind="class_sets",
    label="Class sets",
    steps=(
        TO_PDF,
        StepDef("read_list", "Read class list", read_list_step, weight=1),
        StepDef("copies", "Make the named copies", make_copies_step, weight=3),
        StepDef("assemble", "Assemble the print file", assemble_step, weight=2),
        StepDef("package", "Package", package_step, weight=1),
    ),
    options=ClassSetOptions,
)
