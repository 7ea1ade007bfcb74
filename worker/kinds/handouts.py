"""Handouts: the teacher's choices as one validated record, what they will get, the preview, the run.

The operations (`pdf.impose`, `pdf.booklet`, rendering) are imported inside the functions
that run them: the web app imports this module for its options and plan only, and loads
no PDF library (tests/test_layers.py checks it).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from core.errors import BadPageRange
from core.progress import ProgressCallback, no_progress
from pdf.cut_marks import MIN_MARGIN_MM
from pdf.layout import (
    GRIDS,
    ORDERS,
    ORIENTATIONS,
    PAPERS,
    choose_layout,
    grid_layout,
    mirrored_places,
    plan_n_up,
)
from pdf.limits import MAX_MARGIN_MM, MAX_SIGNATURE_SHEETS
from pdf.plans import (
    BOOKLET_FOLD_GAP_MM,
    BOOKLET_MARGIN_MM,
    ArrangePlan,
    check_sheets,
    cut_and_stack_sheets,
    plan_booklet,
    repeated_sheets,
    two_sided_cards,
)
from pdf.printing import sheets_of_paper
from pdf.ranges import parse_ranges
from worker.options import option
from worker.savers import SAVERS, SaverOptions, save
from worker.steps import (
    PDF_MIME,
    TO_PDF,
    Pipeline,
    StepContext,
    StepDef,
    StepResult,
    check_pdfs,
    output_name,
    single_source,
)

if TYPE_CHECKING:
    from pdf.impose import ImposeResult

LAYOUTS = ("n_up", "booklet")
FILLS = ("pages", "repeat", "stack")
PREVIEW_WIDTH_PX = 900
MARGIN_WORDS = "margins and gaps must be between {low} and {high} mm"


@dataclass(frozen=True)
class HandoutOptions(SaverOptions):
    """Everything a Handouts job needs to know besides its files; plain JSON values only."""

    layout: str = option(
        "n_up",
        choices=LAYOUTS,
        words={"n_up": "Several pages per sheet", "booklet": "Booklet (fold in the middle)"},
        label="Layout",
    )
    per_sheet: int = option(
        4,
        choices=sorted(GRIDS),
        label="Pages per sheet",
        wrong="{value} pages per sheet is not offered ({choices})",
    )
    paper: str = option("A4", choices=PAPERS, label="Paper")
    orientation: str = option(
        "auto",
        choices=ORIENTATIONS,
        words={"auto": "Whichever wastes least paper", "portrait": "Portrait", "landscape": "Landscape"},
        label="Orientation",
        wrong="unknown orientation or reading order",
    )
    margin_mm: float = option(
        10.0, low=0, high=MAX_MARGIN_MM, offered=(0, 30), label="Margin (mm)", wrong=MARGIN_WORDS
    )
    gap_mm: float = option(
        5.0, low=0, high=MAX_MARGIN_MM, offered=(0, 20), label="Gap between pages (mm)", wrong=MARGIN_WORDS
    )
    borders: bool = option(False, label="Thin line around each page")
    order: str = option(
        "across",
        choices=ORDERS,
        words={"across": "Across, then down", "down": "Down, then across"},
        label="Reading order",
        wrong="unknown orientation or reading order",
    )
    signature_sheets: int | None = option(
        None,
        low=1,
        high=MAX_SIGNATURE_SHEETS,
        offered=(1, 16),
        suggested=5,
        label="Sheets of paper in each part",
        wrong="a part of a booklet must have between {low} and {high} sheets",
    )
    duplex: bool = option(False, label="I will print on both sides")
    fill: str = option(
        "pages",
        choices=FILLS,
        words={
            "pages": "Each page once, in order",
            "repeat": "Each page repeated to fill a sheet (tickets, labels)",
            "stack": "Cut-and-stack (numbered cards)",
        },
        label="How the pages fill the sheets",
        help="Cut-and-stack: cut the pile of sheets into stacks, put the first place's stack on "
        "the second's, and so on: the cards are then in page order. With “I will print on both "
        "sides”, the pages go in pairs (a card's front, then its back) and each back is printed "
        "behind its front.",
    )
    cut_marks: bool = option(False, label="Cut marks in the margin (to cut the sheets into cards)")
    # Which pages, in the teacher's words ("1-3, 5, 8-"); empty: all.
    pages: str = option(
        "",
        label="Which pages (empty for all)",
        help="Leave out the cover or the answers: type the pages to use, in the order you want them.",
    )
    # Free placement: one line per sheet, page numbers or "-" for a blank cell.
    placement: str = option(
        "",
        label="Place the pages yourself (optional): one line per sheet",
        help="Each line is one sheet; pages go in reading order. This replaces “Which pages”.",
    )

    refused: ClassVar[str] = "These handout options cannot be used: {}."

    @property
    def backs_behind_fronts(self) -> bool:
        """Two-sided cards in cut-and-stack order: pages in pairs, each back behind its front."""
        return self.layout == "n_up" and self.fill == "stack" and self.duplex and not self.placement.strip()

    def problems(self, found: list[str]) -> list[str]:
        if self.layout == "n_up" and self.cut_marks and self.margin_mm < MIN_MARGIN_MM:
            return [f"cut marks need a margin of at least {MIN_MARGIN_MM:g} mm (it is {self.margin_mm:g} mm)"]
        return []


@dataclass(frozen=True)
class HandoutCounts:
    """What the teacher will get, before anything runs."""

    source_pages: int
    output_pages: int
    sheets_of_paper: int
    sides: int
    blank_pages_added: int
    paper: str
    orientation: str
    # Sheets the same pages take printed one per sheet on one side (None: no such comparison,
    # as for a page repeated to fill its sheet).
    plain_sheets: int | None = None

    @property
    def saved_sheets(self) -> int:
        return max(0, (self.plain_sheets or 0) - self.sheets_of_paper)


def parse_placement(text: str, page_count: int, per_sheet: int) -> list[list[int | None]]:
    """Sheets from the teacher's lines ("1, 2, -, 7"): 0-based page indexes, None for a blank cell."""
    sheets: list[list[int | None]] = []
    for line_number, line in enumerate(text.strip().splitlines(), start=1):
        cells = [cell.strip() for cell in line.replace(";", ",").split(",") if cell.strip()]
        if not cells:
            continue
        if len(cells) > per_sheet:
            raise BadPageRange(
                f"Sheet {line_number} lists {len(cells)} pages, but a sheet holds {per_sheet}.",
                "Put fewer pages on that line, or choose more pages per sheet.",
            )
        sheet: list[int | None] = []
        for cell in cells:
            if cell.lower() in ("-", "blank", "x"):
                sheet.append(None)
                continue
            if not cell.isdigit() or not 1 <= int(cell) <= page_count:
                raise BadPageRange(
                    f"Sheet {line_number}: “{cell}” is not a page of this PDF (it has {page_count} pages).",
                    "Use page numbers, or - for an empty place.",
                )
            sheet.append(int(cell) - 1)
        sheets.append(sheet + [None] * (per_sheet - len(sheet)))
    if not sheets:
        raise BadPageRange("The placement has no sheets.", "Write one line per sheet, e.g. 1, 2, 3, 4.")
    return sheets


