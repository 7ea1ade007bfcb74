"""What every kind of job is made of: steps that run in a context, and the shared first steps.

A step reads its inputs from the file store (uploads, or what earlier steps left in
their result), calls a pure operation with a progress callback, and returns plain
JSON data plus the output files it wants listed on the Jobs page. Each kind of job
lives in its own module under `worker/kinds/` and declares its `PIPELINE`.

The operations are imported inside the steps that run them, here and in each kind: the
web app imports these modules for their options, plans and step names, never a PDF or
spreadsheet library (tests/test_layers.py checks it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import redis

from core.errors import InputMissing, NotAllowed, SeveralProblems, TeacherPrinterError
from core.files import safe_name
from core.progress import ProgressCallback
from core.zips import extract_member, member_label, read_zip
from storage.files import FileStore
from storage.jobs import JobRecord
from worker.options import Options

PDF_MIME = "application/pdf"
ZIP_MIME = "application/zip"
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

OptionsT = TypeVar("OptionsT", bound=Options)


@dataclass
class StepContext(Generic[OptionsT]):
    """What a step may use: its job's record and typed options, the file store, a scratch folder, progress."""

    record: JobRecord
    index: int
    files: FileStore
    progress: ProgressCallback
    # The kind's options record, parsed once from the job's stored options (None: the kind has none).
    options: OptionsT = None  # type: ignore[assignment]

    @classmethod
    def for_step(
        cls, pipeline: Pipeline, record: JobRecord, index: int, files: FileStore, progress: ProgressCallback
    ) -> StepContext[Any]:
        """The context for step `index`, with the options parsed by the kind's record."""
        options = pipeline.options.from_dict(record.options) if pipeline.options else None
        return cls(record, index, files, progress, options)

    @property
    def work_dir(self) -> Path:
        return self._made(self.files.work_dir(self.record.id, self.index, self.record.attempt))

    @property
    def outputs_dir(self) -> Path:
        return self._made(self.files.outputs_dir(self.record.id, self.record.attempt))

    def _made(self, folder: Path) -> Path:
        self._inside(folder)  # before anything is created through a planted link
        folder.mkdir(parents=True, exist_ok=True)
        return self._inside(folder)

    def _inside(self, folder: Path) -> Path:
        """`folder`, checked to lead where it says: writes follow links, so a link planted in the
        data folder must not send a step's files outside DATA_DIR, or into another job's folder."""
        root = self.files.root.resolve()
        where = folder.resolve()
        if where != root / folder.relative_to(self.files.root) or not where.is_relative_to(root):
            raise NotAllowed(
                "This job's folder on the server is not as it should be.", "Tell your IT person."
            )
        return folder

    @property
    def inputs(self) -> list[dict[str, Any]]:
        """The job's files as its steps use them: after "Turn documents into PDF", its PDFs."""
        try:
            return self.result_of(CONVERT_STEP)["files"]
        except KeyError:
            return self.record.inputs

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
    run: Callable[[StepContext[Any]], StepResult]
    weight: int = 1
    # Whether a job with these inputs and options has this step (None: every job); decided once, at submit.
    wanted: Callable[[list[dict[str, Any]], dict[str, Any]], bool] | None = None

    def wanted_for(self, inputs: list[dict[str, Any]], options: dict[str, Any]) -> bool:
        return self.wanted is None or self.wanted(inputs, options)


@dataclass(frozen=True)
class Pipeline:
    kind: str
    label: str
    steps: tuple[StepDef, ...]
    # The kind's options record (None: the steps take no options); its parsing is the check at submit.
    options: type[Options] | None = None

    def parse_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """The options as the kind's record normalises them, or BadOptions saying what cannot be used."""
        if self.options is None:
            return dict(options)
        return self.options.from_dict(options).to_dict()


# -- Shared steps ---------------------------------------------------------------


