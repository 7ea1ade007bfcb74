"""Printing: what the web process spends on a print, how long a worker takes to send 4, 149 and
566 pages to a real IPP Everywhere printer, and one sweep round asking about 1, 10 and 30 prints.

Run: .venv/bin/python -m bench.bench_printing [--quick]   (or `make bench`, which runs every section)

The printer is CUPS's `ippeveprinter` on 127.0.0.1 (its spool on a temporary folder), with a
private Redis; the jobs are real merge jobs run by an in-process worker. "web: record and queue"
is `Printing.print_job` (what pressing Print costs the web process: the checks, the record, the
queued task); "web: read the printers" is `Printing.printers_for` (what each Jobs card with the
Print… form costs). "worker: send" is `deliver` (Print-Job over ipptool, the PDF as it is) to an
idle printer, until it answers with its job id. "sweep: ask about N prints" is one `poll_prints` round
(Get-Printer-Attributes once, then Get-Job-Attributes per print), as each worker's printers
thread runs it every SWEEP_INTERVAL while prints are at a printer. All in one fresh process,
whose peak memory is shown; skipped where CUPS's IPP tools or Avahi are missing. Nothing here
asserts on time.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._measure import (
    Inputs,
    Row,
    inputs_for,
    make_text_pdf,
    measure_task,
    print_section,
    say,
    script_main,
    skipped,
    task,
)

SECTION = "printing"
PAGES = (4, 149, 566)
QUICK_PAGES = (4, 149)
POLLED = (1, 10, 30)
QUICK_POLLED = (1, 10)
REPEATS = 5


@task("storage.config", "services.printing", "worker.printing", "tests.test_printers")
def measure(pages: str, polled: str, repeats: str, folder: str) -> dict[str, Any]:
    """Every printing figure, in one process with its own Redis and printer."""
    import logging

    from printers.choices import PrintChoice
    from printers.ipp import printer_attributes
    from services.control import Jobs
    from services.printing import Printing
    from storage.config import load_config
    from storage.files import FileStore
    from storage.prints import PrintStore
    from storage.redis_conn import get_redis
    from storage.redis_server import EmbeddedRedis
    from tests.conftest import run_worker_burst
    from tests.test_merge_chain import upload
    from tests.test_printers import dns_sd_running, start_printer
    from worker.printing import _check, deliver, new_print, poll_prints, setup_for

    logging.getLogger("worker.printing").setLevel(logging.WARNING)
    root = Path(tempfile.mkdtemp(prefix="tp-bench-print-", dir=folder))
    server = EmbeddedRedis(root / "redis", persistent=False).start()
    figures: dict[str, Any] = {"send": {}, "poll": {}}
    try:
        with dns_sd_running():
            printer = start_printer(root / "printer", "Bench copier")
            try:
                listing = root / "printers.toml"
                listing.write_text(f'[[printer]]\nname = "Bench copier"\nuri = "{printer.uri}"\n')
                os.environ.update(REDIS_URL=server.url, DATA_DIR=str(root / "data"), QUEUE_NAME="bench",
                                  PRINTERS_FILE=str(listing))  # fmt: skip
                config = load_config()
                prints = PrintStore(get_redis(config), FileStore(config))
                _check(prints, setup_for(config))
                jobs, printing = Jobs(config), Printing(config)
                finished = {}
                for count in [int(p) for p in pages.split(",")]:
                    source = upload(config, make_text_pdf(root / f"Worksheet {count}.pdf", count))
                    record = jobs.submit("merge", f"Worksheet {count}", [source], {}, "local")
                    run_worker_burst(config)
                    finished[count] = jobs.get(record.id, None)
                smallest = finished[min(finished)]
                reads, records = [], []
                for _ in range(int(repeats)):
                    start = time.perf_counter()
                    printing.printers_for("local")
                    reads.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    printing.print_job(
                        smallest, smallest.outputs[0].ref, PrintChoice("Bench copier"), "local"
                    )
                    records.append(time.perf_counter() - start)
                figures["read"], figures["record"] = statistics.median(reads), statistics.median(records)
                printing.queue.empty()  # those prints are not sent: only the web's share was measured
                choice = PrintChoice("Bench copier")
                for count, record in finished.items():
                    # ippeveprinter takes one job at a time (a busy printer is sent the file again
                    # every few seconds): each send starts with the printer idle.
                    while printer_attributes(printer.uri).state != "idle":
                        time.sleep(0.5)
                    output = record.outputs[0]
                    made = new_print(record, output, choice, None)
                    prints.add(made)
                    start = time.perf_counter()
                    deliver(prints, made, config)
                    figures["send"][count] = (time.perf_counter() - start, output.size)
                for count in [int(n) for n in polled.split(",")]:
                    while len(prints.at_printers()) < count:
                        made = new_print(smallest, smallest.outputs[0], choice, None)
                        prints.add(made)
                        deliver(prints, made, config)
                    start = time.perf_counter()
                    asked = poll_prints(prints, setup_for(config))
                    figures["poll"][count] = (time.perf_counter() - start, asked)
            finally:
                printer.process.terminate()
                printer.process.wait(10)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    return figures


def main(quick: bool = False, inputs: Inputs | None = None, floors: object = None) -> list[Row]:
    """Measure printing in one fresh process; print and return the rows."""
    from tests.test_printers import pytestmark  # the same check the tests make for CUPS's IPP tools

    if pytestmark.args[0]:
        rows = [skipped(SECTION, "printing", "ippeveprinter", pytestmark.kwargs["reason"])]
        print_section("Printing over IPP", rows)
        return rows
    pages, polled = (QUICK_PAGES, QUICK_POLLED) if quick else (PAGES, POLLED)
    with inputs_for(inputs, quick) as given:
        say("printing: web share, sends and sweep rounds against ippeveprinter")
        done = measure_task(
            measure,
            ",".join(map(str, pages)),
            ",".join(map(str, polled)),
            str(REPEATS),
            str(given.folder),
            runs=1,
        )
    got = done.result
    label = "ippeveprinter on 127.0.0.1"
    rows = [
        Row(SECTION, "web: read the printers", label, "1 printer", got["read"], peak_mb=done.peak_mb,
            result=f"median of {REPEATS}"),
        Row(SECTION, "web: record and queue a print", label, f"{min(pages)} pages", got["record"],
            peak_mb=done.peak_mb, result=f"median of {REPEATS}"),
    ]  # fmt: skip
    for count, (seconds, size) in sorted((int(k), v) for k, v in got["send"].items()):
        rows.append(Row(SECTION, "worker: send the PDF", label, f"{count} pages, {size / 1e6:.1f} MB", seconds,
                        units=count, unit="pages", peak_mb=done.peak_mb))  # fmt: skip
    for count, (seconds, asked) in sorted((int(k), v) for k, v in got["poll"].items()):
        rows.append(Row(SECTION, "sweep: ask about the prints", label, f"{count} prints", seconds,
                        units=asked, unit="prints", peak_mb=done.peak_mb, summary=count == max(polled)))  # fmt: skip
    print_section(
        "Printing over IPP",
        rows,
        "median s: the operation alone, in one fresh process with its own Redis and printer; peak MB: that "
        "process's (the in-process worker that made the jobs included).",
    )
    return rows


if __name__ == "__main__":
    script_main(main, __doc__)
