"""The Jobs page: server-side time of one refresh with 50, 500 and 5,000 job records.

Run: .venv/bin/python -m bench.bench_jobs_page [--quick]   (or `make bench`, which runs every section)

Records are written straight into a private Redis (90 % finished with an output,
5 % failed, 5 % still running, as a busy school's history looks), then the Jobs
page is run with Streamlit's AppTest (after one warm-up run on an empty list, so that
the app's modules are imported as on a running server): the first open, and the median
of 5 refreshes.
The "running" records have no worker behind them, so the first open also includes
the sweep marking them failed. The search filter reads every record, so its refreshes are
timed too. Each size runs in a fresh process, whose peak memory is shown. Nothing here
asserts on time.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._measure import (
    ROOT,
    Inputs,
    Row,
    inputs_for,
    measure_task,
    print_section,
    say,
    script_main,
    task,
)

SECTION = "jobs page"
SIZES = (50, 500, 5000)
QUICK_SIZES = (50, 500)
REFRESHES = 5
QUICK_REFRESHES = 2


def fill(store: Any, count: int, finished: bool = False) -> None:
    """Write `count` job records the way a busy school's history looks (or all `finished`)."""
    from storage.files import new_id
    from storage.jobs import JobError, JobRecord, OutputFile, Status, StepRecord

    now = time.time()
    pipe = store.conn.pipeline(transaction=False)
    for n in range(count):
        status = (
            Status.FINISHED if finished or n % 20 > 1 else (Status.FAILED if n % 20 == 0 else Status.RUNNING)
        )
        job_id = new_id()
        record = JobRecord(
            id=job_id,
            kind="merge",
            title=f"Merge PDFs — Worksheet {n}.pdf",
            owner="local",
            created_at=now - count + n,
            steps=[
                StepRecord("check", "Check files", 1, Status.FINISHED),
                StepRecord("merge", "Merge", 3, status),
            ],
            status=status,
            progress=100 if status == Status.FINISHED else 40,
            outputs=[OutputFile(f"jobs/{job_id}/outputs/merged.pdf", "merged.pdf", 123456, "application/pdf")]
            if status == Status.FINISHED
            else [],
            error=JobError("damaged_file", "Worksheet.pdf is damaged.", "Save a fresh copy.", "Traceback …")
            if status == Status.FAILED
            else None,
        )
        pipe.set(f"tp:job:{job_id}", record.to_json())
        pipe.zadd("tp:jobs", {job_id: record.created_at})
        if status.active:
            pipe.sadd("tp:jobs:active", job_id)
    pipe.execute()


@task("streamlit.testing.v1", "storage.config", "storage.files", "storage.jobs", "storage.redis_server")
def render(size: str, refreshes: str) -> dict[str, Any]:
    """Open the Jobs page over `size` records: first open, median refresh, search refresh, cards shown."""
    import logging

    from streamlit.testing.v1 import AppTest

    from storage.config import load_config
    from storage.files import FileStore
    from storage.jobs import JobStore
    from storage.redis_conn import get_redis
    from storage.redis_server import EmbeddedRedis

    # The running records have no worker behind them, so the page's sweep fails them: quietly.
    logging.getLogger("worker.sweep").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="tp-bench-jobs-") as folder:
        server = EmbeddedRedis(Path(folder) / "redis", persistent=False).start()
        try:
            os.environ.update(REDIS_URL=server.url, DATA_DIR=str(Path(folder) / "data"), QUEUE_NAME="bench")
            config = load_config()
            store = JobStore(get_redis(config), FileStore(config))
            store.conn.set("tp:records-known", "1")
            # Import the app's modules first, as a running server has: the first open times the page.
            warm = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            warm.run()
            warm.switch_page("ui/jobs.py").run()
            fill(store, int(size))
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            start = time.perf_counter()
            at.run()
            at.switch_page("ui/jobs.py").run()
            first = time.perf_counter() - start
            if at.exception:
                raise RuntimeError(f"the Jobs page failed: {at.exception}")
            times = []
            for _ in range(int(refreshes)):
                start = time.perf_counter()
                at.run()
                times.append(time.perf_counter() - start)
            at.text_input(key="jobs_search").input("Worksheet 7").run()
            searched = []
            for _ in range(int(refreshes)):
                start = time.perf_counter()
                at.run()
                searched.append(time.perf_counter() - start)
            cards = sum(1 for m in at.markdown if "Merge PDFs —" in m.value)
        finally:
            server.stop()
    return {
        "first": first,
        "refresh": statistics.median(times),
        "search": statistics.median(searched),
        "cards": cards,
    }


def main(quick: bool = False, inputs: Inputs | None = None, floors: object = None) -> list[Row]:
    """Render the Jobs page at each size in a fresh process; print and return the rows."""
    sizes, refreshes = (QUICK_SIZES, QUICK_REFRESHES) if quick else (SIZES, REFRESHES)
    rows: list[Row] = []
    with inputs_for(inputs, quick):
        for size in sizes:
            say(f"Jobs page with {size:,} records")
            done = measure_task(render, size, refreshes, runs=1)
            got = done.result
            label, records = "Jobs page (AppTest)", f"{size:,} records"
            biggest = size == sizes[-1]
            rows += [
                Row(SECTION, "Jobs page: first open", label, records, got["first"], peak_mb=done.peak_mb,
                    result="includes the sweep of running records", summary=biggest),
                Row(SECTION, "Jobs page: refresh", label, records, got["refresh"], peak_mb=done.peak_mb),
                Row(SECTION, "Jobs page: search refresh", label, records, got["search"], peak_mb=done.peak_mb,
                    result=f"{got['cards']} cards shown", summary=biggest),
            ]  # fmt: skip
    print_section(
        "Jobs page: server-side render",
        rows,
        f"refresh and search refresh: median of {refreshes}; one fresh process per size (peak MB is that process's, "
        "Streamlit and AppTest included).",
    )
    return rows


if __name__ == "__main__":
    script_main(main, __doc__)
