"""Benchmark of the Class sets job: its four steps, end to end, on generated worksheets and class lists.

Run: .venv/bin/python -m bench.bench_class_sets

Each measurement runs the job's own step functions (read the class list, make the
named copies, assemble the print file, package the ZIP and checklist) in a fresh
Python process against a scratch DATA_DIR, three times; the table shows the median
time of the steps, the pages of the print file per second, and the peak resident
memory of that process (from os.wait4). No Redis is involved: only the work.

For comparison, the "stamp() per copy" row makes the same 30 copies the obvious way,
one full `pdf.stamp.stamp` run (clone the worksheet, typeset the name) per
student, without assembling or packaging. Nothing here asserts on time.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3
CASES = [
    # (label, students, worksheet pages, approach)
    ("30 students × 12 pages", 30, 12, "template"),
    ("300 students × 4 pages", 300, 4, "template"),
    ("30 students × 12 pages", 30, 12, "stamp"),
]
FIRST = ["Anna", "Zoë", "Łukasz", "Søren", "Ödön", "Пётр", "Дарья", "Νίκος", "Ελένη", "Minh Khai", "Thị Lan"]
LAST = ["Smith", "Ångström", "Wąsowski", "Kovács", "Иванова", "Παπαδόπουλος", "Nguyễn", "Trần", "O'Brien"]


def make_worksheet(path: Path, pages: int) -> Path:
    """A deterministic worksheet in an embedded font: a heading, 25 questions and answer lines per page."""
    from fpdf import FPDF

    from core.fonts import text_font

    pdf = FPDF()
    pdf.add_font("sheet", fname=str(text_font()))
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("sheet", size=16)
        pdf.cell(0, 12, f"Fractions — page {number}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("sheet", size=11)
        for line in range(1, 26):
            pdf.cell(0, 8, f"{line}. Work out {line}/{line + 3} + {number}/{line + 7} and simplify.")
            pdf.ln(8)
            pdf.line(150, pdf.get_y() - 2, 195, pdf.get_y() - 2)
    pdf.output(str(path))
    return path


def make_class_list(path: Path, students: int) -> Path:
    """A deterministic CSV class list with names in several scripts and a class column."""
    rows = ["First name,Surname,Class"]
    for n in range(students):
        rows.append(f"{FIRST[n % len(FIRST)]},{LAST[(n * 7) % len(LAST)]} {n},{7 + n % 5}{'ABC'[n % 3]}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def run_one(approach: str, students: int, pages: int, scratch: Path) -> None:
    """Child: make the inputs, run the work, print the timing and sizes as JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ["DATA_DIR"] = str(scratch / "data")
    worksheet = make_worksheet(scratch / "Fractions.pdf", pages)
    class_list = make_class_list(scratch / "class.csv", students)
    if approach == "stamp":
        from pdf.marks import StampSpec
        from pdf.stamp import stamp
        from sheets.classlist import ListSpec, read_class_list

        start = time.perf_counter()
        found = read_class_list(
            class_list, ListSpec(first_name_column="First name", surname_column="Surname")
        )
        for number, student in enumerate(found.students):
            spec = StampSpec(text=student.display, position="top-right", font_size=11, margin_mm=6)
            stamp(worksheet, scratch / f"copy-{number}.pdf", spec)
        seconds = time.perf_counter() - start
        print(json.dumps({"work": seconds, "pages": students * pages, "print_mb": 0, "zip_mb": 0}))
        return

    from core.progress import no_progress
    from storage.config import load_config
    from storage.files import FileStore
    from storage.jobs import JobRecord, StepRecord
    from worker.kinds.class_sets import PIPELINE
    from worker.steps import StepContext

    files = FileStore(load_config())
    inputs = []
    for path, role in ((worksheet, "worksheet"), (class_list, "class_list")):
        with open(path, "rb") as fh:
            stored = files.save_upload(fh, path.name)
        inputs.append({"ref": stored.ref, "name": stored.name, "role": role})
    options = {
        "first_name_column": "First name",
        "surname_column": "Surname",
        "class_column": "Class",
        "duplex": True,
        "date_text": "12 Mar 2026",
    }
    record = JobRecord(
        id="0123456789abcdef",
        kind="class_sets",
        title="bench",
        owner="bench",
        created_at=0.0,
        steps=[StepRecord(s.name, s.label, s.weight) for s in PIPELINE.steps],
        inputs=inputs,
        options=options,
    )
    outputs: list[Path] = []
    start = time.perf_counter()
    for index, step in enumerate(PIPELINE.steps):
        result = step.run(StepContext.for_step(PIPELINE, record, index, files, no_progress))
        record.steps[index].result = result.data
        outputs.extend(path for path, _ in result.outputs)
    seconds = time.perf_counter() - start
    printed = record.steps[2].result["pages"]
    sizes = {path.suffix: path.stat().st_size / 1024**2 for path in outputs}
    print(json.dumps({"work": seconds, "pages": printed, "print_mb": sizes[".pdf"], "zip_mb": sizes[".zip"]}))


def measure(approach: str, students: int, pages: int) -> dict:
    """Median of RUNS fresh processes; peak memory of each from os.wait4."""
    runs = []
    for _ in range(RUNS):
        with (
            tempfile.TemporaryDirectory(prefix="bench-class-sets-") as tmp,
            open(Path(tmp) / "out", "w+") as out,
        ):
            command = [sys.executable, __file__, "--one", approach, str(students), str(pages), tmp]
            start = time.perf_counter()
            process = subprocess.Popen(command, stdout=out)
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - start
            if status != 0:
                raise SystemExit(f"{approach} {students}×{pages} failed (status {status})")
            out.seek(0)
            row = json.loads(out.read().strip().splitlines()[-1])
            row["wall"] = wall
            row["peak_mb"] = usage.ru_maxrss / 1024
            runs.append(row)
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    header = (
        f"{'case':<24} {'approach':<28} {'pages out':>9} {'seconds':>8} {'pages/s':>8} "
        f"{'process s':>9} {'peak MB':>8} {'print MB':>8} {'ZIP MB':>7}"
    )
    print(
        f"median of {RUNS} fresh processes each; 'seconds' is the job's steps alone, "
        "'process s' the whole process (imports and making the inputs included)"
    )
    print(header)
    print("-" * len(header))
    for label, students, pages, approach in CASES:
        row = measure(approach, students, pages)
        words = "template + updates (the job)" if approach == "template" else "stamp() per copy (copies only)"
        print(
            f"{label:<24} {words:<28} {row['pages']:>9,.0f} {row['work']:>8.2f} "
            f"{row['pages'] / row['work']:>8,.0f} {row['wall']:>9.2f} {row['peak_mb']:>8.0f} "
            f"{row['print_mb']:>8.2f} {row['zip_mb']:>7.2f}"
        )


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--one":
        run_one(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]))
    else:
        main()
