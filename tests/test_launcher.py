"""`make run`'s launcher, run as a teacher's IT person runs it: embedded Redis, workers, web, Ctrl-C."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

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


def listening_on(port: int) -> set[str]:
    """The IPv4 addresses a TCP port is listened on (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, port_hex = local.split(":")
        if state == "0A" and int(port_hex, 16) == port:
            found.add(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def running(pids: list[int]) -> list[int]:
    """Those of `pids` still running (a killed orphan may linger as a zombie until its new parent reaps it)."""
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
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
        assert len(children) == 5  # Redis, two workers, one look worker and the web app
        assert listening_on(port) == {"127.0.0.1"}  # this computer only, unless BIND_ADDRESS says

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


def autogroup_nice(pid: int) -> int:
    """The niceness of a process's autogroup ("/autogroup-85 nice 10")."""
    return int(Path(f"/proc/{pid}/autogroup").read_text().split()[-1])


def command_of(pid: int) -> str:
    return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()


def test_a_killed_web_app_or_worker_is_started_again(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATA_DIR=str(tmp_path / "data"), PORT=str(port), WORKERS="1", LOOK_WORKERS="1")
    process = launch(env)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()

    def said(text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in lines):
            assert time.monotonic() < deadline, f"never said {text!r}:\n{''.join(lines[-40:])}"
            assert process.poll() is None, "".join(lines)
            time.sleep(0.2)

    try:
        wait_healthy(port, process)
        web = next(pid for pid in child_pids(process.pid) if "streamlit" in command_of(pid))
        workers = [pid for pid in child_pids(process.pid) if "-m worker" in command_of(pid)]
        assert len(workers) == 2 and sum("--looks-only" in command_of(pid) for pid in workers) == 1
        assert all(
            os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, web) for pid in workers
        )
        if Path("/proc/self/autogroup").is_file():  # each in its own session: the group's priority counts
            assert all(autogroup_nice(pid) > autogroup_nice(web) for pid in workers)

        os.kill(web, signal.SIGKILL)  # as the kernel's OOM killer would
        said("The web app stopped (exit code -9); starting it again")
        wait_healthy(port, process)
        assert web not in child_pids(process.pid)

        os.kill(workers[0], signal.SIGKILL)
        said("stopped (exit code -9); starting it again")
        deadline = time.monotonic() + 30
        while len([p for p in child_pids(process.pid) if "-m worker" in command_of(p)]) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert process.poll() is None  # nothing else was stopped

        # The private Redis, killed: started again on its append-only file, and work goes on.
        redis_pid = next(pid for pid in child_pids(process.pid) if "redis-server" in command_of(pid))
        os.kill(redis_pid, signal.SIGKILL)
        said("Redis stopped (exit code -9); starting it again")
        config = load_config({**env})
        jobs = Jobs(config)
        deadline = time.monotonic() + 60
        while True:
            try:
                record = jobs.submit("selftest", "after Redis came back", [], {}, "local")
                break
            except Exception:  # Redis not back yet
                assert time.monotonic() < deadline, "".join(lines[-40:])
                time.sleep(0.5)
        while jobs.get(record.id, None).status != Status.FINISHED:
            assert time.monotonic() < deadline, "".join(lines[-40:])
            time.sleep(0.3)
        jobs.store.conn.close()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        reader.join(timeout=5)
    assert process.returncode == 0, "".join(lines)


def test_ctrl_c_twice_mid_job_stops_at_once_and_the_next_start_shows_it_failed_and_retryable(
    tmp_path, monkeypatch
):
    from tests.make_files import make_pdf

    port = free_port()
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DATA_DIR=str(data), PORT=str(port), WORKERS="1", LOOK_WORKERS="1", QUEUE_NAME="tp-stop")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.setenv("QUEUE_NAME", "tp-stop")
    long_pdf = make_pdf(tmp_path / "long.pdf", 2400, "Long")

    process = launch(env)
    try:
        wait_healthy(port, process)
        jobs = Jobs(load_config())
        with long_pdf.open("rb") as stream:
            stored = FileStore(jobs.config).save_upload(stream, "long.pdf")
        item = {"ref": stored.ref, "name": "long.pdf"}
        record = jobs.submit("merge", "long", [item] * 2, {"numbers": True}, "local")
        deadline = time.monotonic() + 120
        while (current := jobs.get(record.id, None)).steps[-1].status != Status.RUNNING:  # numbering: long
            assert current.status.active and time.monotonic() < deadline, current
            time.sleep(0.1)
        workers = [pid for pid in child_pids(process.pid) if "-m worker" in command_of(pid)]
        horses = [pid for worker in workers for pid in child_pids(worker)]
        jobs.store.conn.close()
    finally:
        process.send_signal(signal.SIGINT)
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)  # "stop now"
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "1 job(s) were still running: they are marked failed" in output
    time.sleep(0.5)
    assert horses and running(horses) == []  # no work-horse left running on its own

    process = launch(env)  # the next `make run`
    try:
        wait_healthy(port, process)
        jobs = Jobs(load_config())
        stopped = jobs.get(record.id, None)
        assert stopped.status == Status.FAILED
        assert stopped.error.message == "Teacher Printer was stopped while this job was running."
        assert "Press Retry" in stopped.error.hint and not stopped.error.permanent
        jobs.retry(record.id, "local")
        deadline = time.monotonic() + 240
        while (current := jobs.get(record.id, None)).status != Status.FINISHED:
            assert current.status.active and time.monotonic() < deadline, current
            time.sleep(0.5)
        jobs.store.conn.close()
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=90)
    assert process.returncode == 0, output
