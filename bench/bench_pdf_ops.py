"""Benchmark of the Merge & arrange operations: page numbers, split into single pages, compress.

Run: .venv/bin/python bench/bench_pdf_ops.py

Each measurement runs the operation in a fresh Python process, three times; the
table shows the median wall time of that process (imports included), the time of
the operation alone, pages per second of the whole process, and the peak
resident memory of the process. A small runner process starts each one and reads
its peak from getrusage(RUSAGE_CHILDREN), which then covers that process alone.
Nothing here asserts on time.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "pdf"
RUNS = 3
GENERATED_PAGES = 1000
SCAN_DPI = 72


def run_one(operation: str, src: Path, out: Path) -> None:
    """Grandchild: run one operation and print its timing and a summary as JSON."""
    sys.path.insert(0, str(ROOT))
    start = time.perf_counter()
    if operation == "page numbers":
        from worker.pdf.stamp import StampSpec, stamp

        stamped = stamp(src, out, StampSpec())
        pages, summary = stamped.pages, f"{stamped.stamped_pages} pages numbered"
    elif operation == "split per page":
        from worker.pdf.split import split

        parts = split(src, out)
        pages, summary = parts.source_pages, f"{parts.files} files, ZIP {out.stat().st_size / 1024**2:.0f} MB"
    else:
        from pypdf import PdfReader

        from worker.pdf.compress import compress

        dpi = SCAN_DPI if operation.startswith("compress, images") else None
        packed = compress(src, out, image_dpi=dpi)
        pages = len(PdfReader(out).pages)
        kept = ", original kept" if packed.kept_original else ""
        summary = (
            f"{packed.before_bytes / 1024:.0f} → {packed.after_bytes / 1024:.0f} KB, "
            f"{packed.images_downsampled} images{kept}"
        )
    seconds = time.perf_counter() - start
    print(json.dumps({"work": seconds, "pages": pages, "summary": summary}))


def run_measured(operation: str, src: Path, out: Path) -> None:
    """Child: start the grandchild, then report its wall time and peak memory (kilobytes on Linux)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--one", operation, str(src), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    child = json.loads(done.stdout.strip().splitlines()[-1])
    child["wall"] = wall
    child["peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(child))


def measure(operation: str, src: Path, out: Path) -> dict:
    """Median of RUNS fresh processes."""
    runs = []
    for _ in range(RUNS):
        done = subprocess.run(
            [sys.executable, __file__, "--measured", operation, str(src), str(out)],
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        "pages": runs[0]["pages"],
        "wall": statistics.median(r["wall"] for r in runs),
        "work": statistics.median(r["work"] for r in runs),
        "peak": statistics.median(r["peak_mb"] for r in runs),
        "summary": runs[0]["summary"],
    }


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.bench_impose import make_text_pdf

    with tempfile.TemporaryDirectory(prefix="bench-pdf-ops-") as tmp:
        scratch = Path(tmp)
        generated = make_text_pdf(scratch / "generated-1000.pdf", GENERATED_PAGES)
        manual = ("KOMA-Script manual (scrguide-en.pdf)", CORPUS / "scrguide-en.pdf")
        made = (f"generated text PDF, {GENERATED_PAGES:,} pages", generated)
        scan = (
            "scan with OCR (Seige_of_Vicksburg_Sample_OCR.pdf)",
            CORPUS / "Seige_of_Vicksburg_Sample_OCR.pdf",
        )
        cases = [
            ("page numbers", manual, "out.pdf"),
            ("page numbers", made, "out.pdf"),
            ("split per page", manual, "out.zip"),
            ("split per page", made, "out.zip"),
            ("compress, lossless", scan, "out.pdf"),
            (f"compress, images {SCAN_DPI} dpi", scan, "out.pdf"),
        ]
        header = (
            f"{'operation':<24} {'input':<52} {'pages':>6} {'process s':>9} {'work s':>7} "
            f"{'pages/s':>8} {'peak MB':>8}  result"
        )
        print(f"median of {RUNS} fresh processes each; 'process s' is the whole process, imports included")
        print(header)
        print("-" * len(header))
        for operation, (label, path), out_name in cases:
            if not path.is_file():
                print(f"skipped {operation} on {label}: the corpus is not present in this clone")
                continue
            row = measure(operation, path, scratch / out_name)
            rate = row["pages"] / row["wall"]
            print(
                f"{operation:<24} {label:<52} {row['pages']:>6} {row['wall']:>9.2f} {row['work']:>7.2f} "
                f"{rate:>8.0f} {row['peak']:>8.0f}  {row['summary']}"
            )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] in ("--one", "--measured"):
        runner = run_one if sys.argv[1] == "--one" else run_measured
        runner(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        main()
