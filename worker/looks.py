"""Looks inside uploaded files, run by the workers: every open, count, check and preview a page shows.

A look is a function of uploaded files and options that returns plain JSON (and, for a
picture or a table, a file beside it). The web process never opens a file: it queues a
look on the looks queue (`Config.look_queue_name`, which every worker takes before jobs),
and shows the answer once `run_look` has stored it. Each look runs in a work-horse with
the job steps' bounds: LOOK_TIMEOUT seconds and STEP_MEMORY_MB of memory.

The checks are the job's own (`usable_pdf`, `read_zip`, a kind's `plan`), so whatever the
job would refuse, the page says first and in the same words. The web app imports this
module for its records (`UploadInfo`) and the looks' names: the PDF and spreadsheet
libraries are imported inside the looks, which only the workers run.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from core.errors import PasswordRequired, TeacherPrinterError
from core.fonts import text_font
from core.zips import extract_member, member_label, read_zip
from documents.formats import is_convertible_name
from sheets.classlist import Student, list_columns, read_class_list
from storage.config import Config, load_config
from storage.files import FileStore
from storage.looks import Answer, LookStore
from storage.redis_conn import get_redis
from worker.failures import within_memory
from worker.kinds.class_sets import PREVIEW_WIDTH_PX, ClassSetOptions, label_text
from worker.kinds.handouts import HandoutOptions, preview_png
from worker.kinds.spreadsheets import ACCEPTED as SHEET_SUFFIXES
from worker.limits import sheet_limits
from worker.savers import save

log = logging.getLogger(__name__)

RUN_LOOK = "worker.looks.run_look"


@dataclass(frozen=True)
class ZipPdf:
    """One PDF inside an uploaded ZIP: its name there, the name shown, its pages or its problem."""

    name: str
    display: str
    pages: int | None = None
    problem: str = ""
    details: str = ""


@dataclass(frozen=True)
class UploadInfo:
    """What a page shows about one upload: kind, pages, the PDFs inside a ZIP, any problem.

    `problem` is what the job would refuse (the page offers no button while it stands);
    `note` is worth knowing but does not stop the job; `details` is for the IT person.
    """

    ref: str
    name: str
    kind: str
    pages: int | None = None
    members: list[ZipPdf] = field(default_factory=list)
    problem: str = ""
    needs_password: bool = False
    note: str = ""
    details: str = ""
    rows: int | None = None  # a spreadsheet's rows, on its visible sheets
    # Counted quickly; the job's own check of every page is still running (a long PDF).
    checking: bool = False
    # Width and height in points of each page as displayed (a ZIP's PDFs one after the other):
    # what a kind's plan needs, so that the page counts without another look.
    sizes: list[tuple[float, float]] = field(default_factory=list)
    # What a document or photo was ("a Word document") when the look turned it into a PDF, and
    # that PDF (the look's kept file), which previews and the job use instead of the upload.
    converted_from: str = ""
    pdf_ref: str = ""

    @property
    def usable(self) -> bool:
        """Whether it passed the job's check (a repaired PDF counts; a locked one not until unlocked)."""
        return not self.needs_password and not self.problem and bool(self.pages or self.members)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UploadInfo:
        members = [ZipPdf(**m) for m in data.get("members", [])]
        sizes = [(float(w), float(h)) for w, h in data.get("sizes", [])]
        return cls(**{**data, "members": members, "sizes": sizes})


def technical_details(exc: BaseException) -> str:
    """What the library underneath said, for the "Details for your IT person" expander."""
    cause = exc.__cause__ or exc.__context__
    return f"{type(cause).__name__}: {cause}" if cause is not None else ""


# -- The looks ----------------------------------------------------------------------------


@dataclass
class LookContext:
    """What a look may use: the file store, the settings, and a place for its picture or table."""

    files: FileStore
    config: Config
    key: str
    store: LookStore
    blob: str = ""

    def path(self, ref: str) -> Path:
        return self.files.resolve(ref)

    def keep_blob(self, suffix: str, data: bytes) -> None:
        self.blob = self.store.save_blob(self.key, suffix, data)

    def tell_early(self, data: Any) -> None:
        """Give the page an answer now, before the look's slower part: it shows it and waits on."""
        self.store.put_early(self.key, Answer(data=data))


Look = Callable[[LookContext, dict[str, Any]], Any]
LOOKS: dict[str, Look] = {}


