"""The queue itself: what our job tracking costs over bare RQ, and how soon an idle worker starts.

Run: .venv/bin/python bench/bench_queue.py   (or `make bench`)

1. Throughput: 500 one-step "System check" jobs submitted through the product's own
   `Jobs.submit` and run by one in-process worker, against 500 no-op jobs enqueued
   directly with bare RQ (JSON serializer) on the same Redis, run the same way.
2. Latency: from `submit` to the step starting, with an idle `python -m worker`
   process waiting (median of 20).
Each side runs 3 times; the table shows medians. Nothing here asserts on time.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

JOBS = 500
RUNS = 3
LATENCY_SAMPLES = 20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    from rq import Queue, SimpleWorker
    from rq.serializers import JSONSerializer

    from storage.config import load_config
    from storage.redis_conn import get_redis
    from storage.redis_server import EmbeddedRedis
    from worker.control import Jobs
    from worker.tasks import make_worker

    with tempfile.TemporaryDirectory(prefix="tp-bench-queue-") as folder:
        server = EmbeddedRedis(Path(folder) / "redis", persistent=False).start()
        try:
            os.environ.update(REDIS_URL=server.url, DATA_DIR=str(Path(folder) / "data"), QUEUE_NAME="bench")
            config = load_config()
            conn = get_redis(config)
            ours, bare, submit_only = [], [], []
            for _ in range(RUNS):
                conn.flushdb()
                jobs = Jobs(config)
                start = time.perf_counter()
                for n in range(JOBS):
                    jobs.submit("selftest", f"check {n}", [], {}, "bench")
                submitted = time.perf_counter()
                make_worker(config, conn, inline=True).work(burst=True, logging_level="WARNING")
                ours.append(time.perf_counter() - start)
                submit_only.append(submitted - start)
                assert jobs.list(None, statuses=["finished"]).total == JOBS

                conn.flushdb()
                queue = Queue("bench-bare", connection=conn, serializer=JSONSerializer)
                start = time.perf_counter()
                for _ in range(JOBS):
                    queue.enqueue("bench._bare_tasks.noop")
                SimpleWorker([queue], connection=conn, serializer=JSONSerializer).work(
                    burst=True, logging_level="WARNING"
                )
                bare.append(time.perf_counter() - start)
            memory_after_throughput = peak_mb()
            latencies = measure_latency(config)
        finally:
            server.stop()

    ours_s, bare_s = statistics.median(ours), statistics.median(bare)
    print(
        f"Queue benchmark: {JOBS} jobs, one worker, median of {RUNS} runs (python {sys.version.split()[0]})"
    )
    print()
    print(f"| {'what':<46} | {'seconds':>8} | {'jobs/s':>8} |")
    print(f"|{'-' * 48}|{'-' * 10}|{'-' * 10}|")
    print(f"| {'Teacher Printer: submit + run (tracked)':<46} | {ours_s:8.2f} | {JOBS / ours_s:8.0f} |")
    print(f"| {'  of which submitting':<46} | {statistics.median(submit_only):8.2f} | {'':>8} |")
    print(f"| {'bare RQ: enqueue + run (no-op)':<46} | {bare_s:8.2f} | {JOBS / bare_s:8.0f} |")
    print(f"| {'ratio (ours / bare)':<46} | {ours_s / bare_s:8.2f} | {'':>8} |")
    print()
    print(
        f"Submit → step started, idle worker (median of {LATENCY_SAMPLES}): "
        f"{statistics.median(latencies) * 1000:.0f} ms (p90 {sorted(latencies)[int(0.9 * len(latencies))] * 1000:.0f} ms)"
    )
    print(f"Peak memory of the benchmark process: {memory_after_throughput:.0f} MB")


def measure_latency(config) -> list[float]:
    from storage.jobs import Status
    from worker.control import Jobs

    jobs = Jobs(config)
    jobs.store.conn.flushdb()
    worker = subprocess.Popen(
        [sys.executable, "-m", "worker"], cwd=ROOT, env=dict(os.environ),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        warm = jobs.submit("selftest", "warm-up", [], {}, "bench")
        wait_finished(jobs, warm.id, Status)
        samples = []
        for n in range(LATENCY_SAMPLES):
            record = jobs.submit("selftest", f"latency {n}", [], {}, "bench")
            done = wait_finished(jobs, record.id, Status)
            samples.append(done.steps[0].started_at - record.created_at)
        return samples
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def wait_finished(jobs, job_id: str, status):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        record = jobs.get(job_id, None)
        if record.status == status.FINISHED:
            return record
        time.sleep(0.005)
    raise SystemExit(f"job {job_id} did not finish within 60 s")


if __name__ == "__main__":
    main()
