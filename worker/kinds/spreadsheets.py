"""Spreadsheets: the teacher's choices as one validated record, the page's look inside, the job's steps."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from core.errors import BadOptions, SheetNotFound
from sheets.filetype import TEXT_SUFFIXES
from sheets.model import PAPERS
from sheets.safety import DEFAULT_LIMITS, Limits
from worker.limits import sheet_limits
from worker.options import Options, option
from worker.steps import (
    CSV_MIME,
    PDF_MIME,
    XLSX_MIME,
    ZIP_MIME,
    Pipeline,
    StepContext,
    StepDef,
    StepResult,
    output_name,
)

TASKS = ("to_xlsx", "to_csv", "combine", "split", "clean", "print")
TASK_LABELS = {
    "to_xlsx": "Make an Excel workbook (.xlsx)",
    "to_csv": "Make CSV files",
    "combine": "Combine files into one workbook",
    "split": "Split by a column (e.g. by class)",
    "clean": "Clean up (spaces, empty rows, duplicates)",
    "print": "Make a printable PDF table",
}
COMBINE_OR_SPLIT = "These combine or split options cannot be used."
ACCEPTED = ["csv", "txt", "tsv", "xlsx", "xlsm", "xls", "ods"]


@dataclass(frozen=True)
class SheetOptions(Options):
    """Everything a Spreadsheets job needs besides its file; plain JSON values only."""

    task: str = option(
        "to_xlsx",
        choices=TASKS,
        words=TASK_LABELS,
        label="Make",
        wrong="“{value}” is not something the Spreadsheets page can do.",
    )
    sheet: str | None = None
    all_sheets: bool = False
    header_row: int | None = option(
        None, low=0, high=1000, wrong="The header row must be a row number between 0 (no header) and 1000."
    )
    guard: bool = option(
        True,
        label="Keep text that starts with = + - or @ as plain text (recommended)",
        help="A spreadsheet program may run such a cell as a formula when the file is opened, which can "
        "change or send out data. With this on, it stays plain text. Negative numbers stay numbers.",
    )
    bom: bool = option(True, label="Make accents show correctly when opened in Excel (UTF-8 with BOM)")
    combine_mode: str = option(
        "sheets",
        choices=("sheets", "stack"),
        words={
            "sheets": "One sheet for each file",
            "stack": "All rows in one sheet, with a “Source” column saying where each came from",
        },
        label="How",
        wrong=COMBINE_OR_SPLIT,
    )
    split_column: str = option("", label="Split by the column")
    split_into: str = option(
        "sheets",
        choices=("sheets", "xlsx", "csv"),
        words={
            "sheets": "One workbook, one sheet for each value",
            "xlsx": "One Excel file for each value (in a ZIP)",
            "csv": "One CSV file for each value (in a ZIP)",
        },
        label="Into",
        wrong=COMBINE_OR_SPLIT,
    )
    trim: bool = option(True, label="Remove extra spaces")
    drop_empty: bool = option(True, label="Remove empty rows and columns")
    drop_duplicates: bool = option(True, label="Remove rows that appear twice")
    name_columns: list[str] = option(  # noqa: RUF009 (option() gives each record a fresh list)
        [], label="Write these names with capitals only at the start (JOHN SMITH → John Smith)"
    )
    title: str = option("", label="Title at the top (optional)")
    paper: str = option("A4", choices=PAPERS, label="Paper", wrong="Printable tables come on {either} paper.")

    refused: ClassVar[str] = "{}"
    joiner: ClassVar[str] = " "

    def problems(self, found: list[str]) -> list[str]:
        if self.task == "split" and not self.split_column.strip():
            return ["Choose the column to split by."]
        return []


@dataclass(frozen=True)
class SheetCounts:
    """What the teacher will get, before anything runs."""

    results: int  # files on the Jobs page
    parts: int  # sheets of the one workbook, or files in its ZIP (1 when each result is one file)
    each: str  # what each part comes from: "file", "sheet" or "value"
    rows: int
    columns: int


def plan(
    files: int, sheets: int, rows: int, columns: int, options: SheetOptions, groups: int = 0
) -> SheetCounts:
    """Counts for `files` inputs (the one shown has `sheets` sheets, `rows` and `columns`), and
    `groups` values of the split column, without writing anything."""
    if options.task == "combine":
        return SheetCounts(1, files if files > 1 else sheets, "file" if files > 1 else "sheet", rows, columns)
    if options.task == "split":
        return SheetCounts(1, groups, "value", rows, columns)
    if options.task == "to_csv" and files == 1 and options.all_sheets and sheets > 1:
        return SheetCounts(1, sheets, "sheet", rows, columns)
    return SheetCounts(files, 1, "file", rows, columns)


def is_text_file(name: str) -> bool:
    return Path(name).suffix.lower() in TEXT_SUFFIXES


def convert(
    source: Path, out_dir: Path, options: SheetOptions, progress: Any, limits: Limits = DEFAULT_LIMITS
) -> tuple[Path, str, dict[str, Any]]:
    """Run the chosen task on one file; returns the output, its MIME type and the counts for the record."""
    from sheets import csv_to_xlsx, xlsx_to_csv  # the readers load here, in the worker only
    from sheets.clean import clean_table
    from sheets.printable import printable_table
    from sheets.split import split_by_column

    sheet, header = options.sheet, options.header_row
    if options.task == "to_xlsx":
        if not is_text_file(source.name):
            raise BadOptions(
                f"{source.name} is already a workbook.",
                "Choose “Make CSV files” for a workbook, or upload a CSV file.",
            )
        result = csv_to_xlsx(
            source,
            out_dir / f"{source.stem}.xlsx",
            header_row=header,
            guard=options.guard,
            limits=limits,
            progress=progress,
        )
        return (
            result.output,
            XLSX_MIME,
            _counts(result.rows, result.columns, result.notes, sheets=result.sheets),
        )
    if options.task == "to_csv":
        sheets = None if options.all_sheets or sheet is None else [sheet]
        result = xlsx_to_csv(
            source,
            out_dir,
            sheets=sheets,
            bom=options.bom,
            guard=options.guard,
            limits=limits,
            progress=progress,
        )
        mime = ZIP_MIME if result.output.suffix == ".zip" else CSV_MIME
        return result.output, mime, _counts(result.rows, result.columns, result.notes, sheets=result.sheets)
    if options.task == "split":
        split = split_by_column(
            source, out_dir, options.split_column, sheet=sheet, header_row=header,
            into=options.split_into, guard=options.guard, limits=limits, progress=progress,
        )  # fmt: skip
        mime = XLSX_MIME if split.output.suffix == ".xlsx" else ZIP_MIME
        return split.output, mime, _counts(split.rows, None, split.notes, groups=split.groups)
    if options.task == "clean":
        cleaned = clean_table(
            source, out_dir, sheet=sheet, header_row=header, trim=options.trim, drop_empty=options.drop_empty,
            drop_duplicates=options.drop_duplicates, name_columns=options.name_columns, guard=options.guard,
            limits=limits, progress=progress,
        )  # fmt: skip
        report = [
            f"{c.text}" + (f" For example: {', '.join(c.examples)}." if c.examples else "")
            for c in cleaned.changes
        ]
        mime = CSV_MIME if cleaned.output.suffix == ".csv" else XLSX_MIME
        return cleaned.output, mime, _counts(cleaned.rows, cleaned.columns, [*report, *cleaned.notes])
    printed = printable_table(
        source, out_dir / f"{source.stem}.pdf", sheet=sheet, header_row=header,
        title=options.title or None, paper=options.paper, limits=limits, progress=progress,
    )  # fmt: skip
    return (
        printed.output,
        PDF_MIME,
        _counts(printed.rows, printed.columns, printed.notes, pages=printed.pages),
    )


def combine_files(
    sources: list[tuple[Path, str | None]],
    dest: Path,
    options: SheetOptions,
    progress: Any,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Several files (or every sheet of one workbook) into one workbook; returns counts and notes."""
    from sheets.combine import combine

    result = combine(
        sources, dest, mode=options.combine_mode, guard=options.guard, limits=limits, progress=progress
    )
    notes = list(result.notes)
    for label, columns in result.missing.items():
        notes.append(
            f"{label} has no column {', '.join(f'“{c}”' for c in columns)}; those cells are left empty."
        )
    return _counts(result.rows, result.columns, notes, sheets=result.sheets)


