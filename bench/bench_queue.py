"""The queue itself: what our job tracking costs over bare RQ, and how soon an idle worker starts.

Run: .venv/bin/python -m bench.bench_queue [--quick]   (or `make bench`, which runs every section)

1. Throughput: 500 one-step "System check" jobs submitted through the product's own
   `Jobs.submit` and run by one in-process worker, against 500 no-op jobs enqueued
   directly with bare RQ (JSON serializer) on the same private Redis, run the same way.
   Each side runs 3 times in one fresh process; the table shows medians, and that
   process's peak memory.
2. Latency: from `submit` to the step starting, with an idle `python -m worker` process
   waiting (median of 20); the peak memory is that worker's.
Nothing here asserts on time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
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

SECTION = "queue"
JOBS, RUNS, LATENCY_SAMPLES = 500, 3, 20
QUICK_JOBS, QUICK_RUNS, QUICK_LATENCY_SAMPLES = 50, 1, 5


def _private_redis(folder: str) -> Any:
    """A private redis-server in `folder`, with this process's settings pointing at it."""
    from storage.redis_server import EmbeddedRedis

    server = EmbeddedRedis(Path(folder) / "redis", persistent=False).start()
    os.environ.update(REDIS_URL=server.url, DATA_DIR=str(Path(folder) / "data"), QUEUE_NAME="bench")
    return server


@task(
    "rq", "storage.config", "storage.redis_conn", "storage.redis_server", "services.control", "worker.tasks"
)
def throughput(jobs: str, runs: str) -> dict[str, Any]:
    """Submit and run `jobs` tracked jobs, then as many bare RQ no-ops, `runs` times each: medians."""
    from rq import Queue, SimpleWorker
    from rq.serializers import JSONSerializer

    from services.control import Jobs
    from storage.config import load_config
    from storage.redis_conn import get_redis
    from worker.tasks import make_worker

    count = int(jobs)
    ours, bare, submit_only = [], [], []
    with tempfile.TemporaryDirectory(prefix="tp-bench-queue-") as folder:
        server = _private_redis(folder)
        try:
            config = load_config()
            conn = get_redis(config)
            for _ in range(int(runs)):
                conn.flushdb()
                tracked = Jobs(config)
                start = time.perf_counter()
                for n in range(count):
                    tracked.submit("selftest", f"check {n}", [], {}, "bench")
                submitted = time.perf_counter()
                make_worker(config, conn, inline=True).work(burst=True, logging_level="WARNING")
                ours.append(time.perf_counter() - start)
                submit_only.append(submitted - start)
                finished = tracked.list(None, statuses=["finished"]).total
                if finished != count:
                    raise RuntimeError(f"only {finished} of {count} tracked jobs finished")

                conn.flushdb()
                queue = Queue("bench-bare", connection=conn, serializer=JSONSerializer)
                start = time.perf_counter()
                for _ in range(count):
                    queue.enqueue("bench._bare_tasks.noop")
                SimpleWorker([queue], connection=conn, serializer=JSONSerializer).work(
                    burst=True, logging_level="WARNING"
                )
                bare.append(time.perf_counter() - start)
        finally:
            server.stop()
    return {
        "ours": statistics.median(ours),
        "bare": statistics.median(bare),
        "submit": statistics.median(submit_only),
    }


@task("storage.redis_server")
def latency(samples: str) -> dict[str, Any]:
    """Submit → step started with an idle `python -m worker`: median and p90 seconds, the worker's peak MB."""
    with tempfile.TemporaryDirectory(prefix="tp-bench-latency-") as folder:
        server = _private_redis(folder)
        try:
            # Started while this process is still small: a child's peak memory counts its parent's size
            # at the time it was started (see bench/_measure.py).
            worker = subprocess.Popen(
                [sys.executable, "-m", "worker"], cwd=ROOT, env=dict(os.environ),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                from services.control import Jobs
                from storage.config import load_config

                jobs = Jobs(load_config())
                _wait_finished(jobs, jobs.submit("selftest", "warm-up", [], {}, "bench").id)
                waits = []
                for n in range(int(samples)):
                    record = jobs.submit("selftest", f"latency {n}", [], {}, "bench")
                    done = _wait_finished(jobs, record.id)
                    waits.append(done.steps[0].started_at - record.created_at)
            finally:
                worker.terminate()
                _, _, usage = os.wait4(worker.pid, 0)  # this worker's own peak memory
                worker.returncode = 0
        finally:
            server.stop()
    waits.sort()
    return {
        "median": statistics.median(waits),
        "p90": waits[min(len(waits) - 1, int(0.9 * len(waits)))],
        "worker_peak_mb": usage.ru_maxrss / 1024,
    }


def _wait_finished(jobs: Any, job_id: str) -> Any:
    """The job's record once it has finished (or an error after 60 s)."""
    from storage.jobs import Status

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        record = jobs.get(job_id, None)
        if record.status == Status.FINISHED:
            return record
        time.sleep(0.005)
    raise RuntimeError(f"job {job_id} did not finish within 60 s")


def main(quick: bool = False, inputs: Inputs | None = None, floors: object = None) -> list[Row]:
    """Measure throughput against bare RQ and submit-to-start latency; print and return the rows."""
    jobs, runs, samples = (
        (QUICK_JOBS, QUICK_RUNS, QUICK_LATENCY_SAMPLES) if quick else (JOBS, RUNS, LATENCY_SAMPLES)
    )
    with inputs_for(inputs, quick):
        say(f"queue throughput: {jobs} jobs, ours and bare RQ, {runs} run(s) each")
        done = measure_task(throughput, jobs, runs, runs=1)
        say(f"queue latency: {samples} jobs on an idle worker")
        waited = measure_task(latency, samples, runs=1)
    ours, bare, submit = done.result["ours"], done.result["bare"], done.result["submit"]
    label = f"{jobs} selftest jobs, in-process worker"
    size = f"{jobs:,} jobs"
    rows = [
        Row(SECTION, "queue: submit + run (tracked)", label, size, ours, jobs, "jobs", done.peak_mb,
            floor_seconds=bare, floor_name="bare RQ"),
        Row(SECTION, "  of which submitting", label, size, submit, jobs, "jobs", summary=False),
        Row(SECTION, "queue: bare RQ enqueue + run", f"{jobs} no-op jobs, in-process worker", size, bare, jobs,
            "jobs", done.peak_mb, result="peak MB: the same process as the row above"),
        Row(SECTION, "queue: submit → step started", "idle `python -m worker`", f"{samples} jobs",
            waited.result["median"], peak_mb=waited.result["worker_peak_mb"],
            result=f"p90 {waited.result['p90'] * 1000:.0f} ms; peak MB: the worker's"),
    ]  # fmt: skip
    print_section(
        "Queue: our tracking over bare RQ, and submit-to-start latency",
        rows,
        f"median of {runs} run(s) in one fresh process; 'vs floor' is ours over bare RQ on the same Redis.",
    )
    return rows


if __name__ == "__main__":
    script_main(main, __doc__)
