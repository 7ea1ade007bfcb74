"""Spreadsheets: the teacher's choices as one validated record, the page's look inside, the job's steps."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from storage.config import Config
from storage.files import FileStore
from worker.errors import SheetNotFound, TeacherPrinterError
from worker.sheets import SheetInfo, Table, csv_to_xlsx, list_sheets, preview, xlsx_to_csv
from worker.sheets.filetype import TEXT_SUFFIXES
from worker.steps import Pipeline, StepContext, StepDef, StepResult
from worker.uploads import UploadInfo

TASKS = ("to_xlsx", "to_csv")
TASK_LABELS = {"to_xlsx": "Make an Excel workbook (.xlsx)", "to_csv": "Make CSV files"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
ZIP_MIME = "application/zip"
ACCEPTED = ["csv", "txt", "tsv", "xlsx", "xlsm", "xls", "ods"]


class BadSheetOptions(TeacherPrinterError):
    key = "bad_options"
    default_hint = "Change the options on the page and try again."


@dataclass(frozen=True)
class SheetOptions:
    """Everything a Spreadsheets job needs besides its file; plain JSON values only."""

    task: str = "to_xlsx"
    sheet: str | None = None
    all_sheets: bool = False
    header_row: int | None = None
    guard: bool = True
    bom: bool = True

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SheetOptions:
        options = cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        if options.task not in TASKS:
            raise BadSheetOptions(f"“{options.task}” is not something the Spreadsheets page can do.")
        if options.header_row is not None and not 0 <= options.header_row <= 1000:
            raise BadSheetOptions("The header row must be a row number between 0 (no header) and 1000.")
        return options

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def is_text_file(name: str) -> bool:
    return Path(name).suffix.lower() in TEXT_SUFFIXES


def describe_sheet_upload(config: Config, ref: str, name: str) -> UploadInfo:
    """Check an uploaded spreadsheet opens and count its sheets; never raises for bad files."""
    try:
        infos = list_sheets(FileStore(config).resolve(ref))
    except TeacherPrinterError as exc:
        return UploadInfo(ref, name, "sheet", problem=exc.for_teacher())
    visible = [i for i in infos if not i.hidden]
    return UploadInfo(ref, name, "sheet", pages=len(visible) or len(infos))


def sheets_of(config: Config, ref: str) -> list[SheetInfo]:
    return list_sheets(FileStore(config).resolve(ref))


def preview_of(config: Config, ref: str, sheet: str | None, header_row: int | None, rows: int = 20) -> Table:
    """The first rows of a sheet as the job will read them (header found, types inferred)."""
    return preview(FileStore(config).resolve(ref), sheet, rows, header_row=header_row)


def convert(
    source: Path, out_dir: Path, options: SheetOptions, progress: Any
) -> tuple[Path, str, dict[str, Any]]:
    """Run the chosen conversion; returns the output, its MIME type and the counts for the record."""
    if options.task == "to_xlsx":
        if not is_text_file(source.name):
            raise BadSheetOptions(
                f"{source.name} is already a workbook.",
                "Choose “Make CSV files” for a workbook, or upload a CSV file.",
            )
        result = csv_to_xlsx(
            source,
            out_dir / f"{source.stem}.xlsx",
            header_row=options.header_row,
            guard=options.guard,
            progress=progress,
        )
        mime = XLSX_MIME
    else:
        sheets = None if options.all_sheets or options.sheet is None else [options.sheet]
        result = xlsx_to_csv(
            source, out_dir, sheets=sheets, bom=options.bom, guard=options.guard, progress=progress
        )
        mime = ZIP_MIME if result.output.suffix == ".zip" else CSV_MIME
    counts = {"rows": result.rows, "columns": result.columns, "sheets": result.sheets, "notes": result.notes}
    return result.output, mime, counts


def check_sheets_step(ctx: StepContext) -> StepResult:
    """Open every spreadsheet and find the chosen sheet, before any output is written."""
    options = SheetOptions.from_dict(ctx.options)
    found = []
    for item in ctx.record.inputs:
        infos = list_sheets(ctx.upload_path(item))
        names = [i.name for i in infos]
        if options.sheet is not None and not options.all_sheets and options.sheet not in names:
            raise SheetNotFound(f"{item['name']} has no sheet called “{options.sheet}”.")
        found.append({"name": item["name"], "sheets": names, "rows": sum(i.rows for i in infos)})
    return StepResult({"files": found})


def convert_sheets_step(ctx: StepContext) -> StepResult:
    options = SheetOptions.from_dict(ctx.options)
    outputs, counts = [], []
    for item in ctx.record.inputs:
        output, mime, result = convert(ctx.upload_path(item), ctx.outputs_dir, options, ctx.progress)
        outputs.append((output, mime))
        counts.append(result)
    notes = [note for result in counts for note in result.pop("notes")]
    return StepResult({"results": counts, "notes": notes}, outputs)


PIPELINE = Pipeline(
    kind="spreadsheets",
    label="Spreadsheets",
    steps=(
        StepDef("check", "Check files", check_sheets_step, weight=1),
        StepDef("convert", "Convert", convert_sheets_step, weight=4),
    ),
    check_options=SheetOptions.from_dict,
)
