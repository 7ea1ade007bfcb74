"""Merge & arrange's single-file operations: page numbers, split into single pages, compress.

Run: .venv/bin/python -m bench.bench_pdf_ops [--quick]   (or `make bench`, which runs every section)

Each measurement runs in fresh Python processes; the table shows medians, pages per
second, the peak memory of the process doing the work, and the time as a ratio to qpdf
rewriting the same file when qpdf is installed. Compress runs on a scan with OCR from the
corpus (lossless, then with images downsampled). Nothing here asserts on time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench._measure import (
    CORPUS_ABSENT,
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

SECTION = "pdf"
SCAN = "Seige_of_Vicksburg_Sample_OCR.pdf"
SCAN_LABEL = f"scan with OCR ({SCAN})"
SCAN_DPI = 72


@task("pdf.stamp")
def page_numbers(src: str, out: str) -> dict[str, Any]:
    """Number every page ("Page x of y", bottom centre)."""
    from pdf.marks import StampSpec
    from pdf.stamp import stamp

    result = stamp(Path(src), Path(out), StampSpec())
    return {"units": result.pages, "summary": f"{result.stamped_pages:,} pages numbered"}


@task("pdf.split")
def split_pages(src: str, out: str) -> dict[str, Any]:
    """Split into one PDF per page, delivered as a ZIP."""
    from pdf.split import split

    result = split(Path(src), Path(out))
    size = Path(out).stat().st_size / 1024**2
    return {"units": result.source_pages, "summary": f"{result.files:,} files, ZIP {size:.0f} MB"}


@task("pdf.compress", "pypdf")
def compress_task(src: str, out: str, dpi: str) -> dict[str, Any]:
    """Compress losslessly, or (with `dpi`) also downsample the images."""
    from pypdf import PdfReader

    from pdf.compress import compress

    result = compress(Path(src), Path(out), image_dpi=int(dpi) if dpi else None)
    kept = ", original kept" if result.kept_original else ""
    return {
        "units": len(PdfReader(out).pages),
        "summary": f"{result.before_bytes / 1024:.0f} → {result.after_bytes / 1024:.0f} KB, "
        f"{result.images_downsampled} images{kept}",
    }


def main(quick: bool = False, inputs: Inputs | None = None, floors: Floors | None = None) -> list[Row]:
    """Measure page numbers and split on each PDF case, and compress on the scan; print and return the rows."""
    rows: list[Row] = []
    with inputs_for(inputs, quick) as made:
        for operation, func, out_name in (
            ("page numbers", page_numbers, "numbered.pdf"),
            ("split per page", split_pages, "pages.zip"),
        ):
            for label, path in made.pdf_cases():
                if path is None:
                    rows.append(skipped(SECTION, operation, label, CORPUS_ABSENT))
                    continue
                out = made.out(out_name)
                rows.append(measure_row(SECTION, operation, label, func, [path, out], made, floor_key=[path]))
        scan = corpus_pdf(SCAN)
        for operation, dpi in (
            ("compress, lossless", ""),
            (f"compress, images {SCAN_DPI} dpi", str(SCAN_DPI)),
        ):
            if scan is None:
                rows.append(skipped(SECTION, operation, SCAN_LABEL, CORPUS_ABSENT))
                continue
            out = made.out("compressed.pdf")
            rows.append(
                measure_row(
                    SECTION, operation, SCAN_LABEL, compress_task, [scan, out, dpi], made, floor_key=[scan]
                )
            )
        (floors or Floors.setup(made, install=False)).attach(rows)
        print_section(
            "PDF operations: page numbers, split, compress", rows, MEDIAN_NOTE.format(runs=made.runs)
        )
    return rows


if __name__ == "__main__":
    script_main(main, __doc__)
