"""The reference floor: qpdf rewriting (or, for several files, merging) the same PDFs.

Run: .venv/bin/python -m bench.bench_floor [--quick]   (or `make bench`, which runs every section)

qpdf is a C++ tool that parses a PDF and writes it again without touching its pages
(`qpdf in.pdf out.pdf`; `qpdf --empty --pages a.pdf b.pdf -- out.pdf` to merge). A Python
operation that reads and writes the same pages is unlikely to beat it, so the other
sections show their time as a ratio to qpdf's on the same input ("vs floor"). When qpdf
is missing, Debian's package is installed with apt-get (as root, non-interactively);
when that fails, the floor is skipped with a note. Nothing here asserts on time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from bench._measure import (
    CORPUS_ABSENT,
    MEDIAN_NOTE,
    Inputs,
    MeasureError,
    Row,
    inputs_for,
    measure_command,
    print_section,
    say,
    script_main,
    skipped,
)

SECTION = "floor"
QPDF_OK = (0, 3)  # 3: qpdf succeeded with warnings
INSTALL_TIMEOUT_S = 600


def find_qpdf(install: bool) -> tuple[str | None, str]:
    """The qpdf binary (installing Debian's package first when allowed), or None and why not."""
    found = shutil.which("qpdf")
    if found or not install:
        return found, "" if found else "qpdf is not installed (apt-get install qpdf)"
    if not shutil.which("apt-get"):
        return None, "qpdf is not installed and there is no apt-get to install it"
    if os.geteuid() == 0:
        prefix: list[str] = []
    elif shutil.which("sudo"):
        prefix = ["sudo", "-n"]
    else:
        return None, "qpdf is not installed; installing it needs root (apt-get install qpdf)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    say("qpdf is missing: installing Debian's package with apt-get")
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "qpdf"],
    ):
        try:
            done = subprocess.run(
                prefix + argv, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"installing qpdf failed: {exc}"
        if done.returncode:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            return None, f"installing qpdf failed ({' '.join(argv[:2])}: {last})"
    found = shutil.which("qpdf")
    return found, "" if found else "qpdf was installed but is not on PATH"


class Floors:
    """qpdf's time on each set of PDFs that a row names, measured once and shared by every section."""

    def __init__(self, qpdf: str | None, runs: int, scratch: Path, note: str = "") -> None:
        self.qpdf = qpdf
        self.runs = runs
        self.scratch = scratch
        self.note = note
        self._rows: dict[tuple[str, ...], Row] = {}

    @classmethod
    def setup(cls, inputs: Inputs, install: bool) -> Floors:
        """Floors for a run: qpdf as found (or installed, when `install`)."""
        qpdf, note = find_qpdf(install)
        return cls(qpdf, inputs.runs, inputs.folder / "out", note)

    def measure(self, key: Sequence[str], label: str, size: str, units: float | None) -> Row:
        """qpdf rewriting `key` (one file) or merging it (several), as a floor row."""
        key = tuple(key)
        if key in self._rows:
            return self._rows[key]
        operation = "qpdf rewrite" if len(key) == 1 else "qpdf merge"
        if self.qpdf is None:
            return skipped(SECTION, operation, label, self.note)
        self.scratch.mkdir(parents=True, exist_ok=True)
        out = str(self.scratch / f"qpdf-{len(self._rows)}.pdf")
        argv = (
            [self.qpdf, key[0], out] if len(key) == 1 else [self.qpdf, "--empty", "--pages", *key, "--", out]
        )
        say(f"{operation}: {label} ({self.runs} runs)")
        try:
            done = measure_command(argv, self.runs, ok_codes=QPDF_OK)
        except MeasureError as exc:
            row = skipped(SECTION, operation, label, f"qpdf failed: {str(exc).splitlines()[-1]}")
        else:
            row = Row(SECTION, operation, label, size, done.wall, units, "pages", done.peak_mb)
        self._rows[key] = row
        return row

    def attach(self, rows: Sequence[Row]) -> None:
        """Set each row's floor: qpdf's time on the files the row names."""
        for row in rows:
            if not row.floor_key or row.seconds is None or self.qpdf is None:
                continue
            floor = self.measure(row.floor_key, row.input, row.size, row.units)
            if floor.seconds:
                row.floor_seconds, row.floor_name = floor.seconds, "qpdf"

    @property
    def measured(self) -> bool:
        """Whether any floor has been measured (or skipped) yet."""
        return bool(self._rows)

    def rows(self) -> list[Row]:
        """Every floor measured so far (or one skipped row saying why there is none)."""
        if self.qpdf is None:
            return [skipped(SECTION, "qpdf rewrite", "-", self.note)]
        return list(self._rows.values())


def page_count(path: Path) -> int:
    """Pages of a PDF."""
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def main(quick: bool = False, inputs: Inputs | None = None, floors: Floors | None = None) -> list[Row]:
    """Print (and return) qpdf's rows; run alone, measure it on the standard PDFs first."""
    with inputs_for(inputs, quick) as made:
        if floors is None:
            floors = Floors.setup(made, install=True)
        if floors.qpdf and not floors.measured:  # run alone (or only the floor): the standard PDFs
            for label, path in made.pdf_cases():
                if path is None:
                    floors._rows[(label,)] = skipped(SECTION, "qpdf rewrite", label, CORPUS_ABSENT)
                    continue
                pages = page_count(path)
                floors.measure([str(path)], label, f"{pages:,} pages", pages)
        rows = floors.rows()
        print_section(
            "Reference floor: qpdf on the same PDFs",
            rows,
            "qpdf rewrites each input (or merges the inputs of a merge); the other tables' "
            "'vs floor' is their median over qpdf's. " + MEDIAN_NOTE.format(runs=made.runs),
        )
        return rows


if __name__ == "__main__":
    script_main(main, __doc__)