def sheets_for(
    page_count: int, options: HandoutOptions, page_sizes: list[tuple[float, float]] | None = None
) -> list[list[int | None]]:
    """Which source page goes in which cell of which sheet, for N per sheet (`page_sizes`: needed
    for two-sided cards in cut-and-stack order, whose backs go behind their fronts)."""
    if options.placement.strip():
        return parse_placement(options.placement, page_count, options.per_sheet)
    chosen = parse_ranges(options.pages, page_count) if options.pages.strip() else list(range(page_count))
    if options.fill == "repeat":
        return [list(sheet) for sheet in repeated_sheets(chosen, options.per_sheet)]
    if options.backs_behind_fronts:
        if page_sizes is None:
            raise ValueError("two-sided cards need the page sizes, to find where each back goes")
        layout = choose_layout([page_sizes[i] for i in chosen] or page_sizes[:1], options.per_sheet,
                               options.paper, options.orientation, options.margin_mm, options.gap_mm,
                               options.order)  # fmt: skip
        return [list(s) for s in two_sided_cards(chosen, options.per_sheet, mirrored_places(layout))]
    if options.fill == "stack":
        return [list(sheet) for sheet in cut_and_stack_sheets(chosen, options.per_sheet)]
    return [list(chosen[i : i + options.per_sheet]) for i in range(0, len(chosen), options.per_sheet)]


