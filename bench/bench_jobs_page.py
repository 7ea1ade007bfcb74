"""The Jobs page: server-side time of one refresh with 50, 500 and 5,000 job records.

Run: .venv/bin/python bench/bench_jobs_page.py   (or `make bench`)

Records are written straight into a private Redis (90 % finished with an output,
5 % failed, 5 % still running, as a busy school's history looks), then the Jobs
page is run with Streamlit's AppTest: the first run, and the median of 5 refreshes.
The "running" records have no worker behind them, so the first open also includes
the sweep marking them failed.
The search filter reads every record, so it is timed too. Nothing here asserts on time.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (50, 500, 5000)
REFRESHES = 5


def fill(store, count: int) -> None:
    from storage.files import new_id
    from storage.jobs import JobError, JobRecord, OutputFile, Status, StepRecord

    now = time.time()
    pipe = store.conn.pipeline(transaction=False)
    for n in range(count):
        status = Status.FINISHED if n % 20 > 1 else (Status.FAILED if n % 20 == 0 else Status.RUNNING)
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


def main() -> None:
    import logging

    from streamlit.testing.v1 import AppTest

    # The running records have no worker behind them, so the page's sweep fails them: quietly.
    logging.getLogger("worker.sweep").setLevel(logging.ERROR)

    from storage.config import load_config
    from storage.files import FileStore
    from storage.jobs import JobStore
    from storage.redis_conn import get_redis
    from storage.redis_server import EmbeddedRedis

    rows = []
    with tempfile.TemporaryDirectory(prefix="tp-bench-jobs-") as folder:
        server = EmbeddedRedis(Path(folder) / "redis", persistent=False).start()
        try:
            os.environ.update(REDIS_URL=server.url, DATA_DIR=str(Path(folder) / "data"), QUEUE_NAME="bench")
            config = load_config()
            store = JobStore(get_redis(config), FileStore(config))
            for size in SIZES:
                store.conn.flushdb()
                store.conn.set("tp:records-known", "1")
                fill(store, size)
                at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
                start = time.perf_counter()
                at.run()
                at.switch_page("pages/jobs.py").run()
                first = time.perf_counter() - start
                assert not at.exception, at.exception
                refreshes = []
                for _ in range(REFRESHES):
                    start = time.perf_counter()
                    at.run()
                    refreshes.append(time.perf_counter() - start)
                at.text_input(key="jobs_search").input("Worksheet 7").run()
                start = time.perf_counter()
                at.run()
                searched = time.perf_counter() - start
                cards = sum(1 for m in at.markdown if "Merge PDFs —" in m.value)
                rows.append((size, first, statistics.median(refreshes), searched, cards))
        finally:
            server.stop()

    print(f"Jobs page, server-side render (AppTest), median of {REFRESHES} refreshes")
    print()
    print(
        f"| {'records':>7} | {'first open s':>12} | {'refresh s':>9} | {'search refresh s':>16} | {'cards':>5} |"
    )
    print(f"|{'-' * 9}|{'-' * 14}|{'-' * 11}|{'-' * 18}|{'-' * 7}|")
    for size, first, refresh, searched, cards in rows:
        print(f"| {size:>7} | {first:>12.3f} | {refresh:>9.3f} | {searched:>16.3f} | {cards:>5} |")


if __name__ == "__main__":
    main()
