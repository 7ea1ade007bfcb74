"""Every benchmark in one run: each section's own table, then one summary of where the product stands.

Run: make bench   (or .venv/bin/python -m bench.run_all [--quick] [--only SECTION,...] [--no-install])

Sections: the queue, merge and arrange, handouts (4 per sheet, booklet), page numbers /
split / compress, spreadsheets, class sets (when bench/bench_class_sets.py exists), the
Jobs page, upload, printing over IPP, and the reference floor (qpdf on the same PDFs; installed with apt-get
when missing, unless --no-install). Inputs are generated deterministically into one
temporary folder, shared by the sections and removed at the end. `--quick` runs a smaller
set once each, as a smoke check. Nothing here asserts on time; a section that fails is
reported and the others still run (the exit status is then 1).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from bench._measure import ROOT, Inputs, Row, format_table
from bench.bench_floor import Floors

# (name, module): run in this order; the floor comes last, once the other rows name their inputs.
SECTIONS = (
    ("queue", "bench.bench_queue"),
    ("merge", "bench.bench_merge"),
    ("handouts", "bench.bench_impose"),
    ("pdf", "bench.bench_pdf_ops"),
    ("sheets", "bench.bench_sheets"),
    ("class-sets", "bench.bench_class_sets"),
    ("jobs-page", "bench.bench_jobs_page"),
    ("upload", "bench.bench_upload"),
    ("convert", "bench.bench_convert"),
    ("browser", "bench.bench_browser"),
    ("printing", "bench.bench_printing"),
    ("cost", "bench.bench_cost"),
    ("savers", "bench.bench_savers"),
    ("thumbnails", "bench.bench_thumbnails"),
    ("floor", "bench.bench_floor"),
)
OPTIONAL = {"class-sets"}  # another engineer's script: run when it exists
USES_FLOOR = {"merge", "handouts", "pdf", "class-sets", "floor"}


def describe_machine() -> str:
    """Commit, Python, CPUs and system, for the top of the report."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return (
        f"commit {commit}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.machine()}"
    )


def call_section(module: Any, quick: bool, inputs: Inputs, floors: Floors | None) -> list[Row]:
    """Run a section's main with the arguments it accepts; its rows (none if it returns other things)."""
    offered = {"quick": quick, "inputs": inputs, "floors": floors}
    accepted = inspect.signature(module.main).parameters
    rows = module.main(**{name: value for name, value in offered.items() if name in accepted})
    if isinstance(rows, list) and all(isinstance(row, Row) for row in rows):
        return rows
    return []


def run(quick: bool, only: set[str] | None, install: bool) -> int:
    """Run the chosen sections, then print the summary; 1 when a section failed."""
    started = time.perf_counter()
    print("# Teacher Printer benchmarks\n")
    print(describe_machine())
    print(f"mode: {'quick (a smoke check, one run each)' if quick else 'full (median of 3 runs)'}")
    rows: list[Row] = []
    notes: list[str] = []
    failed = False
    floors: Floors | None = None
    with tempfile.TemporaryDirectory(prefix="tp-bench-") as folder:
        inputs = Inputs(Path(folder), quick)
        for name, module_name in SECTIONS:
            if only is not None and name not in only:
                continue
            if name in OPTIONAL and importlib.util.find_spec(module_name) is None:
                notes.append(f"{name}: skipped, {module_name.replace('.', '/')}.py is not present")
                continue
            section_start = time.perf_counter()
            try:
                module = importlib.import_module(module_name)
                if name in OPTIONAL:
                    print(f"\n## {name} ({module_name.replace('.', '/')}.py)\n")
                if name in USES_FLOOR and floors is None:
                    floors = Floors.setup(inputs, install)
                got = call_section(module, quick, inputs, floors)
            except Exception:
                failed = True
                traceback.print_exc()
                notes.append(f"{name}: FAILED ({traceback.format_exc().strip().splitlines()[-1]})")
                continue
            if not got and name in OPTIONAL:
                notes.append(f"{name}: see its own table (its main returned no rows for the summary)")
            rows += got
            if name != "floor":  # the floor was measured inside the PDF sections
                print(f"\n({name}: {time.perf_counter() - section_start:.0f} s)", flush=True)
    print_summary(rows, notes, time.perf_counter() - started)
    return 1 if failed else 0


def print_summary(rows: list[Row], notes: list[str], seconds: float) -> None:
    """The one table of every section's main rows, the notes, and the total time."""
    print("\n## Summary\n")
    print(
        "median s: median of fresh processes, imports included (the queue and the Jobs page: the "
        "operation itself); units/s: per median second; peak MB: peak resident memory of the process "
        "doing the work; vs floor: our median over qpdf's on the same files (the queue: over bare RQ).\n"
    )
    print(format_table([row for row in rows if row.summary]))
    skips = [
        f"{row.operation} on {row.input}: {row.note}" for row in rows if row.note and row.seconds is None
    ]
    for note in [*notes, *skips]:
        print(f"- {note}")
    minutes, rest = divmod(round(seconds), 60)
    print(f"\nTotal wall time: {minutes} min {rest:02d} s ({seconds:.0f} s)", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller set, one run each (under 2 minutes)")
    parser.add_argument("--only", help="comma-separated sections: " + ", ".join(name for name, _ in SECTIONS))
    parser.add_argument(
        "--no-install", action="store_true", help="do not apt-get install qpdf when it is missing"
    )
    args = parser.parse_args(argv)
    only = None
    if args.only:
        only = {name.strip() for name in args.only.split(",") if name.strip()}
        unknown = only - {name for name, _ in SECTIONS}
        if unknown:
            parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)
    return run(args.quick, only, install=not args.no_install)


if __name__ == "__main__":
    sys.exit(main())
