"""Container health checks for docker-compose.yml and the Dockerfile's HEALTHCHECK.

    python docker/healthcheck.py web [PORT]   the web app answers "ok" on /_stcore/health (PORT 8501)
    python docker/healthcheck.py worker       a live RQ worker of this container is registered in Redis

Exit 0 when healthy, 1 with a one-line reason otherwise (Docker shows it in
`docker inspect`). The web check uses only the standard library; the worker
check reads the same settings as the worker (storage/config.py).

Docker only marks an unhealthy container; it restarts one whose process exits. So a web
app that stops answering (wedged, not dead) is killed by its own check after
WEDGED_AFTER failures in a row: the process listening on the port gets SIGKILL, the
container's init exits with it, and `restart: unless-stopped` starts it again. The count
of failures in a row is kept in a file in the temporary folder, one per port.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import tempfile
import urllib.request
from pathlib import Path

WEB_PORT = 8501
TIMEOUT_S = 4
# Failures in a row before a web app that does not answer is killed (with the compose file's
# 30 s interval: about a minute and a half, as long as Docker takes to call it unhealthy).
WEDGED_AFTER = 3
TCP_LISTEN = "0A"  # the state column of /proc/net/tcp


def check_web(port: int) -> str:
    url = f"http://127.0.0.1:{port}/_stcore/health"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            body = response.read(64)
    except OSError as exc:
        return f"{url}: {exc}"
    return "" if body == b"ok" else f"{url} answered {body!r}, not b'ok'"


def failures_file(port: int) -> Path:
    return Path(tempfile.gettempdir()) / f"teacher-printer-web-{port}.failures"


def count_failure(port: int, failed: bool) -> int:
    """Failures in a row of the web check on `port`, this one included (0 when it passed)."""
    path = failures_file(port)
    if not failed:
        path.unlink(missing_ok=True)
        return 0
    try:
        count = int(path.read_text() or 0) + 1
    except (OSError, ValueError):
        count = 1
    path.write_text(str(count))
    return count


def listening_pid(port: int) -> int | None:
    """The process of this container that listens on TCP `port` (found through /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == TCP_LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if any(os.readlink(fd) in inodes for fd in (entry / "fd").iterdir()):
                return int(entry.name)
        except OSError:  # gone, or not ours to look at
            continue
    return None


def stop_wedged_web(port: int) -> str:
    """Kill the web app that stopped answering, so that Docker starts the container again."""
    pid = listening_pid(port)
    if pid is None:
        return "; no process listens on the port"
    os.kill(pid, signal.SIGKILL)
    return (
        f"; killed the web app (pid {pid}) after {WEDGED_AFTER} failed checks in a row, to be started again"
    )


def check_worker() -> str:
    # Run as `python docker/healthcheck.py` from the app folder: make its packages importable.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import redis
    from rq import Worker

    from core.errors import ServiceUnavailable
    from storage.config import load_config
    from storage.redis_conn import get_redis

    try:
        conn = get_redis(load_config())
        workers = Worker.all(connection=conn)
    except (redis.RedisError, ServiceUnavailable) as exc:
        return f"Redis: {exc}"
    host = socket.gethostname()
    # A worker's key expires when it stops sending heartbeats, so being listed means alive.
    if any(w.hostname == host for w in workers):
        return ""
    return f"no RQ worker from host {host!r} is registered ({len(workers)} from other hosts)"


def main(argv: list[str]) -> int:
    if argv[:1] == ["web"] and len(argv) <= 2:
        port = int(argv[1]) if len(argv) == 2 else WEB_PORT
        problem = check_web(port)
        if count_failure(port, bool(problem)) >= WEDGED_AFTER:
            problem += stop_wedged_web(port)
            count_failure(port, False)
    elif argv == ["worker"]:
        problem = check_worker()
    else:
        print(__doc__, file=sys.stderr)
        return 1  # Docker reserves exit code 2 in health checks
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
