"""Greyscale, toner saver and trimmed margins (#19): how long each takes, what it does to the file's
size, and what it saves in toner.

Run: .venv/bin/python -m bench.bench_savers [--quick]   (or `make bench`, which runs every section)

Each operation runs in fresh processes (`pdf.recolour.recolour`, `pdf.trim.trim_margins`) on corpus
PDFs and a generated 566-page text PDF. The result column gives the file's size before and after
and the toner cover (pdf.ink, as the pages measure it) before and after, so a greyscale that grew a
file or a toner saver that saved nothing shows here. Nothing here asserts on time.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench._measure import (
    CORPUS_ABSENT,
    Inputs,
    Row,
    corpus_pdf,
    inputs_for,
    make_text_pdf,
    measure_task,
    print_section,
    say,
    script_main,
    skipped,
    task,
)

SECTION = "savers"
CORPUS = ("scrguide-en.pdf", "GeoTopo-komprimiert.pdf", "The_Go_Language_Gigon-Odienne-Wartel.pdf",
          "google-doc-document.pdf", "Seige_of_Vicksburg_Sample_OCR.pdf")  # fmt: skip
QUICK_CORPUS = ("GeoTopo-komprimiert.pdf",)
OPERATIONS = (
    ("greyscale", "greyscale"),
    ("toner saver 50 %", "toner-50"),
    ("trim margins (each page)", "trim"),
)


@task("pdf.recolour", "pdf.trim", "pdf.ink")
def save(path: str, how: str, out: str) -> dict[str, Any]:
    """One saver on `path`, written to `out`: its pages, and the size and toner before and after."""
    import time
    from pathlib import Path

    from pdf.ink import page_ink
    from pdf.recolour import InkSaving, recolour
    from pdf.trim import trim_margins

    src, dest = Path(path), Path(out)
    started = time.perf_counter()
    if how == "trim":
        pages = trim_margins(src, dest, per_page=True).pages
    else:
        saving = InkSaving(grey=True) if how == "greyscale" else InkSaving(lighter=0.5)
        pages = recolour(src, dest, saving).pages
    work = time.perf_counter() - started

    def cover(file: Path) -> tuple[float, int]:
        report = page_ink(file)
        return sum(p.coverage for p in report.pages) / max(1, len(report.pages)), sum(
            p.colour for p in report.pages
        )

    (before, colour_before), (after, colour_after) = cover(src), cover(dest)
    return {"units": pages, "seconds": work, "size_in": src.stat().st_size, "size_out": dest.stat().st_size,
            "cover_in": before, "cover_out": after, "colour_in": colour_before, "colour_out": colour_after}  # fmt: skip


@task("pdf.recolour", "pdf.ink")
def lighter_slides(path: str, out: str) -> dict[str, Any]:
    """The toner saver at each strength on a slide deck: each slide's cover before and after."""
    from pathlib import Path

    from pdf.ink import page_ink
    from pdf.recolour import InkSaving, recolour

    src = Path(path)
    before = [p.coverage for p in page_ink(src, width_px=300).pages]
    covers = {}
    for strength in (0.25, 0.5, 0.75):
        dest = Path(out).with_name(f"lighter-{strength}.pdf")
        recolour(src, dest, InkSaving(lighter=strength))
        covers[f"{strength:.0%}"] = [p.coverage for p in page_ink(dest, width_px=300).pages]
    return {"units": len(before), "before": before, "after": covers}


def slide_rows(folder: Path) -> list[Row]:
    """A real PowerPoint deck (a dark slide, a light one) made into a PDF by LibreOffice, lightened."""
    from documents.convert import Converter, to_pdf
    from documents.office import office_available
    from tests.make_files import photo_file, slides_pptx

    if not office_available():
        return [skipped(SECTION, "toner saver on slides", "PowerPoint deck", "LibreOffice is not installed")]
    profile = Path(tempfile.gettempdir()) / "teacher-printer-office" / "bench-savers"
    profile.parent.mkdir(parents=True, exist_ok=True)
    profile.parent.chmod(0o755)
    deck = slides_pptx(folder / "water.pptx", photo_file(folder / "photo.jpg", (600, 400)))
    pdf = folder / "water.pdf"
    to_pdf(deck, deck.name, pdf, Converter(profile, 300, None))
    r = measure_task(lighter_slides, str(pdf), str(folder / "lighter.pdf"), runs=1).result
    rows = []
    for strength, after in r["after"].items():
        dark, light = (f"{b:.1%} → {a:.1%}" for b, a in zip(r["before"], after, strict=True))
        rows.append(Row(SECTION, f"toner saver {strength}", "2 slides by LibreOffice", "2 pages", None,
                        result=f"dark slide {dark}; light slide (text) {light}"))  # fmt: skip
    return rows


def main(quick: bool = False, inputs: Inputs | None = None, floors: object = None) -> list[Row]:
    """Each saver on each file; print and return the rows."""
    rows: list[Row] = []
    with inputs_for(inputs, quick) as given:
        say("toner saver on a slide deck")
        rows += slide_rows(given.folder)
        files = [(name, corpus_pdf(name)) for name in (QUICK_CORPUS if quick else CORPUS)]
        files.append(("566 generated text pages", make_text_pdf(given.folder / "savers-566.pdf", 566)))
        for label, path in files:
            if path is None:
                rows.append(skipped(SECTION, "savers", label, CORPUS_ABSENT))
                continue
            for operation, how in OPERATIONS:
                say(f"{operation} on {label}")
                out = given.folder / f"saved-{how}-{path.name}"
                done = measure_task(save, str(path), how, str(out), runs=1 if quick else 2)
                r = done.result
                size = f"{r['units']} pages, {r['size_in'] / 1e6:.1f} MB"
                result = (
                    f"{r['size_in'] / 1e6:.2f} → {r['size_out'] / 1e6:.2f} MB; toner cover "
                    f"{r['cover_in']:.1%} → {r['cover_out']:.1%}; colour pages {r['colour_in']} → {r['colour_out']}"
                )
                rows.append(Row(SECTION, operation, label, size, r["seconds"], units=r["units"], unit="pages",
                                peak_mb=done.peak_mb, result=result))  # fmt: skip
    print_section(
        "Savers: greyscale, toner saver, trimmed margins",
        rows,
        "seconds: the operation alone, in a fresh process (its last run; toner measuring not included); "
        "peak MB: that process's, toner measuring included. Toner cover as the pages measure it "
        "(pdf.ink, at most 60 pages spread over the file).",
    )
    return rows


if __name__ == "__main__":
    script_main(main, __doc__)
