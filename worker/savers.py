"""Paper and toner savers, declared once for every tool that offers them: greyscale, toner saver
and trimmed margins as options, the step "Save toner and paper" that applies them to the checked
files, and the same work for a file a step or a preview holds.

The operations (`pdf.recolour`, `pdf.trim`) load inside the functions that run them: the web app
imports this module for its options only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.progress import ProgressCallback, no_progress
from worker.options import Options, option
from worker.steps import SAVERS_STEP, StepContext, StepDef, StepResult, checked_files

TONER_SAVINGS = (0, 25, 50, 75)  # per cent lighter
TRIMS = ("none", "file", "page")


@dataclass(frozen=True)
class SaverOptions(Options):
    """The savers a tool offers, as options of its record (a tool's options class inherits them)."""

    greyscale: bool = option(
        False,
        label="Greyscale",
        help="Colours become greys as dark as they look, in the PDF itself: text stays sharp and "
        "can still be selected, and the printer uses black toner only.",
    )
    toner_saver: int = option(
        0,
        choices=TONER_SAVINGS,
        words={0: "Off", 25: "A little lighter (25 %)", 50: "Lighter (50 %)", 75: "Much lighter (75 %)"},
        label="Toner saver",
        help="Fills, shading and pictures print lighter; a slide's dark background becomes white "
        "paper. Text and lines stay as dark as they are, and light text on a dark background turns black.",
        wrong="the toner saver can make pages 25, 50 or 75 % lighter",
    )
    trim_margins: str = option(
        "none",
        choices=TRIMS,
        words={
            "none": "No",
            "file": "Yes, the same for every page (pages keep one size)",
            "page": "Yes, each page on its own (each prints as large as it can)",
        },
        label="Trim white margins",
        help="Pages are cut to what is printed on them (plus 3 mm) before they are placed, so they "
        "print larger. Nothing printed is cut off.",
        wrong="“{value}” is not a way to trim margins",
    )

    @property
    def saves_anything(self) -> bool:
        return self.greyscale or bool(self.toner_saver) or self.trim_margins != "none"


def wanted(inputs: list[dict[str, Any]], options: dict[str, Any]) -> bool:
    """Whether a job has the savers step: when it asks for any saver."""
    return (
        bool(options.get("greyscale") or options.get("toner_saver"))
        or options.get("trim_margins", "none") != "none"
    )


def save(
    src: Path, dest: Path, options: SaverOptions, progress: ProgressCallback = no_progress, name: str = ""
) -> tuple[Path, list[str]]:
    """`src` with the chosen savers applied (in folders beside `dest`, under its name; `src` itself
    when nothing was asked or nothing changed), and the sentences the teacher should read about it."""
    from pdf.recolour import InkSaving, recolour
    from pdf.trim import trim_margins

    notes: list[str] = []
    current = src
    label = name or src.name
    if options.greyscale or options.toner_saver:
        saving = InkSaving(grey=options.greyscale, lighter=options.toner_saver / 100)
        coloured = _beside(dest, "recoloured")
        result = recolour(current, coloured, saving, progress, label)
        if result.changed:
            current = coloured
        elif options.greyscale and not options.toner_saver:
            notes.append(f"{label} is already black and white, so greyscale left it as it was.")
        if result.kept:
            many = result.kept != 1
            notes.append(
                f"{result.kept} picture{'s' if many else ''} or shading{'s' if many else ''} in {label} could "
                f"not be read to change {'their' if many else 'its'} colours and {'were' if many else 'was'} "
                "left as it was."
            )
    if options.trim_margins != "none":
        trimmed = _beside(dest, "trimmed")
        per_page = options.trim_margins == "page"
        result = trim_margins(current, trimmed, per_page, progress=progress, name=label)
        if result.trimmed_pages:
            current = trimmed
        else:
            notes.append(f"{label} has no white margins to trim.")
    return current, notes


def _beside(dest: Path, stage: str) -> Path:
    """Where a stage writes its copy of `dest`: a folder beside it, under the same file name."""
    folder = dest.parent / stage
    folder.mkdir(parents=True, exist_ok=True)
    return folder / dest.name


def savers_step(ctx: StepContext[Any]) -> StepResult:
    """Turn the checked files grey or lighter, or trim their margins, as the teacher chose."""
    files = checked_files(ctx, before=SAVERS_STEP)
    saved: list[dict[str, Any]] = []
    notes: list[str] = []
    for number, item in enumerate(files):
        source = ctx.files.resolve(item["ref"])

        def progress(done: int, total: int, text: str, number: int = number) -> None:
            ctx.progress(number * 1000 + (1000 * done // max(1, total)), len(files) * 1000, text)

        result, said = save(
            source, ctx.work_dir / f"saved-{number:04d}.pdf", ctx.options, progress, item["name"]
        )
        saved.append({**item, "ref": ctx.files.ref(result)})
        notes.extend(said)
    return StepResult({"files": saved, "notes": notes})


SAVERS = StepDef(SAVERS_STEP, "Save toner and paper", savers_step, weight=1, wanted=wanted)
