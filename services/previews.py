"""What the tool pages show before the button: counts, first-sheet previews, sheets and columns.

Each asks the workers for a look (`worker/looks.py`) that calls the kind's own plan or
preview, so that the page says what the job will do, in its words. Each returns a `Seen`:
the value once a worker has answered, or pending (with the key to wait for) until then; a
look that found a problem raises it as the teacher's error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from core.errors import LookProblem
from pdf.cost import CostEstimate, InkReport, Prices, estimate
from pdf.plans import padded_pages
from services.looks import Looks
from sheets.classlist import ClassList
from sheets.model import SheetInfo
from storage.config import Config
from storage.files import StoredFile
from storage.looks import Answer
from worker.kinds.class_sets import ClassSetOptions
from worker.kinds.handouts import HandoutCounts, HandoutOptions, area_share, plan, printed_sides
from worker.kinds.merge import MergeOptions, merged_slots
from worker.looks import UploadInfo

T = TypeVar("T")


@dataclass(frozen=True)
class Seen(Generic[T]):
    """A look's value, or pending while a worker is at it (`key` is what to wait for)."""

    key: str
    value: T | None = None
    pending: bool = False


def _seen(
    looks: Looks, name: str, files: list[StoredFile], params: dict[str, Any], convert: Any
) -> Seen[Any]:
    key, answer = looks.seek(name, files, params)
    if answer is None:
        return Seen(key, pending=True)
    if not answer.ok:
        raise LookProblem(answer.problem, "")
    return Seen(key, convert(looks, answer))


def _blob(looks: Looks, answer: Answer) -> bytes:
    data = looks.blob(answer)
    if data is None:
        raise LookProblem("The preview was removed before it could be shown.", "Reload the page.")
    return data


def handout_counts(infos: list[UploadInfo], options: HandoutOptions) -> HandoutCounts:
    """Counts for uploaded files taken together, as the job will combine them: from the page sizes
    their look found, so no file is opened again (the plan is the job's own, and quick)."""
    return plan([size for info in infos for size in info.sizes], options)


def ink_of(looks: Looks, files: list[StoredFile], members: list[str] | None = None) -> Seen[InkReport]:
    """Toner cover and colour of every page of the files taken together (one look per file, kept).

    `members`, beside `files`: for a ZIP, the PDF inside it to measure ("" for a file itself)."""
    members = members or [""] * len(files)
    seen = [
        _seen(looks, "ink", [file], {"member": member, "name": file.name} if member else {},
              lambda _, answer: InkReport.from_dict(answer.data))
        for file, member in zip(files, members, strict=True)
    ]  # fmt: skip
    if pending := [s for s in seen if s.pending]:
        return Seen(pending[0].key, pending=True)
    reports = [s.value for s in seen if s.value is not None]
    pages = [page for report in reports for page in report.pages]
    return Seen(seen[0].key if seen else "", InkReport(pages, sum(r.measured for r in reports)))


def prices_of(config: Config) -> Prices:
    return Prices(config.cost_per_side_mono, config.cost_per_side_colour, config.currency)


def handout_cost(
    infos: list[UploadInfo], options: HandoutOptions, ink: InkReport, prices: Prices, savers: bool = True
) -> CostEstimate:
    """What printing the handouts will cost, from each side's pages and their measured toner
    (`savers` False: as if greyscale and the toner saver were off, to say what they save)."""
    sizes = [size for info in infos for size in info.sizes]
    sides = printed_sides(len(sizes), options, sizes)
    if savers:
        ink = ink.with_savers(options.greyscale, options.toner_saver / 100)
    return estimate(sides, [p.coverage for p in ink.pages], [p.colour for p in ink.pages], prices,
                    area_share=area_share(options))  # fmt: skip


def class_set_cost(
    worksheet_pages: int, students: int, options: ClassSetOptions, ink: InkReport, prices: Prices,
    savers: bool = True, chosen: list[int] | None = None,
) -> CostEstimate:  # fmt: skip
    """What printing the class set will cost: one copy's sides (blank pages included), once per student
    (`chosen`: the worksheet's pages each copy has, when not all; `worksheet_pages` counts those)."""
    if chosen is not None:
        ink = InkReport([ink.pages[i] for i in chosen], ink.measured)
    n = options.per_sheet
    padded = padded_pages(worksheet_pages, n, options.duplex)
    cells = [*range(worksheet_pages), *[None] * (padded - worksheet_pages)]
    sides = [cells[i : i + n] for i in range(0, padded, n)]
    if savers:
        ink = ink.with_savers(options.greyscale, options.toner_saver / 100)
    return estimate(sides, [p.coverage for p in ink.pages], [p.colour for p in ink.pages], prices,
                    copies=students, area_share=1 / n)  # fmt: skip


