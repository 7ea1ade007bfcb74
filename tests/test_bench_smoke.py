"""Smoke test of the benchmark harness: its helpers on tiny inputs and its tables' columns (no timings)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench import _measure, run_all
from bench.bench_floor import Floors
from bench.bench_impose import four_up


def test_a_task_runs_in_a_fresh_process_and_reports_its_result(tmp_path: Path) -> None:
    inputs = _measure.Inputs(tmp_path, quick=True)
    out = inputs.out("four-up.pdf")
    done = _measure.measure_task(four_up, inputs.text_pdf(3), out, runs=1)
    assert done.result == {"units": 3, "summary": "1 sheets"}
    assert done.work is not None
    assert done.peak_mb > 0
    assert out.is_file()


def test_peak_memory_is_each_process_own() -> None:
    big = _measure.measure_command([sys.executable, "-c", "data = b'x' * (200 * 2**20)"], runs=1)
    small = _measure.measure_command([sys.executable, "-c", "pass"], runs=1)
    # Neither the earlier, larger child nor this (larger still) test process shows in the small one.
    assert big.peak_mb > 200
    assert small.peak_mb < 60


def test_a_failing_process_raises_with_its_error_output() -> None:
    with pytest.raises(_measure.MeasureError, match="boom"):
        _measure.measure_command([sys.executable, "-c", "raise SystemExit('boom')"], runs=1)


def test_generated_inputs_are_deterministic(tmp_path: Path) -> None:
    first = _measure.make_csv(tmp_path / "a.csv", 20)
    again = _measure.make_csv(tmp_path / "b.csv", 20)
    assert first.read_bytes() == again.read_bytes()
    assert len(first.read_text(encoding="utf-8").splitlines()[0].split(",")) == _measure.COLUMNS
    pdf = _measure.make_text_pdf(tmp_path / "a.pdf", 2)
    assert pdf.read_bytes() == _measure.make_text_pdf(tmp_path / "b.pdf", 2).read_bytes()
    names = _measure.make_class_list(tmp_path / "class.csv", 12)
    assert names.read_text(encoding="utf-8").splitlines()[0] == "First name,Surname,Class"


def test_tables_show_rates_ratios_and_skips(tmp_path: Path) -> None:
    row = _measure.Row("pdf", "booklet", "x.pdf", "100 pages", 2.0, 100, "pages", 80.0, floor_seconds=0.5)
    row.floor_name = "qpdf"
    gone = Floors(None, 1, tmp_path, "qpdf is not installed").rows()
    table = _measure.format_table([row, *gone]).splitlines()
    assert [cell.strip() for cell in table[0].strip("|").split("|")] == list(_measure.SUMMARY_COLUMNS)
    assert "50 pages/s" in table[2] and "4.0× qpdf" in table[2]
    assert gone[0].note == "skipped: qpdf is not installed"


def test_quick_harness_prints_the_summary_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_all.main(["--quick", "--only", "upload", "--no-install"]) == 0
    summary = capsys.readouterr().out.split("## Summary", 1)[1]
    header = next(line for line in summary.splitlines() if line.startswith("| operation"))
    assert [cell.strip() for cell in header.strip("|").split("|")] == list(_measure.SUMMARY_COLUMNS)
    assert "| save upload" in summary
    assert "Total wall time" in summary
