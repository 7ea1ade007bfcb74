"""What the tool pages show before the button: counts, first-sheet previews, sheets and columns.

Each takes the settings and an upload's reference, and calls the kind's own plan or preview,
so that the page says what the job will do, in its words.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from core.fonts import text_font
from pdf.named_copies import CopyMaker, make_template
from pdf.render import render_page_png
from pdf.source import read_page_sizes
from sheets import SheetInfo, Table, list_sheets, preview
from sheets.classlist import ClassList, Student, list_columns, read_class_list
from sheets.split import split_groups
from storage.config import Config
from storage.files import FileStore
from worker.kinds.class_sets import PREVIEW_WIDTH_PX, ClassSetOptions, label_text
from worker.kinds.handouts import HandoutCounts, HandoutOptions, plan, preview_png
from worker.limits import sheet_limits


def handout_counts(config: Config, refs: list[str], options: HandoutOptions) -> HandoutCounts:
    """Counts for uploaded files taken together, as the job will combine them."""
    store = FileStore(config)
    sizes: list[tuple[float, float]] = []
    for ref in refs:
        sizes.extend(read_page_sizes(store.resolve(ref)))
    return plan(sizes, options)


def handout_preview(config: Config, ref: str, options: HandoutOptions) -> bytes:
    """The first sheet of an uploaded file with these options, as PNG bytes."""
    return preview_png(FileStore(config).resolve(ref), options)


def columns_of(config: Config, ref: str, sheet: str | None, header_row: int | None) -> ClassList:
    """The columns and header row of an uploaded class list (no students yet)."""
    return list_columns(FileStore(config).resolve(ref), sheet, header_row, sheet_limits(config))


def class_list_of(config: Config, ref: str, name: str, options: ClassSetOptions) -> ClassList:
    """The students of an uploaded class list as the job will read them."""
    return read_class_list(
        FileStore(config).resolve(ref), options.list_spec(), name, limits=sheet_limits(config)
    )


def class_set_preview(
    config: Config, worksheet_ref: str, student: dict[str, Any], options: ClassSetOptions
) -> bytes:
    """The first page of one student's copy, as PNG bytes."""
    text, _ = label_text(Student.from_dict(student), options, text_font())
    source = FileStore(config).resolve(worksheet_ref)
    with tempfile.TemporaryDirectory(prefix="tp-class-set-") as folder:
        template = make_template(source, [text], Path(folder), options.label_style(), pages=[0])
        copy = Path(folder) / "copy.pdf"
        CopyMaker(template).write_copy(0, copy)
        return render_page_png(copy, 0, PREVIEW_WIDTH_PX)


def sheets_of(config: Config, ref: str) -> list[SheetInfo]:
    return list_sheets(FileStore(config).resolve(ref), limits=sheet_limits(config))


def preview_of(config: Config, ref: str, sheet: str | None, header_row: int | None, rows: int = 20) -> Table:
    """The first rows of a sheet as the job will read them (header found, types inferred)."""
    return preview(
        FileStore(config).resolve(ref), sheet, rows, header_row=header_row, limits=sheet_limits(config)
    )


def groups_of(
    config: Config, ref: str, column: str, sheet: str | None, header_row: int | None
) -> dict[str, int]:
    """The groups a split by `column` would make, with their rows, before anything runs."""
    path = FileStore(config).resolve(ref)
    return split_groups(path, column, sheet=sheet, header_row=header_row, limits=sheet_limits(config))
