"""Spreadsheets: CSV → XLSX and XLSX → CSV on generated class data of 30 columns.

Run: .venv/bin/python -m bench.bench_sheets [--quick]   (or `make bench`, which runs every section)

A realistic size (5,000 rows) and a large one (100,000 rows), generated deterministically
in a temporary folder; the XLSX → CSV input is the workbook CSV → XLSX made. Each run is a
fresh Python process, so imports and caches are paid every time and one run's memory never
hides another's. The table shows rows per second and the peak memory of the process that
did the work; the first row is that process with imports only. Nothing here asserts on time.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bench._measure import (
    COLUMNS,
    MEDIAN_NOTE,
    Inputs,
    Row,
    inputs_for,
    measure_row,
    print_section,
    script_main,
    task,
)

SECTION = "sheets"
SIZES = (5_000, 100_000)
QUICK_SIZES = (1_000,)


@task("sheets")
def imports_only() -> dict[str, Any]:
    """Nothing: the process with the spreadsheet modules imported, as a baseline."""
    return {"units": 0, "size": "-"}


@task("sheets")
def csv_to_xlsx_task(src: str, out: str) -> dict[str, Any]:
    """Convert a CSV to a formatted workbook."""
    from sheets import csv_to_xlsx

    result = csv_to_xlsx(Path(src), Path(out))
    return {"units": result.rows, "summary": f"XLSX {Path(out).stat().st_size / 1e6:.1f} MB"}


@task("sheets")
def xlsx_to_csv_task(src: str, out_dir: str) -> dict[str, Any]:
    """Convert a workbook's sheets to CSV."""
    from sheets import xlsx_to_csv

    result = xlsx_to_csv(Path(src), Path(out_dir))
    return {"units": result.rows}


def main(quick: bool = False, inputs: Inputs | None = None, floors: object = None) -> list[Row]:
    """Measure both conversions at each size; print and return the rows (there is no floor here)."""
    rows: list[Row] = []
    with inputs_for(inputs, quick) as made:
        baseline = measure_row(SECTION, "imports only (baseline)", "-", imports_only, [], made, unit="rows")
        baseline.units, baseline.summary = None, False
        rows.append(baseline)
        for size in QUICK_SIZES if quick else SIZES:
            source = made.csv(size)
            label = f"class data {size:,} × {COLUMNS}, CSV {source.stat().st_size / 1e6:.1f} MB"
            workbook = made.out(f"class-data-{size}.xlsx")
            rows.append(
                measure_row(SECTION, "CSV → XLSX", label, csv_to_xlsx_task, [source, workbook], made, "rows")
            )
            label = f"class data {size:,} × {COLUMNS}, XLSX {workbook.stat().st_size / 1e6:.1f} MB"
            folder = made.out(f"csv-{size}")
            rows.append(
                measure_row(SECTION, "XLSX → CSV", label, xlsx_to_csv_task, [workbook, folder], made, "rows")
            )
            shutil.rmtree(folder, ignore_errors=True)
        print_section("Spreadsheets: CSV → XLSX and XLSX → CSV", rows, MEDIAN_NOTE.format(runs=made.runs))
    return rows


if __name__ == "__main__":
    script_main(main, __doc__)