def plan(page_sizes: list[tuple[float, float]], options: HandoutOptions) -> HandoutCounts:
    """Counts for these pages and options, without writing anything."""
    pages = len(page_sizes)
    if options.layout == "booklet":
        selected = len(parse_ranges(options.pages, pages)) if options.pages.strip() else pages
        booklet_plan = plan_booklet(selected, options.signature_sheets)
        check_sheets(booklet_plan.sides, 2, selected)  # what writing the booklet checks first
        return HandoutCounts(
            pages,
            len(booklet_plan.sides),
            booklet_plan.sheets,
            len(booklet_plan.sides),
            booklet_plan.blank_pages_added,
            options.paper,
            "landscape",
            plain_sheets=selected,
        )
    sheets = sheets_for(pages, options, page_sizes)
    check_sheets(sheets, options.per_sheet, pages)  # what placing the pages checks first
    used = sorted({i for sheet in sheets for i in sheet if i is not None})
    layout_plan = plan_n_up(
        [page_sizes[i] for i in used] or page_sizes[:1],
        options.per_sheet,
        options.paper,
        options.orientation,
        options.margin_mm,
        options.gap_mm,
    )
    sides = len(sheets)
    blanks = sum(options.per_sheet - sum(cell is not None for cell in sheet) for sheet in sheets)
    placed = sum(cell is not None for sheet in sheets for cell in sheet)
    return HandoutCounts(
        pages,
        sides,
        sheets_of_paper(sides, options.duplex),
        sides,
        blanks,
        options.paper,
        layout_plan.layout.orientation,
        plain_sheets=None if options.fill == "repeat" else placed,
    )


def printed_sides(
    page_count: int, options: HandoutOptions, page_sizes: list[tuple[float, float]]
) -> list[list[int | None]]:
    """The source pages drawn on each printed side of the result, in order (for what it will cost)."""
    if options.layout == "booklet":
        chosen = parse_ranges(options.pages, page_count) if options.pages.strip() else list(range(page_count))
        return [
            [None if i is None else chosen[i] for i in side]
            for side in plan_booklet(len(chosen), options.signature_sheets).sides
        ]
    return sheets_for(page_count, options, page_sizes)


def area_share(options: HandoutOptions) -> float:
    """About how much of a side one source page takes once placed (toner shrinks with the page)."""
    return 0.5 if options.layout == "booklet" else 1 / options.per_sheet


def make_handouts(
    src: Path, out: Path, options: HandoutOptions, progress: ProgressCallback = no_progress
) -> dict[str, Any]:
    """Run the chosen layout on `src`; returns the counts as plain data for the job record."""
    from pdf.arrange import arrange
    from pdf.booklet import booklet
    from pdf.source import open_source

    if options.layout == "booklet":
        with tempfile.TemporaryDirectory(prefix="tp-booklet-") as folder:
            source = src
            if options.pages.strip():
                source = Path(folder) / src.name
                arrange([src], source, ArrangePlan(order=options.pages), names=[src.name])
            result = booklet(source, out, options.paper, options.signature_sheets, progress)
        return {
            "source_pages": result.source_pages,
            "output_pages": result.sides,
            "sheets_of_paper": result.sheets,
            "blank_pages_added": result.blank_pages_added,
            "printing": result.printing.to_dict(),
            "print_notes": result.finishing,  # on the job's card, under how to print: folding
        }
    from pdf.source import source_box

    reader = open_source(src)
    sizes = None
    if options.backs_behind_fronts:
        sizes = [source_box(reader, i, src.name).size for i in range(len(reader.pages))]
    result = _place(src, out, sheets_for(len(reader.pages), options, sizes), options, progress)
    return {
        "source_pages": result.source_pages,
        "output_pages": result.sheets,
        "sheets_of_paper": sheets_of_paper(result.sheets, options.duplex),
        "blank_cells": result.blank_cells,
        "printing": result.printing.to_dict(),
    }


