"""Merge PDFs and Merge & arrange: merging many worksheets or two large files, arranging pages.

Run: .venv/bin/python -m bench.bench_merge [--quick]   (or `make bench`, which runs every section)

merge_pdfs (pdf/merge.py) at a realistic size (20 generated worksheets of 10
pages) and a large one (the KOMA-Script manual followed by a generated 1,000-page PDF);
arrange (pdf/arrange.py) on each PDF case with a plan that touches every page
(last page first, every page turned, a blank after page 1, duplex padding). Fresh
processes; medians, pages per second, peak memory of the process doing the work, and
the time over qpdf merging (or rewriting) the same files. Nothing here asserts on time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench._measure import (
    CORPUS_ABSENT,
    GENERATED_PAGES,
    MANUAL,
    MEDIAN_NOTE,
    Inputs,
    Row,
    corpus_pdf,
    inputs_for,
    measure_row,
    print_section,
    script_main,
    skipped,
    task,
)
from bench.bench_floor import Floors

SECTION = "merge"
WORKSHEETS, WORKSHEET_PAGES = 20, 10
QUICK_WORKSHEETS, QUICK_WORKSHEET_PAGES = 10, 5
ARRANGE_PLAN = {"order": "last-1", "rotate_all": 90, "blank_after": [1], "duplex": True}


@task("pdf.merge")
def merge_task(sources: list[str], out: str) -> dict[str, Any]:
    """Merge `sources` in order with merge_pdfs."""
    from pdf.merge import merge_pdfs

    pages = merge_pdfs([Path(path) for path in sources], Path(out))
    return {"units": pages, "size": f"{len(sources)} files, {pages:,} pages"}


@task("pdf.arrange")
def arrange_task(sources: list[str], out: str) -> dict[str, Any]:
    """Arrange `sources` with ARRANGE_PLAN."""
    from pdf.arrange import arrange
    from pdf.plans import ArrangePlan

    result = arrange([Path(path) for path in sources], Path(out), ArrangePlan.from_dict(ARRANGE_PLAN))
    blanks = result.blank_pages + result.padding_pages
    return {"units": result.source_pages, "summary": f"{result.pages:,} pages out, {blanks} blank"}


def merge_cases(made: Inputs) -> list[tuple[str, list[Path] | None]]:
    """The files merged: many small worksheets, then two large documents."""
    if made.quick:
        count, pages = QUICK_WORKSHEETS, QUICK_WORKSHEET_PAGES
        return [(f"{count} worksheets × {pages} pages", made.worksheets(count, pages))]
    manual = corpus_pdf(MANUAL)
    large = [manual, made.text_pdf(GENERATED_PAGES)] if manual else None
    return [
        (f"{WORKSHEETS} worksheets × {WORKSHEET_PAGES} pages", made.worksheets(WORKSHEETS, WORKSHEET_PAGES)),
        (f"KOMA-Script manual + generated {GENERATED_PAGES:,} pages", large),
    ]


def main(quick: bool = False, inputs: Inputs | None = None, floors: Floors | None = None) -> list[Row]:
    """Measure merge and arrange; print and return the rows."""
    rows: list[Row] = []
    with inputs_for(inputs, quick) as made:
        for label, sources in merge_cases(made):
            if sources is None:
                rows.append(skipped(SECTION, "merge", label, CORPUS_ABSENT))
                continue
            out = made.out("merged.pdf")
            rows.append(
                measure_row(SECTION, "merge", label, merge_task, [sources, out], made, floor_key=sources)
            )
        for label, path in made.pdf_cases():
            if path is None:
                rows.append(skipped(SECTION, "arrange", label, CORPUS_ABSENT))
                continue
            out = made.out("arranged.pdf")
            rows.append(
                measure_row(SECTION, "arrange", label, arrange_task, [[path], out], made, floor_key=[path])
            )
        (floors or Floors.setup(made, install=False)).attach(rows)
        print_section(
            "Merge and arrange",
            rows,
            "arrange: last page first, every page turned 90°, a blank after page 1, duplex padding. "
            + MEDIAN_NOTE.format(runs=made.runs),
        )
    return rows


if __name__ == "__main__":
    script_main(main, __doc__)
