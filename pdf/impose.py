"""Handouts: N pages per sheet, and free placement of chosen pages on sheets.

Pages are placed as form XObjects (see `pdf.xobject`): upright whatever
their /Rotate, cut to their crop box, scaled to fit their cell and centred.
Links, comments and form fields of the source pages are not carried over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader

from core.progress import ProgressCallback, no_progress
from pdf.compose import write_sheets
from pdf.layout import GRIDS, choose_layout
from pdf.plans import Sheet, check_sheets
from pdf.printing import PrintSetup
from pdf.source import open_source, source_box


@dataclass(frozen=True)
class ImposeResult:
    """What a Handouts run made: the counts a teacher prints and pays for."""

    source_pages: int  # pages in the source file
    placed_pages: int  # filled cells (a page placed twice counts twice)
    sheets: int  # pages of the output file
    sides: int  # printed sides (one per sheet: these are printed on one side)
    blank_cells: int
    paper: str
    orientation: str  # of the sheets: "portrait" or "landscape"
    cols: int
    rows: int
    printing: PrintSetup


def n_up(
    src: Path,
    out: Path,
    n: int,
    paper: str = "A4",
    orientation: str = "auto",
    margin_mm: float = 10,
    gap_mm: float = 5,
    borders: bool = False,
    order: str = "across",
    pages: list[int] | None = None,
    progress: ProgressCallback = no_progress,
    two_sided: bool = False,
) -> ImposeResult:
    """Place the pages of `src` (all, or `pages` as 0-based indexes in that order) `n` per sheet."""
    reader = open_source(src)
    chosen = list(range(len(reader.pages))) if pages is None else list(pages)
    sheets = [chosen[i : i + n] for i in range(0, len(chosen), n)]
    return _impose(
        src, out, reader, sheets, n, paper, orientation, margin_mm, gap_mm, borders, order, progress,
        two_sided,
    )  # fmt: skip


def place(
    src: Path,
    out: Path,
    sheets: list[list[int | None]],
    n: int,
    paper: str = "A4",
    orientation: str = "auto",
    margin_mm: float = 10,
    gap_mm: float = 5,
    borders: bool = False,
    order: str = "across",
    progress: ProgressCallback = no_progress,
    two_sided: bool = False,
    cut_marks: bool = False,
) -> ImposeResult:
    """Make one sheet per entry of `sheets`, each a list of 0-based page indexes or None for a blank cell."""
    reader = open_source(src)
    return _impose(
        src, out, reader, sheets, n, paper, orientation, margin_mm, gap_mm, borders, order, progress,
        two_sided, cut_marks,
    )  # fmt: skip


def _impose(
    src: Path,
    out: Path,
    reader: PdfReader,
    sheets: Sequence[Sheet],
    n: int,
    paper: str,
    orientation: str,
    margin_mm: float,
    gap_mm: float,
    borders: bool,
    order: str,
    progress: ProgressCallback,
    two_sided: bool,
    cut_marks: bool = False,
) -> ImposeResult:
    if n not in GRIDS:
        raise ValueError(f"n must be one of {sorted(GRIDS)}, not {n!r}")
    page_count = len(reader.pages)
    check_sheets(sheets, n, page_count)
    used = {index for sheet in sheets for index in sheet if index is not None}
    sizes = [source_box(reader, index, src.name).size for index in sorted(used)]
    layout = choose_layout(sizes, n, paper, orientation, margin_mm, gap_mm, order)
    written = write_sheets(reader, src.name, out, layout, sheets, borders, progress, two_sided, cut_marks)
    return ImposeResult(
        source_pages=page_count,
        placed_pages=written.placed_pages,
        sheets=written.sheets,
        sides=written.sheets,
        blank_cells=written.blank_cells,
        paper=layout.paper,
        orientation=layout.orientation,
        cols=layout.cols,
        rows=layout.rows,
        printing=written.printing,
    )