def _expand_inputs(ctx: StepContext, notes: list[str]) -> list[tuple[Path, str]]:
    """Every PDF to check, in order, with ZIPs unpacked into the step's scratch folder.

    A member a ZIP holds but that is never unpacked (its path leads outside, it is a link)
    gets a sentence in `notes`, as the upload page said before.
    """
    expanded: list[tuple[Path, str]] = []
    for item in ctx.inputs:
        path = ctx.upload_path(item)
        name = item.get("name", path.name)
        if not name.lower().endswith(".zip"):
            expanded.append((path, name))
            continue
        wanted = item.get("members")
        contents = read_zip(path, name)
        if note := contents.note(name):
            notes.append(note)
        members = contents.members
        if wanted is not None:
            by_name = {m.name: m for m in members}
            members = [by_name[m] for m in wanted if m in by_name]
        for member in members:
            dest = ctx.work_dir / f"zip-{len(expanded):04d}-{member.display}"
            extract_member(path, member.name, dest, name)
            expanded.append((dest, member_label(member.display, name)))
    return expanded


def check_pdfs(ctx: StepContext) -> StepResult:
    """Open every input, count its pages, decrypt empty-password files; report every bad file."""
    from pdf.inputs import check_pdf

    notes: list[str] = []
    expanded = _expand_inputs(ctx, notes)
    checked: list[dict[str, Any]] = []
    problems: list[TeacherPrinterError] = []
    for number, (path, name) in enumerate(expanded, start=1):
        ctx.progress(number - 1, len(expanded), f"Checking {name}")
        if (pages := _checked_before_the_button(ctx, path, name)) is not None:
            checked.append({"ref": ctx.files.ref(path), "name": name, "pages": pages})
            continue
        try:
            result = check_pdf(path, name, ctx.work_dir / f"checked-{number:04d}.pdf")
        except TeacherPrinterError as exc:
            problems.append(exc)
            continue
        checked.append({"ref": ctx.files.ref(result.path), "name": name, "pages": result.pages})
        if note := result.note(name):
            notes.append(note)
    raise_all(problems)
    ctx.progress(len(expanded), len(expanded), "All files checked")
    return StepResult({"files": checked, "pages": sum(f["pages"] for f in checked), "notes": notes})


def raise_all(problems: list[TeacherPrinterError]) -> None:
    """Raise the one problem found, or all of them in one message (several files were bad)."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        lines = " ".join(p.message for p in problems)
        several = SeveralProblems(f"{len(problems)} files could not be used. {lines}", problems[0].hint)
        several.permanent = all(p.permanent for p in problems)
        raise several


CONVERT_STEP = "to_pdf"


def has_documents(inputs: list[dict[str, Any]], options: dict[str, Any] | None = None) -> bool:
    """Whether any input is a document or photo to turn into a PDF first (by its name, as the page said)."""
    from documents.formats import is_convertible_name

    return any(is_convertible_name(str(item.get("name", ""))) for item in inputs)


def convert_documents(ctx: StepContext) -> StepResult:
    """Turn every Word, PowerPoint, OpenDocument file and photo among the inputs into a PDF.

    The PDFs, ZIPs and spreadsheets go on as they are. A file the page already turned into a PDF
    (its look, on the same bytes under the same name) is taken from there instead of converted again.
    """
    from documents.convert import Conversion, to_pdf
    from documents.formats import is_convertible_name
    from worker.converting import converter_for

    inputs = ctx.record.inputs
    # A tool may ask more of the conversion (Make PDF: photos' pages, speaker notes); the others
    # take the defaults, as the page's look did.
    asked: Conversion = ctx.options.conversion() if hasattr(ctx.options, "conversion") else Conversion()
    files: list[dict[str, Any]] = []
    problems: list[TeacherPrinterError] = []
    reused = 0
    for number, item in enumerate(inputs):
        name = str(item.get("name", ""))
        if not is_convertible_name(name):
            files.append(item)
            continue
        ctx.progress(number, len(inputs), f"Turning {name} into a PDF")
        path = ctx.upload_path(item)
        dest = ctx.work_dir / f"converted-{number:04d}.pdf"
        if asked.as_by_default(name) and _converted_before_the_button(ctx, path, name, dest):
            reused += 1
        else:
            try:
                to_pdf(path, name, dest, converter_for(ctx.files.config), asked)
            except TeacherPrinterError as exc:
                problems.append(exc)
                continue
        files.append({**item, "ref": ctx.files.ref(dest), "original": item["ref"]})
    raise_all(problems)
    ctx.progress(len(inputs), len(inputs), "All documents are PDFs now")
    return StepResult({"files": files, "reused": reused})


def _converted_before_the_button(ctx: StepContext, path: Path, name: str, dest: Path) -> bool:
    """Copy the PDF the page's look made of this upload into `dest`, if it made one; whether it did."""
    import shutil

    answer = _look_at(ctx, path, name)
    if answer is None or not answer.ok or not answer.final or not answer.blob:
        return False
    made = ctx.files.resolve(answer.blob)
    try:
        shutil.copyfile(made, dest)
    except OSError:  # removed by the clean-up since: convert it here
        return False
    return True


