"""Shared benchmark helpers: measure in fresh processes, print tables, make deterministic inputs.

Every measurement runs in a fresh Python process (`python -m bench._measure MODULE:TASK ARGS`),
so imports and caches are paid every time and one run's memory never hides another's. The
peak memory of each process comes from `os.wait4`'s rusage for that one child (taken by a
small launcher, see `_LAUNCHER`); the process-wide `getrusage(RUSAGE_CHILDREN)` would give
the largest of all children so far.
Only the standard library is imported at the top, so a task process starts light.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import importlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3  # fresh processes per measurement; the tables show the median
QUICK_RUNS = 1
MANUAL = "scrguide-en.pdf"  # the 566-page KOMA-Script manual of the shared corpus
MANUAL_LABEL = "KOMA-Script manual (scrguide-en.pdf)"
GENERATED_PAGES = 1000
QUICK_PAGES = 100

SUMMARY_COLUMNS = ("operation", "input", "size", "median s", "units/s", "peak MB", "vs floor")
SECTION_COLUMNS = (
    "operation", "input", "size", "median s", "work s", "units/s", "peak MB", "vs floor", "result",
)  # fmt: skip
_LEFT = {"operation", "input", "size", "result"}


class MeasureError(RuntimeError):
    """A measured process failed; the message carries the end of its error output."""


def runs_for(quick: bool) -> int:
    """Fresh processes per measurement: several for the real run, one for a smoke check."""
    return QUICK_RUNS if quick else RUNS


def corpus_pdf(name: str) -> Path | None:
    """A PDF of the shared corpus (CORPUS_DIR, else ../shared/corpus), or None where it is absent."""
    configured = os.environ.get("CORPUS_DIR")
    folder = Path(configured) if configured else ROOT.parent / "shared" / "corpus"
    path = folder / "pdf" / name
    return path if path.is_file() else None


def say(text: str) -> None:
    """A progress line on stderr, so that stdout holds only the tables."""
    print(f"  … {text}", file=sys.stderr, flush=True)


# -- fresh-process measurements ------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """Medians over fresh processes: whole-process and work seconds, the largest peak, the result."""

    wall: float  # median seconds of the whole process (interpreter start and imports included)
    work: float | None  # median seconds of the task alone (None for a command)
    peak_mb: float  # the largest peak resident memory of any run's process
    result: dict[str, Any]  # what the task returned, from the last run
    runs: int


# A tiny Python that starts the measured process and reports that process's own rusage.
# On Linux a process's ru_maxrss starts from the resident size of whatever exec'd it (the
# memory of the process it was forked from counts until exec), so a child started straight
# from a large harness would report at least the harness's size. Forked from this small
# launcher instead, its figure is its own.
_LAUNCHER = r"""
import json, os, sys, time
argv, report = json.loads(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(report, "w") as handle:
    json.dump({"wall": wall, "code": os.waitstatus_to_exitcode(status), "maxrss": usage.ru_maxrss}, handle)
"""


def _peak_mb(maxrss: int) -> float:
    """ru_maxrss in megabytes (kilobytes on Linux, bytes on macOS)."""
    return maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def run_once(
    argv: Sequence[str], env: dict[str, str] | None = None, ok_codes: Sequence[int] = (0,)
) -> tuple[float, str, float]:
    """Run `argv` once from the project folder: its wall seconds, its stdout, and its own peak MB."""
    program = shutil.which(argv[0]) or argv[0]
    with tempfile.TemporaryFile() as errors, tempfile.TemporaryDirectory(prefix="tp-bench-run-") as folder:
        report = Path(folder) / "rusage.json"
        launcher = [
            sys.executable,
            "-I",
            "-S",
            "-c",
            _LAUNCHER,
            json.dumps([program, *argv[1:]]),
            str(report),
        ]
        done = subprocess.run(
            launcher,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
            check=False,
        )
        usage = json.loads(report.read_text()) if report.is_file() else {"code": done.returncode}
        if done.returncode or usage["code"] not in ok_codes:
            errors.seek(0)
            tail = errors.read().decode(errors="replace")[-3000:]
            raise MeasureError(f"{' '.join(map(str, argv[:4]))} … exited with {usage['code']}:\n{tail}")
    return usage["wall"], done.stdout.decode(errors="replace"), _peak_mb(usage["maxrss"])


def measure_command(
    argv: Sequence[str], runs: int, env: dict[str, str] | None = None, ok_codes: Sequence[int] = (0,)
) -> Measurement:
    """Run a command `runs` times: median wall seconds and the largest peak memory."""
    walls, peaks = [], []
    for _ in range(runs):
        wall, _, peak = run_once(argv, env, ok_codes)
        walls.append(wall)
        peaks.append(peak)
    return Measurement(statistics.median(walls), None, max(peaks), {}, runs)


def task(*imports: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a function as runnable by `measure_task`; `imports` are loaded before its clock starts."""

    def mark(func: Callable[..., Any]) -> Callable[..., Any]:
        func.bench_imports = imports  # type: ignore[attr-defined]
        return func

    return mark


def _target(func: Callable[..., Any]) -> str:
    """MODULE:NAME of a task, as a fresh process imports it (also when its script runs as __main__)."""
    module = sys.modules[func.__module__]
    path = Path(module.__file__ or "").resolve()
    dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return f"{dotted}:{func.__qualname__}"


def measure_task(
    func: Callable[..., Any], *args: Any, runs: int, env: dict[str, str] | None = None
) -> Measurement:
    """Run task `func(*args)` (JSON arguments) in `runs` fresh processes: medians, peak, result."""
    argv = [sys.executable, "-m", "bench._measure", _target(func), json.dumps(_jsonable(list(args)))]
    walls, works, peaks = [], [], []
    result: dict[str, Any] = {}
    for _ in range(runs):
        wall, out, peak = run_once(argv, env)
        lines = [line for line in out.splitlines() if line.startswith('{"work"')]
        if not lines:
            raise MeasureError(f"{argv[3]} printed no result:\n{out[-2000:]}")
        reply = json.loads(lines[-1])
        walls.append(wall)
        works.append(reply["work"])
        peaks.append(peak)
        result = reply["result"]
    return Measurement(statistics.median(walls), statistics.median(works), max(peaks), result, runs)


def _jsonable(value: Any) -> Any:
    """Paths as text, tuples as lists: arguments a fresh process can read back from JSON."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _run_task(target: str, args_json: str) -> None:
    """In the fresh process: import the task and its modules, then time the call alone."""
    module_name, name = target.split(":")
    func = getattr(importlib.import_module(module_name), name)
    for module in getattr(func, "bench_imports", ()):
        importlib.import_module(module)
    args = json.loads(args_json)
    start = time.perf_counter()
    result = func(*args)
    work = time.perf_counter() - start
    print(json.dumps({"work": work, "result": result or {}}), flush=True)


# -- rows and tables -----------------------------------------------------------------


@dataclass
class Row:
    """One measured operation on one input, as the tables show it."""

    section: str
    operation: str
    input: str
    size: str
    seconds: float | None  # median seconds (whole process unless the section says otherwise)
    units: float | None = None  # pages, rows, MB or jobs handled
    unit: str = ""
    peak_mb: float | None = None
    work: float | None = None
    floor_seconds: float | None = None
    floor_name: str = ""
    floor_key: tuple[str, ...] = ()  # the PDF files whose qpdf rewrite is this row's floor
    result: str = ""
    note: str = ""  # why the row was skipped, or a caveat
    summary: bool = True  # also shown in the summary table

    @property
    def rate(self) -> float | None:
        """Units per second of the median time."""
        if self.units is None or not self.seconds:
            return None
        return self.units / self.seconds

    @property
    def ratio(self) -> float | None:
        """Our median time over the floor's."""
        if self.seconds is None or not self.floor_seconds:
            return None
        return self.seconds / self.floor_seconds

    def cells(self) -> dict[str, str]:
        """The row's values as table text."""
        rate, ratio = self.rate, self.ratio
        return {
            "operation": self.operation,
            "input": self.input,
            "size": self.size,
            "median s": _seconds(self.seconds),
            "work s": _seconds(self.work),
            "units/s": "-" if rate is None else f"{_number(rate)} {self.unit}/s",
            "peak MB": "-" if self.peak_mb is None else f"{self.peak_mb:.0f}",
            "vs floor": "-" if ratio is None else f"{ratio:.1f}× {self.floor_name}",
            "result": self.result or self.note,
        }


def skipped(section: str, operation: str, input_label: str, why: str) -> Row:
    """A row that could not be measured, with the reason."""
    return Row(section, operation, input_label, "-", None, note=f"skipped: {why}")


def measure_row(
    section: str,
    operation: str,
    label: str,
    func: Callable[..., Any],
    args: Sequence[Any],
    inputs: Inputs,
    unit: str = "pages",
    floor_key: Sequence[Path] = (),
) -> Row:
    """Measure task `func(*args)` on `inputs.runs` fresh processes as one table row.

    The task returns {"units": count} (pages, rows…), and may add "size" and "summary" texts.
    """
    say(f"{operation}: {label} ({inputs.runs} run{'s' if inputs.runs > 1 else ''})")
    done = measure_task(func, *args, runs=inputs.runs)
    units = done.result.get("units")
    size = done.result.get("size") or (f"{units:,} {unit}" if units is not None else "-")
    return Row(
        section,
        operation,
        label,
        size,
        done.wall,
        units,
        unit,
        done.peak_mb,
        done.work,
        floor_key=tuple(str(path) for path in floor_key),
        result=done.result.get("summary", ""),
    )


CORPUS_ABSENT = "the shared corpus is not present in this clone"


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if value < 1 else f"{value:.2f}"


def _number(value: float) -> str:
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


def format_table(rows: Sequence[Row], columns: Sequence[str] = SUMMARY_COLUMNS) -> str:
    """A Markdown table of `rows` with `columns` (text left-aligned, figures right-aligned)."""
    cells = [row.cells() for row in rows]
    widths = {c: max([len(c), *(len(cell[c]) for cell in cells)]) for c in columns}

    def line(values: dict[str, str]) -> str:
        parts = [values[c].ljust(widths[c]) if c in _LEFT else values[c].rjust(widths[c]) for c in columns]
        return "| " + " | ".join(parts) + " |"

    rule = "|" + "|".join("-" * (widths[c] + 2) for c in columns) + "|"
    return "\n".join([line({c: c for c in columns}), rule, *(line(cell) for cell in cells)])


def print_section(title: str, rows: Sequence[Row], explain: str = "") -> None:
    """A section's own table, with its notes below."""
    print(f"\n## {title}\n")
    if explain:
        print(f"{explain}\n")
    columns = [c for c in SECTION_COLUMNS if c != "result" or any(r.result or r.note for r in rows)]
    print(format_table(rows, columns), flush=True)


MEDIAN_NOTE = (
    "median s: the whole fresh process (interpreter start and imports included); work s: the "
    "operation alone; peak MB: the largest peak resident memory of that process over {runs} run(s)."
)


# -- deterministic inputs ------------------------------------------------------------

WORDS = [
    "fraction", "numerator", "denominator", "equal", "share", "whole", "half", "quarter", "third",
    "pupil", "teacher", "worksheet", "answer", "question", "solve", "explain", "compare", "order",
    "add", "subtract", "multiply", "divide", "simplify", "mixed", "number", "improper", "decimal",
    "percent", "ratio", "pattern", "diagram", "shade", "circle", "line", "check",
]  # fmt: skip
FIRST = ["Zoë", "José", "Amélie", "Łukasz", "Siobhán", "Noah", "Aarav", "Chloé", "Mia", "Björn"]
LAST = ["Brontë", "García", "Nowak", "O'Brien", "Müller", "Smith", "Dubois", "Núñez", "Øster", "Kaya"]
COLUMNS = 30


def make_text_pdf(path: Path, pages: int, seed: int = 20261129, title: str = "Worksheet") -> Path:
    """A deterministic text-only PDF: `pages` A4 pages of 40 lines of words each."""
    from fpdf import FPDF

    rng = random.Random(seed)
    pdf = FPDF(format="A4")
    pdf.set_creation_date(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", size=10)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("helvetica", "B", 14)
        pdf.text(20, 20, f"{title} page {number}")
        pdf.set_font("helvetica", size=10)
        for line in range(40):
            pdf.text(20, 32 + line * 6.3, " ".join(rng.choice(WORDS) for _ in range(14)))
    pdf.output(str(path))
    return path


def make_csv(path: Path, rows: int, columns: int = COLUMNS) -> Path:
    """A deterministic class-data CSV: IDs with leading zeros, accents, dates, marks, notes."""
    rng = random.Random(20261129)
    start = dt.date(2010, 9, 1)
    kinds = ["id", "first", "last", "dmy", "int", "float", "note", "iso", "gap", "bool"]
    header = [f"{kinds[i % len(kinds)]} {i + 1}" for i in range(columns)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in range(rows):
            values: list[str] = []
            for column in range(columns):
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
    return path


def make_class_list(path: Path, students: int, seed: int = 20261129) -> Path:
    """A deterministic class list CSV: first name, surname, class, with accents and apostrophes."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First name", "Surname", "Class"])
        for number in range(students):
            first = f"{rng.choice(FIRST)} {number + 1}" if students > len(FIRST) else FIRST[number]
            writer.writerow([first, rng.choice(LAST), f"{7 + number % 5}{'ABC'[number % 3]}"])
    return path


class Inputs:
    """Deterministic input files, each made on first use and kept in `folder` for the whole run."""

    def __init__(self, folder: Path, quick: bool = False) -> None:
        self.folder = folder
        self.quick = quick
        self.runs = runs_for(quick)
        self._made: dict[str, Path] = {}

    def _once(self, name: str, make: Callable[[Path], Any]) -> Path:
        if name not in self._made:
            path = self.folder / "inputs" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            say(f"making {name}")
            make(path)
            self._made[name] = path
        return self._made[name]

    def text_pdf(self, pages: int, seed: int = 20261129, title: str = "Worksheet") -> Path:
        """A generated text PDF of `pages` pages."""
        name = f"text-{pages}p-{seed}.pdf"
        return self._once(name, lambda path: make_text_pdf(path, pages, seed, title))

    def worksheets(self, count: int, pages: int) -> list[Path]:
        """`count` different generated worksheets of `pages` pages each."""
        return [self.text_pdf(pages, seed=n, title=f"Worksheet {n}") for n in range(1, count + 1)]

    def csv(self, rows: int) -> Path:
        """A generated class-data CSV of `rows` rows × 30 columns."""
        return self._once(f"class-data-{rows}.csv", lambda path: make_csv(path, rows))

    def class_list(self, students: int) -> Path:
        """A generated class list of `students` students."""
        return self._once(f"class-list-{students}.csv", lambda path: make_class_list(path, students))

    def out(self, name: str) -> Path:
        """A path for an output file (the same for every run of one measurement)."""
        path = self.folder / "out" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def pdf_cases(self) -> list[tuple[str, Path | None]]:
        """The single PDFs every PDF operation runs on: the real manual and a large generated one."""
        if self.quick:
            return [(f"generated text PDF, {QUICK_PAGES} pages", self.text_pdf(QUICK_PAGES))]
        return [
            (MANUAL_LABEL, corpus_pdf(MANUAL)),
            (f"generated text PDF, {GENERATED_PAGES:,} pages", self.text_pdf(GENERATED_PAGES)),
        ]


@contextlib.contextmanager
def inputs_for(given: Inputs | None, quick: bool) -> Iterator[Inputs]:
    """The harness's shared inputs, or (for a script run alone) a temporary set removed afterwards."""
    if given is not None:
        yield given
        return
    folder = Path(tempfile.mkdtemp(prefix="tp-bench-"))
    try:
        yield Inputs(folder, quick)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def script_main(main: Callable[..., Any], doc: str | None) -> None:
    """Run a section alone: `python -m bench.bench_x [--quick]`."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller set, one run each (a smoke check)")
    args = parser.parse_args()
    main(quick=args.quick)


if __name__ == "__main__":
    _run_task(sys.argv[1], sys.argv[2])
