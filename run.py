"""`make run`: start Redis (unless REDIS_URL names one), the workers and the web app; Ctrl-C stops all.

Children run in their own process groups so that Ctrl-C reaches only this launcher,
which then stops them in order: the web app, the workers (each finishes the step it
is running, up to a grace period; a second Ctrl-C cuts it short), and Redis last, so
nothing is lost: a job whose step was stopped before its end is marked failed, to retry.

A web app or worker that dies is started again after RESTART_BACKOFF_S, with a line in
the log; only one that dies more than RESTARTS_ALLOWED times within RESTART_WINDOW_S
makes the launcher give up and stop everything. Workers run at a lower CPU priority
(WORKER_NICENESS; look workers at LOOK_WORKER_NICENESS) so that the pages stay quick while
they are busy.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from storage.config import Config, SettingError, load_config
from storage.redis_conn import URL_FILE_NAME, get_redis
from storage.redis_server import EmbeddedRedis

ROOT = Path(__file__).resolve().parent
WORKER_GRACE_S = 30
HURRIED_STOP_S = 5  # after the grace period (or a second Ctrl-C): for a worker to stop its step
# RQ takes a second signal as "stop the step now" (cold shutdown) only a second after the
# first (warm shutdown: finish the step); one sooner is ignored as a duplicate.
SIGNAL_GAP_S = 1.2
RESTART_BACKOFF_S = 5


def say(text: str) -> None:
    print(f"[teacher-printer] {text}", flush=True)


def start_redis(config: Config) -> EmbeddedRedis | None:
    if config.redis_url:
        say(f"Using the Redis in REDIS_URL ({config.redis_url.split('@')[-1]}).")
        return None
    server = EmbeddedRedis(config.redis_dir).start()
    (config.redis_dir / URL_FILE_NAME).write_text(server.url)
    say(f"Started a private Redis on port {server.port} (data in {config.redis_dir}).")
    return server


# Workers run at a lower CPU priority, so that on a small server the pages stay quick while
# both workers are busy with long jobs; look workers (short, bounded looks a page waits for)
# between the two.
WORKER_NICENESS = 10
LOOK_WORKER_NICENESS = 5
# A process that dies is started again after a pause; one that dies this many times within
# this many seconds is broken, not unlucky, and the launcher stops everything.
RESTARTS_ALLOWED = 5
RESTART_WINDOW_S = 300


def lower_priority(niceness: int) -> None:
    """Run at `niceness`, also against processes of other sessions (run in the child, before it starts)."""
    os.nice(niceness)
    # Each child has a session of its own, and with autogroups (on by default in most Linux
    # kernels) a session competes for the CPU as one group, whatever its processes' nice
    # values: the group's own niceness is what keeps busy workers behind the web app.
    try:
        with open(AUTOGROUP, "w") as group:
            group.write(str(niceness))
    except OSError:
        pass  # no autogroups on this kernel: the nice value alone does it


AUTOGROUP = "/proc/self/autogroup"


def spawn(args: list[str], env: dict[str, str], niceness: int = 0) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        preexec_fn=(lambda: lower_priority(niceness)) if niceness else None,
    )


def worker_command(looks_only: bool = False) -> list[str]:
    return [sys.executable, "-m", "worker", *(["--looks-only"] if looks_only else [])]


class Supervised:
    """One process the launcher keeps running: started again when it dies, given up on if it keeps dying."""

    def __init__(
        self,
        name: str,
        start: Callable[[], subprocess.Popen[bytes]],
        first: subprocess.Popen[bytes] | None = None,
    ) -> None:
        self.name, self.start = name, start
        self.deaths: list[float] = []
        self.process = first if first is not None else start()

    def check(self) -> bool:
        """Start the process again if it died; False when it died too often to go on."""
        code = self.process.poll()
        if code is None:
            return True
        now = time.monotonic()
        self.deaths = [t for t in self.deaths if now - t < RESTART_WINDOW_S] + [now]
        if len(self.deaths) > RESTARTS_ALLOWED:
            say(
                f"{self.name} stopped (exit code {code}) for the {len(self.deaths)}th time in "
                f"{RESTART_WINDOW_S // 60} minutes; giving up and stopping everything."
            )
            return False
        say(f"{self.name} stopped (exit code {code}); starting it again in {RESTART_BACKOFF_S} s.")
        time.sleep(RESTART_BACKOFF_S)
        try:
            self.process = self.start()
        except RuntimeError as exc:  # it would not start: counts as dying again
            say(f"{self.name} did not start: {exc}")
        return True


def web_command(config: Config) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(config.port),
        "--server.address", config.bind_address,
        "--server.headless", "true",
        "--server.maxUploadSize", str(config.max_upload_mb),
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def worker_names(env: dict[str, str], pids: list[int]) -> set[str]:
    """The RQ names of the workers this launcher started (found by their process ids)."""
    try:
        from rq import Worker

        conn = get_redis(load_config(env))
        host = socket.gethostname()
        return {w.name for w in Worker.all(connection=conn) if w.pid in pids and w.hostname == host}
    except Exception as exc:  # Redis already gone: nothing can be marked either
        say(f"Could not list the workers ({exc}).")
        return set()


def fail_interrupted_jobs(env: dict[str, str], names: set[str]) -> int:
    """Mark failed the jobs whose step one of our workers was stopped in, so the next start shows them
    honestly (with Retry) instead of as running; the sweep would find them only after WORKER_LOST_AFTER."""
    if not names:
        return 0
    try:
        from storage.files import FileStore
        from storage.jobs import JobStore
        from worker.sweep import fail_interrupted

        config = load_config(env)
        return fail_interrupted(JobStore(get_redis(config), FileStore(config)), names)
    except Exception as exc:
        say(f"Could not mark the interrupted jobs ({exc}); the sweep will at the next start.")
        return 0


def stop(process: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM, then after `grace` seconds SIGKILL, for the process and any child it left behind."""
    if process.poll() is not None:
        return
    children = children_of(process.pid)  # a worker's work-horse has a process group of its own
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for child in children:
        if _started_at(child[0]) == child[1]:  # still that process, not a new one with its number
            with contextlib.suppress(ProcessLookupError):
                os.kill(child[0], signal.SIGKILL)


