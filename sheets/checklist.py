"""The checklist that comes with a class set: one row per student, and a column to tick."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from core.files import atomic_path
from sheets.classlist import Student


def write_checklist(dest: Path, students: list[Student], files: list[str], pages: int) -> None:
    """A workbook with one row per student and an empty column to tick."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Checklist")
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEF", (6, 32, 10, 8, 44, 12), strict=True):
        sheet.column_dimensions[column].width = width
    bold = Font(bold=True)

    def text(value: object, header: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value)
        if isinstance(value, str):
            # Kept as text even when it starts with = + - or @: never a formula.
            cell.data_type = "s"
        if header:
            cell.font = bold
        return cell

    sheet.append([text(h, header=True) for h in ("No.", "Student", "Class", "Pages", "File", "✓")])
    for number, (student, file) in enumerate(zip(students, files, strict=True), start=1):
        sheet.append([number, text(student.display), text(student.group), pages, text(file), None])
    with atomic_path(dest) as tmp:
        book.save(tmp)