def merge_cost(
    page_counts: list[int], names: list[str], options: MergeOptions, ink: InkReport, prices: Prices,
    savers: bool = True,
) -> CostEstimate:  # fmt: skip
    """What printing the merged file will cost: its pages in the job's order (blank pages included),
    from the toner measured on the files' pages (the files' reports in the order of `page_counts`)."""
    first = [sum(page_counts[:k]) for k in range(len(page_counts))]
    sides = [
        [None] if slot.blank else [first[slot.source] + slot.page]
        for slot in merged_slots(page_counts, names, options)
    ]
    if savers:
        ink = ink.with_savers(options.greyscale, options.toner_saver / 100)
    return estimate(sides, [p.coverage for p in ink.pages], [p.colour for p in ink.pages], prices)


def describe_of(looks: Looks, file: StoredFile) -> Seen[UploadInfo]:
    """What a file holds, as its upload's look says it (a ZIP: its PDFs and their pages)."""
    return _seen(looks, "describe", [file], {"name": file.name}, lambda _, a: UploadInfo.from_dict(a.data))


def handout_preview(looks: Looks, file: StoredFile, options: HandoutOptions) -> Seen[bytes]:
    """The first sheet of an uploaded file with these options, as PNG bytes."""
    return _seen(looks, "handout_preview", [file], {"options": options.to_dict()}, _blob)


def columns_of(looks: Looks, file: StoredFile, sheet: str | None, header_row: int | None) -> Seen[ClassList]:
    """The columns and header row of an uploaded class list (no students yet)."""
    params = {"sheet": sheet, "header_row": header_row}
    return _seen(looks, "columns", [file], params, lambda _, a: ClassList.from_dict(a.data))


def class_list_of(looks: Looks, file: StoredFile, options: ClassSetOptions) -> Seen[ClassList]:
    """The students of an uploaded class list as the job will read them."""
    params = {"name": file.name, "options": options.to_dict()}
    return _seen(looks, "class_list", [file], params, lambda _, a: ClassList.from_dict(a.data))


def class_set_preview(
    looks: Looks, worksheet: StoredFile, student: dict[str, Any], options: ClassSetOptions, page: int = 0
) -> Seen[bytes]:
    """The first page of one student's copy (page `page` of this worksheet file), as PNG bytes."""
    params = {"student": student, "options": options.to_dict(), "page": page}
    return _seen(looks, "class_set_preview", [worksheet], params, _blob)


def sheets_of(looks: Looks, file: StoredFile) -> Seen[list[SheetInfo]]:
    """The sheets of an uploaded workbook (one for a CSV file)."""
    return _seen(looks, "sheets", [file], {}, lambda _, a: [SheetInfo(**info) for info in a.data])


@dataclass(frozen=True)
class SheetPreview:
    """The first rows of a sheet as text, as the job will read them, and what to know about the reading."""

    columns: list[str]
    rows: list[list[str]]
    sheet: str
    header_row: int
    notes: list[str]
    truncated: bool = False


def preview_of(
    looks: Looks, file: StoredFile, sheet: str | None, header_row: int | None, rows: int = 20
) -> Seen[SheetPreview]:
    """The first rows of a sheet as the job will read them (header found, types inferred)."""
    params = {"sheet": sheet, "header_row": header_row, "rows": rows}
    return _seen(looks, "sheet_preview", [file], params, lambda _, a: SheetPreview(**a.data))


def groups_of(
    looks: Looks, file: StoredFile, column: str, sheet: str | None, header_row: int | None
) -> Seen[dict[str, int]]:
    """The groups a split by `column` would make, with their rows, before anything runs."""
    params = {"column": column, "sheet": sheet, "header_row": header_row}
    return _seen(looks, "groups", [file], params, lambda _, a: dict(a.data))


def results_zip(looks: Looks, job_id: str, outputs: list[tuple[str, str]]) -> Seen[str]:
    """One ZIP of a finished job's results (`outputs`: reference and name of each), made by a worker.

    Its value is the ZIP's reference in the file store.
    """
    files = [
        StoredFile(ref, name, 0) for ref, name in outputs
    ]  # a result never changes: its ref is its content
    params = {"job": job_id, "names": [name for _, name in outputs]}
    return _seen(looks, "bundle", files, params, lambda _, a: a.blob)
