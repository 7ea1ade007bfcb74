"""Merge & arrange: PDFs (or the PDFs inside ZIPs) into one file in the teacher's order, then
optionally pick, turn and pad pages, number or stamp them, make the file smaller, or split it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from core.errors import BadOptions
from core.files import atomic_path
from core.fonts import SMALLEST_CHOSEN_PT
from core.units import MB
from pdf.layout import PAPERS
from pdf.marks import MAX_STAMP_PT, NUMBER_STYLES, POSITIONS, StampSpec
from pdf.plans import ArrangePlan, Slot, plan_slots, split_groups
from pdf.ranges import parse_ranges
from worker.options import option
from worker.savers import SAVERS, SaverOptions
from worker.steps import (
    PDF_MIME,
    TO_PDF,
    ZIP_MIME,
    Pipeline,
    StepContext,
    StepDef,
    StepResult,
    check_pdfs,
    checked_files,
    output_name,
)

ROTATIONS = (0, 90, 180, 270)
IMAGE_DPIS = (None, 150, 100, 72)  # None keeps pictures as they are
SPLITS = ("none", "every", "ranges", "pages")


@dataclass(frozen=True)
class MergeOptions(SaverOptions):
    """Everything a Merge & arrange job needs besides its files; plain JSON values only."""

    # The arrangement of the merged document's pages: which, in what order, turned how, with blank
    # pages ("" = all as they are); the page organizer writes the same text.
    keep: str = option(
        "",
        label="Pages to keep, in this order (empty keeps them all)",
        help="Page numbers of the merged file, in the order you want them: 1-3, 5, 8- or odd, even, "
        "last. A page can come twice (5, 5). Put r after a page to turn it a quarter right, l a quarter "
        "left, rr upside down (4r, 6-9l), and write blank for a blank page there (1-3, blank, 4-).",
    )
    rotate_all: int = option(
        0,
        choices=ROTATIONS,
        words={d: "No" if d == 0 else f"{d}° clockwise" for d in ROTATIONS},
        label="Turn every page",
        wrong="Pages can only be turned by 90, 180 or 270 degrees.",
    )
    # Pages of the result after which a blank page goes.
    blank_after: str = option("", label="Add a blank page after pages (of the result)")
    # Each file starts on a front side.
    duplex: bool = option(False, label="Start each file on a front side (for printing on both sides)")
    numbers: bool = option(False, label="Write on every page")
    number_style: str = option(
        "page_x_of_y",
        choices=(*NUMBER_STYLES, "text"),
        words={"page_x_of_y": "Page 3 of 12", "x": "3", "x_slash_y": "3 / 12", "text": "My own text"},
        label="What",
        wrong="“{value}” is not a way to write page numbers.",
    )
    stamp_text: str = option("", label="Text")
    position: str = option(
        "bottom-centre",
        choices=POSITIONS,
        words={p: p.replace("-", " ").capitalize() for p in POSITIONS},
        label="Where",
        wrong="“{value}” is not a place on the page.",
    )
    font_size: float = option(
        10.0,
        low=SMALLEST_CHOSEN_PT,
        high=MAX_STAMP_PT,
        offered=(6, 24),
        label="Size",
        wrong="the text size must be between {low} and {high} pt",
    )
    paper: str = option(
        "keep",
        choices=("keep", *PAPERS),
        words={"keep": "Keep each page's own size"},
        label="Paper",
        help="Pages made for another paper (Letter in a school on A4) go onto this one, landscape "
        "pages on landscape paper. Links and form fields of the pages are not kept.",
    )
    actual_size: bool = option(
        False,
        label="Actual size, centred (for worksheets that must keep their scale)",
        help="Otherwise each page is scaled to fit the paper, with nothing cut off.",
    )
    compress: bool = option(False, label="Make the file smaller (good for e-mail)")
    image_dpi: int | None = option(
        None,
        choices=IMAGE_DPIS,
        words={d: "Keep them as they are" if d is None else f"Reduce to {d} dpi" for d in IMAGE_DPIS},
        label="Pictures and scans",
        help="Lower numbers give smaller files; 150 dpi still prints well.",
        wrong="Pictures can be reduced to {choices} dpi.",
    )
    split: str = option(
        "none",
        choices=SPLITS,
        words={
            "none": "No, one PDF",
            "every": "Every few pages",
            "ranges": "By page ranges",
            "pages": "One file per page",
        },
        label="Split",
        wrong="“{value}” is not a way to split a PDF.",
    )
    split_every: int = option(
        2, low=1, high=1000, label="Pages in each file", wrong="Split every 1 to 1,000 pages."
    )
    split_ranges: str = option("", label="The pages of each file, separated by commas")

    refused: ClassVar[str] = "{}"
    joiner: ClassVar[str] = " "

    def validate(self) -> None:
        super().validate()
        if self.numbers:
            self.stamp_spec()

    def arrange_plan(self, result_pages: int | None = None) -> ArrangePlan:
        blanks: tuple[int, ...] = ()
        if self.blank_after.strip() and result_pages is not None:
            blanks = tuple(i + 1 for i in parse_ranges(self.blank_after, result_pages, "the result"))
        return ArrangePlan(
            order=self.keep.strip(), rotate_all=self.rotate_all, blank_after=blanks, duplex=self.duplex
        )

    def stamp_spec(self) -> StampSpec:
        text = self.stamp_text if self.number_style == "text" else NUMBER_STYLES.get(self.number_style, "")
        try:
            return StampSpec(text=text, position=self.position, font_size=float(self.font_size))
        except ValueError as exc:
            raise BadOptions(f"The page numbers or text cannot be used: {exc}.") from exc

    @property
    def needs_finishing(self) -> bool:
        return self.numbers or self.compress or self.split != "none" or self.paper != "keep"


@dataclass(frozen=True)
class MergeCounts:
    """What the teacher will get, before anything runs."""

    source_pages: int
    result_pages: int
    blank_pages: int
    files: int


def merged_slots(page_counts: list[int], names: list[str], options: MergeOptions) -> list[Slot]:
    """The pages of the merged file, in order, from page counts alone: each a source page or a blank."""
    kept = plan_slots(page_counts, options.arrange_plan(), names)
    return plan_slots(page_counts, options.arrange_plan(len(kept)), names)


def plan(page_counts: list[int], names: list[str], options: MergeOptions) -> MergeCounts:
    """Counts for these files and options, from page counts alone; raises for page lists that do not fit."""
    slots = merged_slots(page_counts, names, options)
    files = 1
    if options.split != "none":
        files = len(_split_groups(len(slots), options))
    return MergeCounts(sum(page_counts), len(slots), sum(1 for s in slots if s.blank), files)


def _split_groups(pages: int, options: MergeOptions) -> list[list[int]]:
    if options.split == "every":
        return split_groups(pages, every=options.split_every)
    if options.split == "ranges":
        return split_groups(pages, ranges=options.split_ranges)
    return split_groups(pages)


# -- steps ----------------------------------------------------------------------------


def arrange_step(ctx: StepContext[MergeOptions]) -> StepResult:
    """Put every checked file together in order, keeping, turning and padding pages as asked."""
    from pdf.arrange import arrange  # here, not above: the web app imports this module for its options

    options = ctx.options
    files = checked_files(ctx)
    sources = [ctx.files.resolve(f["ref"]) for f in files]
    names = [f["name"] for f in files]
    counts = [f["pages"] for f in files]
    kept = len(plan_slots(counts, options.arrange_plan(), names))
    name = output_name(options.output_name, "merged.pdf", ".pdf")
    out = (ctx.work_dir if options.needs_finishing else ctx.outputs_dir) / name
    result = arrange(sources, out, options.arrange_plan(kept), ctx.progress, names)
    data: dict[str, Any] = {
        "pages": result.pages,
        "blank_pages": result.blank_pages,
        "padding_pages": result.padding_pages,
    }
    if result.printing is not None:
        data["printing"] = result.printing.to_dict()  # kept by numbering and making smaller
    if options.needs_finishing:
        return StepResult({**data, "ref": ctx.files.ref(out)})
    return StepResult(data, [(out, PDF_MIME)])


def finish_step(ctx: StepContext[MergeOptions]) -> StepResult:
    """Number or stamp the pages, make the file smaller, split it: whichever the teacher chose."""
    from pdf.compress import compress
    from pdf.fit import fit_to_paper
    from pdf.split import split
    from pdf.stamp import stamp

    options = ctx.options
    if not options.needs_finishing:
        return StepResult({"nothing_to_do": True})
    current = ctx.files.resolve(ctx.result_of("arrange")["ref"])
    name = current.name
    data: dict[str, Any] = {}
    if options.paper != "keep":  # first: numbers and text go on the paper the pages end up on
        fitted = ctx.work_dir / f"fitted-{name}"
        result = fit_to_paper(
            current, fitted, options.paper, options.actual_size, options.duplex, ctx.progress, name
        )
        data.update(paper=result.paper, resized_pages=result.resized_pages, cut_pages=result.cut_pages)
        if result.cut_pages:
            many = result.cut_pages != 1
            data.setdefault("notes", []).append(
                f"{result.cut_pages} page{'s' if many else ''} {'were' if many else 'was'} larger than "
                f"{result.paper}, so at actual size {'their' if many else 'its'} edges were cut off. "
                "Untick “Actual size” to fit every page to the paper instead."
            )
        current = fitted
    if options.numbers:
        stamped = ctx.work_dir / f"numbered-{name}"
        result = stamp(current, stamped, options.stamp_spec(), ctx.progress, name)
        data["stamped_pages"] = result.stamped_pages
        current = stamped
    if options.compress:
        smaller = ctx.work_dir / f"smaller-{name}"
        result = compress(current, smaller, options.image_dpi, ctx.progress, name)
        data.update(before_bytes=result.before_bytes, after_bytes=result.after_bytes)
        if result.kept_original:
            data.setdefault("notes", []).append(
                f"{name} could not be made smaller, so it was kept as it was."
            )
        else:
            saved = 100 * (1 - result.after_bytes / max(1, result.before_bytes))
            data.setdefault("notes", []).append(
                f"{name} is {saved:.0f} % smaller ({_mb(result.before_bytes)} → {_mb(result.after_bytes)})."
            )
        current = smaller if smaller.exists() else current
    if options.split != "none":
        zip_name = Path(name).stem + " - parts.zip"
        out = ctx.outputs_dir / zip_name
        every = options.split_every if options.split == "every" else None
        ranges = options.split_ranges if options.split == "ranges" else None
        if options.split == "pages":
            every = 1
        result = split(current, out, every=every, ranges=ranges, progress=ctx.progress, name=name)
        data.update(files=result.files)
        return StepResult(data, [(out, ZIP_MIME)])
    final = ctx.outputs_dir / name
    with atomic_path(final) as tmp:  # never a cut-off file under the final name (a full disk)
        shutil.copyfile(current, tmp)
    return StepResult(data, [(final, PDF_MIME)])


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB" if size >= MB else f"{size / 1000:.0f} KB"


PIPELINE = Pipeline(
    kind="merge",
    label="Merge & arrange",
    steps=(
        TO_PDF,
        StepDef("check", "Check files", check_pdfs, weight=1),
        SAVERS,
        StepDef("arrange", "Put pages together", arrange_step, weight=3),
        StepDef("finish", "Finish", finish_step, weight=2),
    ),
    options=MergeOptions,
)
