"""The chains of steps each kind of job runs, and the thin adapters that call the operations.

A step reads its inputs from the file store (uploads, or what earlier steps left in
their result), calls a pure operation with a progress callback, and returns plain
JSON data plus the output files it wants listed on the Jobs page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.files import FileStore, safe_name
from storage.jobs import JobRecord
from worker.errors import InputMissing, SheetNotFound, TeacherPrinterError
from worker.handouts import HandoutOptions, make_handouts
from worker.pdf.inputs import check_pdf
from worker.pdf.merge import merge_pdfs
from worker.progress import ProgressCallback
from worker.sheets import list_sheets
from worker.spreadsheets import SheetOptions, convert
from worker.zips import extract_member, list_members

PDF_MIME = "application/pdf"


@dataclass
class StepContext:
    """What a step may use: its job's record, the file store, a scratch folder, progress."""

    record: JobRecord
    index: int
    files: FileStore
    progress: ProgressCallback

    @property
    def options(self) -> dict[str, Any]:
        return self.record.options

    @property
    def work_dir(self) -> Path:
        return self.files.work_dir(self.record.id, self.index)

    @property
    def outputs_dir(self) -> Path:
        folder = self.files.outputs_dir(self.record.id)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def result_of(self, name: str) -> dict[str, Any]:
        for step in self.record.steps[: self.index]:
            if step.name == name:
                return step.result
        raise KeyError(name)

    def upload_path(self, item: dict[str, Any]) -> Path:
        path = self.files.resolve(item["ref"])
        if not path.is_file():
            raise InputMissing(f"{item.get('name', 'A file')} is no longer on the server.")
        return path


@dataclass
class StepResult:
    data: dict[str, Any] = field(default_factory=dict)
    outputs: list[tuple[Path, str]] = field(default_factory=list)


@dataclass(frozen=True)
class StepDef:
    name: str
    label: str
    run: Callable[[StepContext], StepResult]
    weight: int = 1


def no_option_checks(options: dict[str, Any]) -> None:
    """Accept any options (the steps read only what they know)."""


@dataclass(frozen=True)
class Pipeline:
    kind: str
    label: str
    steps: tuple[StepDef, ...]
    # Raises a TeacherPrinterError for options the steps could not use, before anything is queued.
    check_options: Callable[[dict[str, Any]], None] = no_option_checks


# -- Merge PDFs -------------------------------------------------------------------


class SeveralProblems(TeacherPrinterError):
    """More than one input failed its check; the message lists each."""


def _expand_inputs(ctx: StepContext) -> list[tuple[Path, str]]:
    """Every PDF to check, in order, with ZIPs unpacked into the step's scratch folder."""
    expanded: list[tuple[Path, str]] = []
    for item in ctx.record.inputs:
        path = ctx.upload_path(item)
        name = item.get("name", path.name)
        if not name.lower().endswith(".zip"):
            expanded.append((path, name))
            continue
        wanted = item.get("members")
        members = list_members(path, name)
        if wanted is not None:
            by_name = {m.name: m for m in members}
            members = [by_name[m] for m in wanted if m in by_name]
        for member in members:
            dest = ctx.work_dir / f"zip-{len(expanded):04d}-{member.display}"
            extract_member(path, member.name, dest, name)
            expanded.append((dest, f"{member.display} (in {name})"))
    return expanded


def check_pdfs(ctx: StepContext) -> StepResult:
    """Open every input, count its pages, decrypt empty-password files; report every bad file."""
    expanded = _expand_inputs(ctx)
    checked: list[dict[str, Any]] = []
    notes: list[str] = []
    problems: list[TeacherPrinterError] = []
    for number, (path, name) in enumerate(expanded, start=1):
        ctx.progress(number - 1, len(expanded), f"Checking {name}")
        try:
            result = check_pdf(path, name, ctx.work_dir / f"checked-{number:04d}.pdf")
        except TeacherPrinterError as exc:
            problems.append(exc)
            continue
        checked.append({"ref": ctx.files.ref(result.path), "name": name, "pages": result.pages})
        if note := result.note(name):
            notes.append(note)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        lines = " ".join(p.message for p in problems)
        raise SeveralProblems(f"{len(problems)} files could not be used. {lines}", problems[0].hint)
    ctx.progress(len(expanded), len(expanded), "All files checked")
    return StepResult({"files": checked, "pages": sum(f["pages"] for f in checked), "notes": notes})


def output_name(options: dict[str, Any], default: str, suffix: str) -> str:
    name = safe_name(str(options.get("output_name") or default), fallback=Path(default).stem)
    return name if name.lower().endswith(suffix) else name + suffix


def merge_step(ctx: StepContext) -> StepResult:
    files = ctx.result_of("check")["files"]
    out = ctx.outputs_dir / output_name(ctx.options, "merged.pdf", ".pdf")
    pages = merge_pdfs([ctx.files.resolve(f["ref"]) for f in files], out, ctx.progress)
    return StepResult({"pages": pages}, [(out, PDF_MIME)])


def _single_source(ctx: StepContext) -> Path:
    """The checked inputs as one PDF: the file itself, or several merged in order."""
    files = ctx.result_of("check")["files"]
    paths = [ctx.files.resolve(f["ref"]) for f in files]
    if len(paths) == 1:
        return paths[0]
    combined = ctx.work_dir / "combined.pdf"
    merge_pdfs(paths, combined)
    return combined


def handouts_step(ctx: StepContext) -> StepResult:
    options = HandoutOptions.from_dict(ctx.options)
    source = _single_source(ctx)
    default = "booklet.pdf" if options.layout == "booklet" else f"handouts {options.per_sheet} per sheet.pdf"
    out = ctx.outputs_dir / output_name(ctx.options, default, ".pdf")
    counts = make_handouts(source, out, options, ctx.progress)
    return StepResult(counts, [(out, PDF_MIME)])


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


def selftest_step(ctx: StepContext) -> StepResult:
    """A step that only proves a worker picks jobs up and can write to the shared volume."""
    probe = ctx.work_dir / "probe.txt"
    probe.write_text("ok")
    ctx.progress(1, 1, "A worker answered")
    return StepResult({"ok": probe.read_text() == "ok"})


PIPELINES: dict[str, Pipeline] = {
    "selftest": Pipeline(
        kind="selftest",
        label="System check",
        steps=(StepDef("ping", "Check a worker answers", selftest_step),),
    ),
    "merge": Pipeline(
        kind="merge",
        label="Merge PDFs",
        steps=(
            StepDef("check", "Check files", check_pdfs, weight=1),
            StepDef("merge", "Merge", merge_step, weight=3),
        ),
    ),
    "spreadsheets": Pipeline(
        kind="spreadsheets",
        label="Spreadsheets",
        steps=(
            StepDef("check", "Check files", check_sheets_step, weight=1),
            StepDef("convert", "Convert", convert_sheets_step, weight=4),
        ),
        check_options=SheetOptions.from_dict,
    ),
    "handouts": Pipeline(
        kind="handouts",
        label="Handouts",
        steps=(
            StepDef("check", "Check files", check_pdfs, weight=1),
            StepDef("sheets", "Make sheets", handouts_step, weight=4),
        ),
        check_options=HandoutOptions.from_dict,
    ),
}


def get_pipeline(kind: str) -> Pipeline:
    try:
        return PIPELINES[kind]
    except KeyError:
        raise ValueError(f"unknown kind of job: {kind!r}") from None


def step_def(kind: str, name: str) -> StepDef:
    for step in get_pipeline(kind).steps:
        if step.name == name:
            return step
    raise ValueError(f"{kind!r} has no step {name!r}")