def _look_at(ctx: StepContext, path: Path, name: str) -> Any:
    """The answer of the page's look at this upload (its "describe"), or None."""
    from storage.looks import LookStore, content_of, key_under
    from storage.redis_conn import get_redis

    try:
        key = key_under(ctx.files.config, "describe", [content_of(sha256_of(path), name)], {"name": name})
        return LookStore(get_redis(ctx.files.config), ctx.files).get(key)
    except (OSError, redis.RedisError):
        return None


def _checked_before_the_button(ctx: StepContext, path: Path, name: str) -> int | None:
    """The pages of an uploaded PDF that its look on the page (the job's own check, on the same
    bytes, under the same name and limits) found usable as it is; None to check it here.

    The look's answer is reused only when it needed nothing done to the file (no password, no
    repair): then the check would only open it again, which for a long file takes seconds.
    """
    if path.is_relative_to(ctx.files.job_dir(ctx.record.id)):
        return None  # a PDF unpacked from a ZIP (its ZIP was the one looked at), or converted here
    answer = _look_at(ctx, path, name)
    if answer is None or not answer.ok or not answer.final:
        return None
    from worker.looks import UploadInfo  # the page's own record of the look (imports the kinds)

    info = UploadInfo.from_dict(answer.data)
    # Usable as it is: a note means it needed repair, which only the job's check writes.
    return info.pages if info.kind == "pdf" and info.usable and not info.note else None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def output_name(chosen: str, default: str, suffix: str) -> str:
    """The result's file name: the one chosen (the record's `output_name`), else `default`, with `suffix`."""
    name = safe_name(chosen or default, fallback=Path(default).stem)
    return name if name.lower().endswith(suffix) else name + suffix


SAVERS_STEP = "savers"  # worker/savers.py: greyscale, toner saver, trimmed margins


def checked_files(ctx: StepContext, before: str = "") -> list[dict[str, Any]]:
    """The job's checked PDFs as the next step takes them: after the savers step, its files."""
    if before != SAVERS_STEP:
        try:
            return ctx.result_of(SAVERS_STEP)["files"]
        except KeyError:
            pass
    return ctx.result_of("check")["files"]


def single_source(ctx: StepContext) -> Path:
    """The checked inputs as one PDF: the file itself, or several merged in order."""
    files = checked_files(ctx)
    return one_pdf([ctx.files.resolve(f["ref"]) for f in files], ctx.work_dir / "combined.pdf")


def one_pdf(paths: list[Path], combined: Path) -> Path:
    """The one PDF itself, or several merged in order into `combined`."""
    from pdf.merge import merge_pdfs

    if len(paths) == 1:
        return paths[0]
    merge_pdfs(paths, combined)
    return combined


# The first step of every tool that takes documents and photos; only jobs that have some get it.
TO_PDF = StepDef(CONVERT_STEP, "Turn documents into PDF", convert_documents, weight=2, wanted=has_documents)
