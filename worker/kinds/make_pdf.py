"""Make PDF: documents, slides, photos and PDFs, in the teacher's order, into one PDF or one PDF each.

The conversion is the shared first step (`TO_PDF`), with this tool's choices for photos: paper,
margin, print resolution, clean-up. Several photos per page are placed as Handouts places pages.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from core.files import UniqueNames, atomic_path, safe_name
from documents.convert import Conversion
from documents.formats import is_photo_name
from documents.photos import AS_THE_PHOTO, PHOTO_PAPERS, PhotoPage
from pdf.limits import MAX_MARGIN_MM
from worker.options import Options, option
from worker.steps import (
    PDF_MIME,
    TO_PDF,
    ZIP_MIME,
    Pipeline,
    StepContext,
    StepDef,
    StepResult,
    check_pdfs,
    one_pdf,
    output_name,
)

RESULTS = ("one", "each")
PER_PAGE = (1, 2, 4, 6)
DPIS = (150, 200, 300, 600)


@dataclass(frozen=True)
class MakePdfOptions(Options):
    """What Make PDF makes of the files, and how photos go onto pages."""

    result: str = option(
        "one",
        choices=RESULTS,
        words={"one": "One PDF, the files one after the other", "each": "One PDF for each file (in a ZIP)"},
        label="Make",
    )
    paper: str = option(
        "A4",
        choices=PHOTO_PAPERS,
        words={"A4": "A4", "Letter": "Letter", "A3": "A3", AS_THE_PHOTO: "The photo's own size"},
        label="Paper for photos",
        help="Documents and PDFs keep their own page size.",
    )
    margin_mm: float = option(
        10.0,
        low=0,
        high=MAX_MARGIN_MM,
        offered=(0, 30),
        label="Margin around photos (mm)",
        wrong="margins must be between {low} and {high} mm",
    )
    per_page: int = option(
        1,
        choices=PER_PAGE,
        label="Photos per page",
        help="Several photos side by side on each page (the documents keep one page each).",
        wrong="{value} photos per page is not offered ({choices})",
    )
    dpi: int = option(
        300,
        choices=DPIS,
        label="Print resolution of photos (dots per inch)",
        help="Larger photos are scaled down to this at the size they are printed: 300 is sharp, 150 is small.",
        wrong="{value} dpi is not offered ({choices})",
    )
    clean_up: bool = option(
        False,
        label="Clean up photos of paper worksheets (grey, white paper, dark writing)",
    )
    speaker_notes: bool = option(
        False,
        label="Slides with their speaker notes (each slide above its notes, one per page)",
    )

    refused: ClassVar[str] = "These options cannot be used: {}."

    def conversion(self) -> Conversion:
        """What the conversion step makes of photos (several per page: placed after) and slides."""
        if self.per_page > 1:  # each photo on a page of its own size first, then placed in the grid
            photo = PhotoPage(AS_THE_PHOTO, 0, self.dpi, self.clean_up)
        else:
            photo = PhotoPage(self.paper, self.margin_mm, self.dpi, self.clean_up)
        return Conversion(photo, self.speaker_notes)


def pages_made(files: list[tuple[str, int]], options: MakePdfOptions) -> int:
    """The pages of the result (of all the PDFs, for one each), from each file's name and pages."""
    if options.result == "each" or options.per_page == 1:
        return sum(pages for _, pages in files)
    items = [{"name": name, "pages": pages} for name, pages in files]
    return sum(
        -(-len(run) // options.per_page) if grouped else run[0]["pages"]
        for grouped, run in runs_of(items, options.per_page)
    )


def runs_of(files: list[dict[str, Any]], per_page: int) -> list[tuple[bool, list[dict[str, Any]]]]:
    """The checked files in order, with neighbouring photos grouped when several go on a page."""
    runs: list[tuple[bool, list[dict[str, Any]]]] = []
    for item in files:
        grouped = per_page > 1 and is_photo_name(item["name"])
        if runs and grouped and runs[-1][0]:
            runs[-1][1].append(item)
        else:
            runs.append((grouped, [item]))
    return runs


def assemble_step(ctx: StepContext[MakePdfOptions]) -> StepResult:
    options = ctx.options
    files = ctx.result_of("check")["files"]
    first = Path(files[0]["name"]).stem
    if options.result == "each":
        out = ctx.outputs_dir / output_name(options.output_name, f"{first} as PDFs", ".zip")
        return StepResult({"files": len(files)}, [(_each(ctx, files, out), ZIP_MIME)])
    parts = []
    for number, (grouped, run) in enumerate(runs_of(files, options.per_page)):
        paths = [ctx.files.resolve(item["ref"]) for item in run]
        if grouped:
            parts.append(_photos_per_page(ctx, one_pdf(paths, ctx.work_dir / f"photos-{number}.pdf"), number))
        else:
            parts.extend(paths)
    out = ctx.outputs_dir / output_name(options.output_name, first, ".pdf")
    with atomic_path(out) as tmp:
        shutil.copyfile(one_pdf(parts, ctx.work_dir / "all.pdf"), tmp)
    return StepResult({"files": len(files)}, [(out, PDF_MIME)])


def _photos_per_page(ctx: StepContext[MakePdfOptions], photos: Path, number: int) -> Path:
    from pdf.impose import n_up

    options = ctx.options
    paper = "A4" if options.paper == AS_THE_PHOTO else options.paper
    placed = ctx.work_dir / f"placed-{number}.pdf"
    n_up(photos, placed, options.per_page, paper, "auto", options.margin_mm, 5, progress=ctx.progress)
    return placed


def _each(ctx: StepContext[MakePdfOptions], files: list[dict[str, Any]], out: Path) -> Path:
    names = UniqueNames()
    with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, item in enumerate(files):
            ctx.progress(number, len(files), f"Adding {item['name']}")
            stem = safe_name(Path(item["name"]).stem, fallback=f"file {number + 1}")
            archive.write(ctx.files.resolve(item["ref"]), names.numbered(stem, ".pdf"))
    return out


PIPELINE = Pipeline(
    kind="make_pdf",
    label="Make PDF",
    steps=(
        TO_PDF,
        StepDef("check", "Check files", check_pdfs, weight=1),
        StepDef("assemble", "Make the PDF", assemble_step, weight=1),
    ),
    options=MakePdfOptions,
)