def look(name: str) -> Callable[[Look], Look]:
    """Register a look under `name` (what the web app asks for)."""

    def register(func: Look) -> Look:
        LOOKS[name] = func
        return func

    return register


@look("describe")
def describe(ctx: LookContext, p: dict[str, Any]) -> dict[str, Any]:
    """The look its file type calls for: a spreadsheet's sheets, or a PDF's (or a ZIP's) pages."""
    path, name = ctx.path(p["ref"]), p["name"]
    if name.rsplit(".", 1)[-1].lower() in SHEET_SUFFIXES:
        info = _describe_sheet(path, name, ctx.config)
    elif name.lower().endswith(".zip"):
        info = _describe_zip(path, name)
    elif is_convertible_name(name):
        info = _describe_document(path, name, ctx)
    else:
        info = _describe_pdf(path, name, ctx)
    return asdict(info)


def _describe_document(path: Path, name: str, ctx: LookContext) -> UploadInfo:
    """A document or photo turned into the PDF the job will use (kept for the previews and the
    job), then looked at as that PDF."""
    from core.files import atomic_path
    from documents.convert import format_of, to_pdf
    from worker.converting import converter_for

    dest = ctx.store.blob_path(ctx.key, ".pdf")
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        was = format_of(path, name).words
        with atomic_path(dest, durable=False) as made:
            to_pdf(path, name, made, converter_for(ctx.config))
    except TeacherPrinterError as exc:
        return UploadInfo("", name, "pdf", problem=exc.for_teacher(), details=technical_details(exc))
    ctx.blob = ctx.files.ref(dest)
    info = _describe_pdf(dest, name, ctx, early=False)
    return replace(info, converted_from=was, pdf_ref=ctx.blob)


# From this many pages a PDF's pages are counted first and shown while the job's own check reads
# the rest of the file (1.4 s for the 566-page manual). Below it, the check is as quick as the
# count, and one answer saves the page a second drawing.
EARLY_COUNT_FROM_PAGES = 100


def _describe_pdf(path: Path, name: str, ctx: LookContext, early: bool = True) -> UploadInfo:
    from pdf.limits import MAX_SOURCE_PAGES
    from pdf.render import quick_sizes
    from pdf.source import page_sizes, usable_pdf

    quick = quick_sizes(path)  # None when damaged or locked: the check below says which
    if early and quick and EARLY_COUNT_FROM_PAGES <= len(quick) <= MAX_SOURCE_PAGES:
        early = UploadInfo("", name, "pdf", pages=len(quick), sizes=quick, checking=True)
        ctx.tell_early(asdict(early))

    try:
        reader, _, repaired = usable_pdf(path, name)
    except PasswordRequired as exc:
        return UploadInfo("", name, "pdf", problem=exc.message, needs_password=True)
    except TeacherPrinterError as exc:
        return UploadInfo("", name, "pdf", problem=exc.for_teacher(), details=technical_details(exc))
    note = f"{name} is slightly damaged; the job will repair it. Check the result." if repaired else ""
    try:
        sizes = page_sizes(reader, name)
    except TeacherPrinterError as exc:
        return UploadInfo("", name, "pdf", problem=exc.for_teacher(), details=technical_details(exc))
    return UploadInfo("", name, "pdf", pages=len(reader.pages), note=note, sizes=sizes)


def _describe_zip(path: Path, name: str) -> UploadInfo:
    from pdf.source import usable_pdf

    try:
        contents = read_zip(path, name)
    except TeacherPrinterError as exc:
        return UploadInfo("", name, "zip", problem=exc.for_teacher(), details=technical_details(exc))
    members = []
    with tempfile.TemporaryDirectory(prefix="tp-look-") as folder:
        for number, member in enumerate(contents.members):
            label = member_label(member.display, name)
            copy = Path(folder) / f"{number:04d}.pdf"
            try:
                extract_member(path, member.name, copy, name)
                reader, _, _ = usable_pdf(copy, label)
                members.append(ZipPdf(member.name, member.display, pages=len(reader.pages)))
            except TeacherPrinterError as exc:
                members.append(
                    ZipPdf(
                        member.name, member.display, problem=exc.for_teacher(), details=technical_details(exc)
                    )
                )
            finally:
                copy.unlink(missing_ok=True)
    pages = sum(m.pages or 0 for m in members)
    return UploadInfo("", name, "zip", pages=pages, members=members, note=contents.note(name))


