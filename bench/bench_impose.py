"""Benchmark of the Handouts operations: 4 per sheet and booklet, on real and generated PDFs.

Run: .venv/bin/python bench/bench_impose.py

Each measurement runs in a fresh Python process (so imports and peak memory are
those of one job), three times; the table shows the median wall time of the
whole process, the time of the operation alone, and the process's peak memory.
Nothing here asserts on time.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "pdf"
RUNS = 3
GENERATED_PAGES = 1000

WORDS = [
    "fraction", "numerator", "denominator", "equal", "share", "whole", "half", "quarter", "third",
    "pupil", "teacher", "worksheet", "answer", "question", "solve", "explain", "compare", "order",
    "add", "subtract", "multiply", "divide", "simplify", "mixed", "number", "improper", "decimal",
    "percent", "ratio", "pattern", "diagram", "shade", "circle", "line", "check",
]  # fmt: skip


def make_text_pdf(path: Path, pages: int) -> Path:
    """A deterministic text-only PDF: `pages` A4 pages of 40 lines of words each."""
    from fpdf import FPDF

    rng = random.Random(20261129)
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", size=10)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("helvetica", "B", 14)
        pdf.text(20, 20, f"Worksheet page {number}")
        pdf.set_font("helvetica", size=10)
        for line in range(40):
            pdf.text(20, 32 + line * 6.3, " ".join(rng.choice(WORDS) for _ in range(14)))
    pdf.output(str(path))
    return path


def run_one(operation: str, src: Path, out: Path) -> None:
    """Child process: run one operation and print its timing and peak memory as JSON."""
    sys.path.insert(0, str(ROOT))
    start = time.perf_counter()
    if operation == "4 per sheet":
        from worker.pdf.impose import n_up

        result = n_up(src, out, 4)
    else:
        from worker.pdf.booklet import booklet

        result = booklet(src, out)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(json.dumps({"work": seconds, "pages": result.source_pages, "peak_mb": peak_kb / 1024}))


def measure(operation: str, src: Path, scratch: Path) -> dict[str, float]:
    """Median of RUNS fresh processes: whole-process and work seconds, pages, peak memory."""
    walls, works, peaks, pages = [], [], [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, __file__, "--one", operation, str(src), str(scratch / "out.pdf")],
            check=True,
            capture_output=True,
            text=True,
        )
        walls.append(time.perf_counter() - start)
        child = json.loads(done.stdout.strip().splitlines()[-1])
        works.append(child["work"])
        peaks.append(child["peak_mb"])
        pages = child["pages"]
    return {
        "pages": pages,
        "wall": statistics.median(walls),
        "work": statistics.median(works),
        "peak": max(peaks),
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-impose-") as tmp:
        scratch = Path(tmp)
        generated = make_text_pdf(scratch / "generated-1000.pdf", GENERATED_PAGES)
        inputs: list[tuple[str, Path | None]] = [
            ("KOMA-Script manual (scrguide-en.pdf)", CORPUS / "scrguide-en.pdf"),
            (
                "scan with OCR (Seige_of_Vicksburg_Sample_OCR.pdf)",
                CORPUS / "Seige_of_Vicksburg_Sample_OCR.pdf",
            ),
            (f"generated text PDF, {GENERATED_PAGES:,} pages", generated),
        ]
        header = f"{'operation':<12} {'input':<52} {'pages':>6} {'process s':>9} {'work s':>7} {'pages/s':>8} {'peak MB':>8}"
        print(f"median of {RUNS} fresh processes each; 'process s' is the whole process, imports included")
        print(header)
        print("-" * len(header))
        notes = []
        for operation in ("4 per sheet", "booklet"):
            for label, path in inputs:
                if path is None or not path.is_file():
                    notes.append(f"skipped {operation} on {label}: the corpus is not present in this clone")
                    continue
                row = measure(operation, path, scratch)
                rate = row["pages"] / row["wall"]
                print(
                    f"{operation:<12} {label:<52} {row['pages']:>6} {row['wall']:>9.2f} {row['work']:>7.2f} "
                    f"{rate:>8.0f} {row['peak']:>8.0f}"
                )
        for note in notes:
            print(note)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--one":
        run_one(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
