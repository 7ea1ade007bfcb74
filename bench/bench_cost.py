"""The toner estimate (#19): how long measuring a file's toner takes, and the error sampling makes.

Run: .venv/bin/python -m bench.bench_cost [--quick]   (or `make bench`, which runs every section)

Each corpus PDF (and a generated 566-page text PDF) is measured twice by `pdf.ink.page_ink`, in
one fresh process each: every page rendered ("full"), and the page's own setting (at most
SAMPLE_PAGES pages spread over the file, the others taking their nearest measured page's
figures). The table gives both times, the file's mean toner cover by each, the difference in
percentage points, and how many colour pages each finds. Files no longer than the sample are
measured whole either way (no error). Nothing here asserts on time.
"""

from __future__ import annotations

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

SECTION = "cost"
CORPUS = ("scrguide-en.pdf", "GeoTopo-komprimiert.pdf", "fxo-red-rotate.pdf", "pdfextra-example.pdf",
          "Seige_of_Vicksburg_Sample_OCR.pdf", "pdflatex-4-pages.pdf")  # fmt: skip
QUICK_CORPUS = ("GeoTopo-komprimiert.pdf", "pdflatex-4-pages.pdf")


@task("pdf.ink")
def measure(path: str, how: str) -> dict[str, Any]:
    """Toner of every page of `path`: "all" renders each page; "page" samples as the page does."""
    from pathlib import Path

    from pdf.ink import SAMPLE_PAGES, page_ink

    report = page_ink(Path(path), 10**9 if how == "all" else SAMPLE_PAGES)
    pages = report.pages
    return {
        "units": len(pages),
        "measured": report.measured,
        "cover": sum(p.coverage for p in pages) / max(1, len(pages)),
        "colour": sum(p.colour for p in pages),
    }


def main(quick: bool = False, inputs: Inputs | None = None, floors: object = None) -> list[Row]:
    """Measure every file in full and as the page samples it; print and return the rows."""
    rows: list[Row] = []
    with inputs_for(inputs, quick) as given:
        files = [(name, corpus_pdf(name)) for name in (QUICK_CORPUS if quick else CORPUS)]
        files.append(("566 generated text pages", make_text_pdf(given.folder / "cost-566.pdf", 566)))
        for label, path in files:
            if path is None:
                rows.append(skipped(SECTION, "toner estimate", label, CORPUS_ABSENT))
                continue
            say(f"toner of {label}: every page, then as sampled")
            full = measure_task(measure, str(path), "all", runs=1)
            sampled = measure_task(measure, str(path), "page", runs=1)
            f, s = full.result, sampled.result
            error = abs(s["cover"] - f["cover"]) * 100
            pages = f"{f['units']} pages"
            rows += [
                Row(SECTION, "toner: every page rendered", label, pages, full.work, units=f["units"],
                    unit="pages", peak_mb=full.peak_mb,
                    result=f"cover {f['cover']:.1%}, {f['colour']} colour pages", summary=False),
                Row(SECTION, "toner: as the page measures it", label, pages, sampled.work,
                    units=s["measured"], unit="pages", peak_mb=sampled.peak_mb,
                    result=f"{s['measured']} measured; cover {s['cover']:.1%} (off by {error:.2f} points), "
                    f"{s['colour']} colour pages"),
            ]  # fmt: skip
    print_section(
        "Toner estimate: every page against the sample",
        rows,
        "median s: the measurement alone (work s of one fresh process); peak MB: that process's. "
        "The page measures at most 60 pages, spread over the file.",
    )
    return rows


if __name__ == "__main__":
    script_main(main, __doc__)