def _describe_sheet(path: Path, name: str, config: Config) -> UploadInfo:
    from sheets import list_sheets

    try:
        infos = list_sheets(path, limits=sheet_limits(config))
    except TeacherPrinterError as exc:
        return UploadInfo("", name, "sheet", problem=exc.for_teacher())
    visible = [i for i in infos if not i.hidden]
    rows = sum(i.rows for i in visible)
    return UploadInfo("", name, "sheet", pages=len(visible) or len(infos), rows=rows)


@look("unlock")
def unlock(ctx: LookContext, p: dict[str, Any]) -> dict[str, Any]:
    """Save an unprotected copy of a password-protected PDF as a new upload; its stored file."""
    from pypdf import PdfWriter

    from pdf.safety import clean_writer
    from pdf.source import open_pdf

    password = ctx.store.take_secret(p["secret"])
    if password is None:
        raise PasswordRequired("The password took too long to reach the server.", "Type it again.")
    reader, _, _ = open_pdf(ctx.path(p["ref"]), p["name"], password)
    writer = PdfWriter(clone_from=reader)
    clean_writer(writer)  # a copy we hand back: nothing active in it either
    buffer = io.BytesIO()
    writer.write(buffer)
    buffer.seek(0)
    return asdict(ctx.files.save_upload(buffer, p["name"]))


@look("handout_preview")
def handout_preview(ctx: LookContext, p: dict[str, Any]) -> None:
    """The first sheet of an uploaded file with these options, as a PNG."""
    ctx.keep_blob(".png", preview_png(ctx.path(p["ref"]), HandoutOptions.from_dict(p["options"])))


@look("ink")
def ink(ctx: LookContext, p: dict[str, Any]) -> dict[str, Any]:
    """How much toner each page of an uploaded PDF (or of one PDF in an uploaded ZIP) takes, and
    whether it is in colour."""
    from pdf.ink import page_ink

    with _the_pdf(ctx, p) as pdf:
        return page_ink(pdf).to_dict()


@look("thumbnails")
def thumbnails(ctx: LookContext, p: dict[str, Any]) -> dict[str, Any]:
    """Draw a batch of an uploaded PDF's pages as small pictures, into the folder beside it (pages
    drawn before are kept); which of them have a picture."""
    from pdf.thumbnails import draw_thumbnails

    folder = ctx.files.thumbs_dir(p["ref"], p["content"], int(p["width"]))
    pages = range(int(p["first"]), int(p["first"]) + int(p["count"]))
    with _the_pdf(ctx, p) as pdf:
        done = draw_thumbnails(pdf, list(pages), folder, int(p["width"]))
    return {"drawn": [index for index in pages if done.get(index)]}


@contextlib.contextmanager
def _the_pdf(ctx: LookContext, p: dict[str, Any]) -> Iterator[Path]:
    """The PDF a look works on: the file itself, or the PDF `member` of a ZIP, taken out for the look."""
    if not p.get("member"):
        yield ctx.path(p["ref"])
        return
    with tempfile.TemporaryDirectory(prefix="tp-look-") as folder:
        copy = Path(folder) / "member.pdf"
        extract_member(ctx.path(p["ref"]), p["member"], copy, p.get("name", ""))
        yield copy


@look("columns")
def columns(ctx: LookContext, p: dict[str, Any]) -> dict[str, Any]:
    """The columns and header row of an uploaded class list (no students yet)."""
    found = list_columns(ctx.path(p["ref"]), p.get("sheet"), p.get("header_row"), sheet_limits(ctx.config))
    return found.to_dict()


@look("class_list")
def class_list(ctx: LookContext, p: dict[str, Any]) -> dict[str, Any]:
    """The students of an uploaded class list as the job will read them."""
    options = ClassSetOptions.from_dict(p["options"])
    found = read_class_list(
        ctx.path(p["ref"]), options.list_spec(), p["name"], limits=sheet_limits(ctx.config)
    )
    return found.to_dict()


