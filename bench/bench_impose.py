"""Handouts operations: 4 per sheet and booklet, on the KOMA-Script manual and a generated PDF.

Run: .venv/bin/python -m bench.bench_impose [--quick]   (or `make bench`, which runs every section)

Each measurement runs in fresh Python processes (so imports and peak memory are those
of one job); the table shows medians, pages per second, peak memory, and the time as a
ratio to qpdf rewriting the same file when qpdf is installed. Nothing here asserts on time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench._measure import (
    CORPUS_ABSENT,
    MEDIAN_NOTE,
    Inputs,
    Row,
    inputs_for,
    measure_row,
    print_section,
    script_main,
    skipped,
    task,
)
from bench.bench_floor import Floors

SECTION = "handouts"


@task("pdf.impose")
def four_up(src: str, out: str) -> dict[str, Any]:
    """Place the pages of `src` 4 per A4 sheet."""
    from pdf.impose import n_up

    result = n_up(Path(src), Path(out), 4)
    return {"units": result.source_pages, "summary": f"{result.sheets:,} sheets"}


@task("pdf.booklet")
def booklet_task(src: str, out: str) -> dict[str, Any]:
    """Impose `src` as a saddle-stitched A4 booklet."""
    from pdf.booklet import booklet

    result = booklet(Path(src), Path(out))
    return {"units": result.source_pages, "summary": f"{result.sheets:,} sheets, {result.sides:,} sides"}


def main(quick: bool = False, inputs: Inputs | None = None, floors: Floors | None = None) -> list[Row]:
    """Measure 4 per sheet and booklet on each PDF case; print and return the rows."""
    rows: list[Row] = []
    with inputs_for(inputs, quick) as made:
        for operation, func in (("4 per sheet", four_up), ("booklet", booklet_task)):
            for label, path in made.pdf_cases():
                if path is None:
                    rows.append(skipped(SECTION, operation, label, CORPUS_ABSENT))
                    continue
                out = made.out("handout.pdf")
                rows.append(measure_row(SECTION, operation, label, func, [path, out], made, floor_key=[path]))
        (floors or Floors.setup(made, install=False)).attach(rows)
        print_section("Handouts: 4 per sheet and booklet", rows, MEDIAN_NOTE.format(runs=made.runs))
    return rows


if __name__ == "__main__":
    script_main(main, __doc__)