def _counts(rows: int, columns: int | None, notes: list[str], **more: Any) -> dict[str, Any]:
    return {"rows": rows, "columns": columns, "notes": list(notes), **more}


def check_sheets_step(ctx: StepContext[SheetOptions]) -> StepResult:
    """Open every spreadsheet and find the chosen sheet, before any output is written."""
    from sheets import list_sheets

    options = ctx.options
    found = []
    for item in ctx.record.inputs:
        infos = list_sheets(ctx.upload_path(item), limits=sheet_limits(ctx.files.config))
        names = [i.name for i in infos]
        if options.sheet is not None and not options.all_sheets and options.sheet not in names:
            raise SheetNotFound(f"{item['name']} has no sheet called “{options.sheet}”.")
        found.append({"name": item["name"], "sheets": names, "rows": sum(i.rows for i in infos)})
    return StepResult({"files": found})


def convert_sheets_step(ctx: StepContext[SheetOptions]) -> StepResult:
    options = ctx.options
    if options.task == "combine":
        paths = [ctx.upload_path(item) for item in ctx.record.inputs]
        if len(paths) == 1:
            sources = [(paths[0], name) for name in ctx.result_of("check")["files"][0]["sheets"]]
        else:
            sources = [
                (path, options.sheet if not is_text_file(path.name) and options.sheet else None)
                for path in paths
            ]
        dest = ctx.outputs_dir / output_name(options.output_name, "combined.xlsx", ".xlsx")
        result = combine_files(sources, dest, options, ctx.progress, sheet_limits(ctx.files.config))
        notes = result.pop("notes")
        return StepResult({"results": [result], "notes": notes}, [(dest, XLSX_MIME)])
    outputs, counts = [], []
    for item in ctx.record.inputs:
        output, mime, result = convert(
            ctx.upload_path(item), ctx.outputs_dir, options, ctx.progress, sheet_limits(ctx.files.config)
        )
        outputs.append((output, mime))
        counts.append(result)
    notes = [note for result in counts for note in result.pop("notes")]
    return StepResult({"results": counts, "notes": notes}, outputs)


PIPELINE = Pipeline(
    kind="spreadsheets",
    label="Spreadsheets",
    steps=(
        StepDef("check", "Check files", check_sheets_step, weight=1),
        StepDef("convert", "Make the result", convert_sheets_step, weight=4),
    ),
    options=SheetOptions,
)
