"""Container health checks for docker-compose.yml and the Dockerfile's HEALTHCHECK.

    python docker/healthcheck.py web [PORT]   the web app answers "ok" on /_stcore/health (PORT 8501)
    python docker/healthcheck.py worker       a live RQ worker of this container is registered in Redis

Exit 0 when healthy, 1 with a one-line reason otherwise (Docker shows it in
`docker inspect`). The web check uses only the standard library; the worker
check reads the same settings as the worker (storage/config.py).
"""

from __future__ import annotations

import socket
import sys
import urllib.request
from pathlib import Path

WEB_PORT = 8501
TIMEOUT_S = 4


def check_web(port: int) -> str:
    url = f"http://127.0.0.1:{port}/_stcore/health"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            body = response.read(64)
    except OSError as exc:
        return f"{url}: {exc}"
    return "" if body == b"ok" else f"{url} answered {body!r}, not b'ok'"


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
        problem = check_web(int(argv[1]) if len(argv) == 2 else WEB_PORT)
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