@look("class_set_preview")
def class_set_preview(ctx: LookContext, p: dict[str, Any]) -> None:
    """The first page of one student's copy, as a PNG."""
    from pdf.named_copies import CopyMaker, make_template
    from pdf.render import render_page_png

    options = ClassSetOptions.from_dict(p["options"])
    text, _ = label_text(Student.from_dict(p["student"]), options, text_font())
    with tempfile.TemporaryDirectory(prefix="tp-class-set-") as folder:
        worksheet = ctx.path(p["ref"])
        if options.saves_anything:  # as the job saves toner on the worksheet before the copies
            worksheet, _ = save(worksheet, Path(folder) / "saved" / "worksheet.pdf", options)
        page = int(p.get("page", 0))  # the first page each copy has
        template = make_template(worksheet, [text], Path(folder), options.label_style(), pages=[page])
        copy = Path(folder) / "copy.pdf"
        CopyMaker(template).write_copy(0, copy)
        ctx.keep_blob(".png", render_page_png(copy, 0, PREVIEW_WIDTH_PX))


@look("sheets")
def sheets(ctx: LookContext, p: dict[str, Any]) -> list[dict[str, Any]]:
    """The sheets of a workbook (one for a CSV file)."""
    from sheets import list_sheets

    return [asdict(info) for info in list_sheets(ctx.path(p["ref"]), limits=sheet_limits(ctx.config))]


@look("sheet_preview")
def sheet_preview(ctx: LookContext, p: dict[str, Any]) -> dict[str, Any]:
    """The first rows of a sheet as the job will read them (header found, types inferred), as text."""
    from sheets import preview

    table = preview(
        ctx.path(p["ref"]),
        p.get("sheet"),
        p.get("rows", 20),
        header_row=p.get("header_row"),
        limits=sheet_limits(ctx.config),
    )
    return {
        "columns": [str(column) for column in table.frame.columns],
        "rows": [[_cell_text(value) for value in row] for row in table.frame.itertuples(index=False)],
        "sheet": table.sheet,
        "header_row": table.header_row,
        "notes": table.notes,
        "truncated": table.truncated,
    }


def _cell_text(value: Any) -> str:
    """A cell as the preview shows it: empty for a missing value, dates without a time of 00:00."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat(sep=" ")
    return str(value)


@look("groups")
def groups(ctx: LookContext, p: dict[str, Any]) -> dict[str, int]:
    """The groups a split by a column would make, with their rows."""
    from sheets.split import split_groups

    return split_groups(
        ctx.path(p["ref"]),
        p["column"],
        sheet=p.get("sheet"),
        header_row=p.get("header_row"),
        limits=sheet_limits(ctx.config),
    )


@look("bundle")
def bundle(ctx: LookContext, p: dict[str, Any]) -> dict[str, Any]:
    """One ZIP of a finished job's results, for its "Download all" (names kept, made unique)."""
    from core.files import UniqueNames, atomic_path

    unique = UniqueNames()
    dest = ctx.store.blob_path(ctx.key, ".zip")
    dest.parent.mkdir(parents=True, exist_ok=True)
    # The results are PDFs, workbooks and ZIPs, already compressed: stored as they are.
    with atomic_path(dest, durable=False) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
        for ref, name in zip(p["refs"], p["names"], strict=True):
            stem, dot, suffix = name.rpartition(".")
            archive.write(ctx.path(ref), unique.numbered(stem or name, f".{suffix}" if dot else ""))
    ctx.blob = ctx.files.ref(dest)
    return {"files": len(p["refs"]), "size": dest.stat().st_size}


# -- The task -----------------------------------------------------------------------------


def run_look(name: str, key: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run look `name` and store its answer under `key`; the RQ task function."""
    config = load_config()
    files = FileStore(config)
    store = LookStore(get_redis(config), files)
    ctx = LookContext(files, config, key, store)
    start = time.monotonic()
    try:
        data = within_memory(LOOKS[name], ctx, params)  # over the memory limit: OutOfMemory, in words
        answer = Answer(data=data, blob=ctx.blob, seconds=round(time.monotonic() - start, 3))
    except TeacherPrinterError as exc:
        answer = Answer(problem=exc.for_teacher(), key=exc.key, details=technical_details(exc))
    store.put(key, answer)
    log.info(
        "look %s %s: %.2f s%s",
        name,
        key[:8],
        time.monotonic() - start,
        " (problem)" if answer.problem else "",
    )
    return {"look": name, "ok": answer.ok}


def store_failure(key: str, problem: TeacherPrinterError, details: str = "") -> None:
    """Record that a look could not finish (its time or memory ran out, its worker died)."""
    config = load_config()
    store = LookStore(get_redis(config), FileStore(config))
    store.put(key, Answer(problem=problem.for_teacher(), key=problem.key, details=details))
