"""`make run`'s launcher, run as a teacher's IT person runs it: embedded Redis, workers, web, Ctrl-C."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from services.control import Jobs
from storage.config import load_config
from storage.files import FileStore
from storage.jobs import Status
from storage.redis_server import free_port
from tests.conftest import ROOT
from tests.make_files import page_texts, pdf_bytes

pytestmark = pytest.mark.slow


def launch(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "run.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_healthy(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the web app did not come up")


def descendants_alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
            alive.append(pid)
        except ProcessLookupError:
            pass
    return alive


def child_pids(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    return [int(p) for p, pp in (line.split() for line in out.splitlines()) if int(pp) == pid]


def test_run_starts_everything_processes_a_job_and_stops_cleanly(tmp_path, monkeypatch):
    port = free_port()
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATA_DIR=str(data), PORT=str(port), WORKERS="2", QUEUE_NAME="tp-launch")
    process = launch(env)
    try:
        wait_healthy(port, process)
        children = child_pids(process.pid)
        assert len(children) == 4  # Redis, two workers and the web app

        monkeypatch.delenv("REDIS_URL", raising=False)
        monkeypatch.setenv("DATA_DIR", str(data))
        monkeypatch.setenv("QUEUE_NAME", "tp-launch")
        config = load_config()
        jobs = Jobs(config)  # finds the embedded Redis through DATA_DIR, as `make worker` does
        stored = FileStore(config).save_upload(io.BytesIO(pdf_bytes(2, "Launch")), "a.pdf")
        record = jobs.submit("merge", "launcher", [{"ref": stored.ref, "name": "a.pdf"}], {}, "local")
        deadline = time.monotonic() + 60
        while jobs.get(record.id, None).status != Status.FINISHED:
            assert time.monotonic() < deadline, jobs.get(record.id, None)
            time.sleep(0.2)
        done = jobs.get(record.id, None)
        assert page_texts(jobs.output_path(record.id, done.outputs[0], None)) == ["Launch 1", "Launch 2"]
        jobs.store.conn.close()
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "running at http://localhost:" in output
    assert "Stopped." in output
    time.sleep(0.5)
    assert descendants_alive(children) == []
    assert (data / "redis" / "appendonly.aof").exists() or (data / "redis" / "appendonlydir").exists()
