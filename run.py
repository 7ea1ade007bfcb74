"""`make run`: start Redis (unless REDIS_URL names one), the workers and the web app; Ctrl-C stops all.

Children run in their own process groups so that Ctrl-C reaches only this launcher,
which then stops them in order: the web app, the workers (each finishes the step it
is running, up to a grace period), and Redis last, so nothing is lost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from storage.config import Config, SettingError, load_config
from storage.redis_conn import URL_FILE_NAME
from storage.redis_server import EmbeddedRedis

ROOT = Path(__file__).resolve().parent
WORKER_GRACE_S = 30
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


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)


def worker_command() -> list[str]:
    return [sys.executable, "-m", "worker"]


def web_command(config: Config) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(config.port),
        "--server.headless", "true",
        "--server.maxUploadSize", str(config.max_upload_mb),
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def stop(process: subprocess.Popen[bytes], grace: float) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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

    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    workers = [spawn(worker_command(), env) for _ in range(config.workers)]
    web = spawn(web_command(config), env)
    say(f"Started {config.workers} worker(s).")
    say(f"Teacher Printer is running at http://localhost:{config.port}  (Ctrl-C stops everything)")

    exit_code = 0
    try:
        while not stopping:
            time.sleep(0.5)
            if web.poll() is not None:
                say(f"The web app stopped (exit code {web.returncode}); stopping everything.")
                exit_code = web.returncode or 1
                break
            for index, process in enumerate(workers):
                if process.poll() is not None and not stopping:
                    say(f"Worker {index + 1} stopped (exit code {process.returncode}); starting it again.")
                    time.sleep(RESTART_BACKOFF_S)
                    workers[index] = spawn(worker_command(), env)
    finally:
        say("Stopping: web app, then workers (each finishes its current step), then Redis.")
        stop(web, 10)
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in workers:
            stop(process, WORKER_GRACE_S)
        if redis_server is not None:
            redis_server.stop()
            (config.redis_dir / URL_FILE_NAME).unlink(missing_ok=True)
        say("Stopped.")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