def _place(
    src: Path,
    out: Path,
    sheets: list[list[int | None]],
    options: HandoutOptions,
    progress: ProgressCallback = no_progress,
) -> ImposeResult:
    """`sheets` of `src` laid out as the options say, n per sheet."""
    from pdf.impose import place

    return place(
        src,
        out,
        sheets,
        options.per_sheet,
        options.paper,
        options.orientation,
        options.margin_mm,
        options.gap_mm,
        options.borders,
        options.order,
        progress=progress,
        two_sided=options.duplex,
        cut_marks=options.cut_marks,
    )


def preview_png(src: Path, options: HandoutOptions, width_px: int = PREVIEW_WIDTH_PX) -> bytes:
    """A picture of the first output sheet, made from the pages it shows only (a long file is not read whole)."""
    from pdf.compose import write_sheets
    from pdf.render import first_pages, page_count, quick_sizes, render_page_png
    from pdf.source import open_source, source_box

    with tempfile.TemporaryDirectory(prefix="tp-preview-") as folder:
        sheet = Path(folder) / "first-sheet.pdf"
        count = page_count(src)
        slow = count is None  # pdfium could not open it: read it as the job will
        if slow:
            count = len(open_source(src).pages)
        if options.layout == "booklet":
            chosen = parse_ranges(options.pages, count) if options.pages.strip() else list(range(count))
            first_side = plan_booklet(len(chosen), options.signature_sheets).sides[0]
            cells = [None if i is None else chosen[i] for i in first_side]
        else:
            sizes = quick_sizes(src) if options.backs_behind_fronts and not slow else None
            if options.backs_behind_fronts and sizes is None:
                reader = open_source(src)
                sizes = [source_box(reader, i, src.name).size for i in range(count)]
            sheets = sheets_for(count, options, sizes)
            check_sheets(sheets, options.per_sheet, count)  # an empty choice is the job's own refusal
            cells = sheets[0]
        source = src
        if not slow:
            # Only the pages of the first sheet, under the file's own name (messages name it).
            used = sorted({i for i in cells if i is not None})
            source = Path(folder) / "pages" / src.name
            source.parent.mkdir()
            first_pages(src, used, source)
            where = {old: new for new, old in enumerate(used)}
            cells = [None if i is None else where[i] for i in cells]
        if options.saves_anything:  # the preview shows the pages as the job will place them
            source, _ = save(source, Path(folder) / src.name, options, name=src.name)
        if options.layout == "booklet":
            layout = grid_layout(options.paper, "landscape", 2, 1, BOOKLET_MARGIN_MM, BOOKLET_FOLD_GAP_MM)
            write_sheets(open_source(source), src.name, sheet, layout, [cells], False, no_progress)
        else:
            _place(source, sheet, [cells], options)
        return render_page_png(sheet, 0, width_px)


def handouts_step(ctx: StepContext[HandoutOptions]) -> StepResult:
    options = ctx.options
    source = single_source(ctx)
    default = "booklet.pdf" if options.layout == "booklet" else f"handouts {options.per_sheet} per sheet.pdf"
    out = ctx.outputs_dir / output_name(options.output_name, default, ".pdf")
    counts = make_handouts(source, out, options, ctx.progress)
    return StepResult(counts, [(out, PDF_MIME)])


PIPELINE = Pipeline(
    kind="handouts",
    label="Handouts",
    steps=(
        TO_PDF,
        StepDef("check", "Check files", check_pdfs, weight=1),
        SAVERS,
        StepDef("sheets", "Make sheets", handouts_step, weight=4),
    ),
    options=HandoutOptions,
)
