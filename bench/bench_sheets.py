"""Benchmark: CSV → XLSX and XLSX → CSV on a 100,000 × 30 class-data file.

Prints a table of rows per second (median of 3 runs) and the peak memory of
the process that did the work. Each run is a fresh Python process, so
imports and caches are paid every time and one run's memory never hides
another's. The input is generated deterministically in a temporary folder.

    .venv/bin/python bench/bench_sheets.py [--rows N] [--runs N]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = 30
FIRST = ["Zoë", "José", "Amélie", "Łukasz", "Siobhán", "Noah", "Aarav", "Chloé", "Mia", "Björn"]
LAST = ["Brontë", "García", "Nowak", "O'Brien", "Müller", "Smith", "Dubois", "Núñez", "Øster", "Kaya"]


def make_csv(path: Path, rows: int) -> None:
    """A deterministic class-data CSV: IDs with leading zeros, accents, dates, marks, notes."""
    rng = random.Random(20261129)
    start = dt.date(2010, 9, 1)
    kinds = ["id", "first", "last", "dmy", "int", "float", "note", "iso", "gap", "bool"]
    header = [f"{kinds[i % len(kinds)]} {i + 1}" for i in range(COLUMNS)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in range(rows):
            values: list[str] = []
            for column in range(COLUMNS):
                kind = kinds[column % len(kinds)]
                if kind == "id":
                    values.append(f"{row * 7 + column:07d}")
                elif kind == "first":
                    values.append(rng.choice(FIRST))
                elif kind == "last":
                    values.append(rng.choice(LAST))
                elif kind == "dmy":
                    values.append((start + dt.timedelta(days=rng.randrange(3000))).strftime("%d/%m/%Y"))
                elif kind == "int":
                    values.append(str(rng.randrange(101)))
                elif kind == "float":
                    values.append(f"{rng.uniform(-50, 100):.2f}")
                elif kind == "note":
                    values.append(rng.choice(["absent", "late, with note", 'said "hi"', "-", "=1+1", ""]))
                elif kind == "iso":
                    values.append((start + dt.timedelta(days=rng.randrange(3000))).isoformat())
                elif kind == "gap":
                    values.append("" if rng.random() < 0.3 else str(rng.randrange(1000)))
                else:
                    values.append(rng.choice(["TRUE", "FALSE"]))
            writer.writerow(values)


def child(operation: str, source: str, target: str) -> None:
    """Run one conversion in this process and print its wall time as JSON."""
    sys.path.insert(0, str(ROOT))
    from worker.sheets import csv_to_xlsx, xlsx_to_csv

    started = time.perf_counter()
    if operation == "csv-xlsx":
        result = csv_to_xlsx(Path(source), Path(target))
    elif operation == "xlsx-csv":
        result = xlsx_to_csv(Path(source), Path(target))
    else:
        result = None
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": result.rows if result else 0}))


def measure(operation: str, source: Path, target: Path) -> tuple[float, float]:
    """Seconds and peak memory (MB) of one run in a fresh process."""
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", operation, str(source), str(target)],
        stdout=subprocess.PIPE,
        text=True,
    )
    out = process.stdout.read() if process.stdout else ""
    # wait4 reports the ru_maxrss of this one child; getrusage(RUSAGE_CHILDREN) gives the
    # largest of all children so far, which would let an earlier run mask a later one.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{operation} failed with exit code {process.returncode}")
    return json.loads(out)["seconds"], usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("OPERATION", "SOURCE", "TARGET"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="bench-sheets-") as folder:
        work = Path(folder)
        source_csv = work / "class-data.csv"
        make_csv(source_csv, args.rows)
        made_xlsx = work / "class-data.xlsx"
        measure("csv-xlsx", source_csv, made_xlsx)
        cases = [
            ("imports only (baseline)", "none", source_csv, work / "none"),
            ("CSV → XLSX", "csv-xlsx", source_csv, work / "out.xlsx"),
            ("XLSX → CSV", "xlsx-csv", made_xlsx, work / "csv-out"),
        ]
        print(
            f"input: {args.rows:,} rows × {COLUMNS} columns; CSV {source_csv.stat().st_size / 1e6:.1f} MB, "
            f"XLSX {made_xlsx.stat().st_size / 1e6:.1f} MB; median of {args.runs} fresh processes"
        )
        print(f"{'operation':<26} {'median s':>9} {'rows/s':>10} {'peak MB':>9}")
        for label, operation, source, target in cases:
            runs = [measure(operation, source, target) for _ in range(args.runs)]
            seconds = statistics.median(run[0] for run in runs)
            peak = max(run[1] for run in runs)
            rate = f"{args.rows / seconds:,.0f}" if operation != "none" else "-"
            print(f"{label:<26} {seconds:>9.2f} {rate:>10} {peak:>9.0f}")


if __name__ == "__main__":
    main()