def children_of(pid: int) -> list[tuple[int, str]]:
    """The child processes of `pid`, each with its start time (to tell it from a later one)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append((int(entry.name), fields[19]))
    return found


def _started_at(pid: int) -> str | None:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[19]
    except OSError:
        return None


def main() -> int:
    try:
        config = load_config()
    except SettingError as exc:
        say(f"Configuration problem: {exc}")
        return 2
    config.data_dir.mkdir(parents=True, exist_ok=True)
    redis_server = start_redis(config)
    env = dict(os.environ, DATA_DIR=str(config.data_dir), PYTHONUNBUFFERED="1")
    if redis_server is not None:
        env["REDIS_URL"] = redis_server.url

    stopping = hurry = False

    def request_stop(signum: int, _frame: object) -> None:
        # A second Ctrl-C while stopping: stop now, without waiting for running steps.
        nonlocal stopping, hurry
        hurry, stopping = stopping, True
        if hurry:
            say("Stopping now: steps still running are stopped and marked failed, to retry later.")

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    workers = [
        Supervised(f"Worker {n + 1}", lambda: spawn(worker_command(), env, WORKER_NICENESS))
        for n in range(config.workers)
    ] + [
        Supervised(f"Look worker {n + 1}", lambda: spawn(worker_command(True), env, LOOK_WORKER_NICENESS))
        for n in range(config.look_workers)
    ]
    web = Supervised("The web app", lambda: spawn(web_command(config), env))
    # The private Redis too: started again on its own folder, its append-only file brings the
    # records and the queue back, and the workers carry on (they wait for Redis).
    watched = [web, *workers]
    if redis_server is not None:
        watched.append(Supervised("Redis", lambda: redis_server.start().process, first=redis_server.process))
    say(f"Started {config.workers} worker(s) and {config.look_workers} look worker(s).")
    say(f"Teacher Printer is running at http://localhost:{config.port}  (Ctrl-C stops everything)")

    exit_code = 0
    try:
        while not stopping:
            time.sleep(0.5)
            for supervised in watched:
                if not stopping and not supervised.check():
                    exit_code = supervised.process.returncode or 1
                    stopping = True
                    break
    finally:
        say(
            "Stopping: web app, then workers (each finishes its current step, up to "
            f"{WORKER_GRACE_S} s; Ctrl-C again to stop at once), then Redis."
        )
        stop(web.process, 10)
        ours = worker_names(env, [s.process.pid for s in workers])
        for supervised in workers:
            if supervised.process.poll() is None:
                supervised.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + WORKER_GRACE_S
        time.sleep(SIGNAL_GAP_S)
        while any(s.process.poll() is None for s in workers) and time.monotonic() < deadline and not hurry:
            time.sleep(0.2)
        for supervised in workers:
            # A second SIGTERM is RQ's cold shutdown: it stops its work-horse, then itself.
            stop(supervised.process, HURRIED_STOP_S)
        if interrupted := fail_interrupted_jobs(env, ours):
            say(f"{interrupted} job(s) were still running: they are marked failed and can be retried.")
        if redis_server is not None:
            redis_server.stop()
            (config.redis_dir / URL_FILE_NAME).unlink(missing_ok=True)
        say("Stopped.")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
