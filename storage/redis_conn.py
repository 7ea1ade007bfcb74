"""The Redis connection: made lazily, checked on every use, never cached while down."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import redis

from core.errors import ServiceUnavailable
from storage.config import Config, load_config

if TYPE_CHECKING:
    from rq import Queue

CONNECT_TIMEOUT_S = 2.0
URL_FILE_NAME = "url.txt"

_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()


def resolve_redis_url(config: Config) -> str:
    """REDIS_URL, or the address the launcher's embedded Redis wrote under DATA_DIR."""
    if config.redis_url:
        return config.redis_url
    url_file = config.redis_dir / URL_FILE_NAME
    if url_file.is_file():
        return url_file.read_text().strip()
    raise ServiceUnavailable(
        "The job service (Redis) is not configured: REDIS_URL is empty and no embedded Redis is running."
    )


def get_redis(config: Config | None = None) -> redis.Redis:
    """A client for the configured Redis. The client reconnects by itself, so caching it is safe."""
    url = resolve_redis_url(config or load_config())
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = redis.Redis.from_url(
                url,
                socket_connect_timeout=CONNECT_TIMEOUT_S,
                socket_timeout=30,
                health_check_interval=15,
                retry_on_timeout=True,
            )
            _clients[url] = client
    return client


@dataclass(frozen=True)
class Health:
    """What the sidebar shows: is Redis up, how many workers, how much waiting."""

    redis_ok: bool
    workers: int = 0
    waiting: int = 0
    problem: str = ""
    # Workers that reported LibreOffice lately (Word and PowerPoint files can become PDFs).
    office_workers: int = 0


# Workers with LibreOffice, each scored by when it last said so (worker/__main__ reports every
# OFFICE_REPORT_S); one counts while its last report is younger than three of those.
OFFICE_WORKERS_KEY = "tp:workers:office"
OFFICE_REPORT_S = 10


def report_office(conn: redis.Redis, worker: str) -> None:
    """Say that `worker` can turn office documents into PDFs, now; forget long-silent ones."""
    now = time.time()
    pipe = conn.pipeline(transaction=False)
    pipe.zadd(OFFICE_WORKERS_KEY, {worker: now})
    pipe.zremrangebyscore(OFFICE_WORKERS_KEY, "-inf", now - 3600)
    pipe.execute()


def office_workers(conn: redis.Redis) -> int:
    return int(conn.zcount(OFFICE_WORKERS_KEY, time.time() - 3 * OFFICE_REPORT_S, "+inf"))


def check_health(config: Config | None = None) -> Health:
    """Ask Redis and RQ how things stand; never raises."""
    from rq import Queue

    config = config or load_config()
    try:
        conn = get_redis(config)
        conn.ping()
        queue = Queue(config.queue_name, connection=conn)
        workers = live_workers(queue, config.worker_silent_after)
        waiting = queue.count
        office = office_workers(conn)
    except ServiceUnavailable as exc:
        return Health(False, problem=exc.message)
    except redis.RedisError as exc:
        return Health(False, problem=f"{type(exc).__name__}: {exc}")
    return Health(True, workers=workers, waiting=waiting, office_workers=office)


def live_workers(queue: Queue, silent_after: int) -> int:
    """Workers on `queue` that reported in within `silent_after` seconds.

    RQ keeps a killed worker registered until its key expires (minutes), so its
    registration alone does not mean it is alive; its last heartbeat does.
    """
    from rq import Worker

    cutoff = datetime.now(UTC) - timedelta(seconds=silent_after)
    return sum(
        1 for w in Worker.all(queue=queue) if w.last_heartbeat is not None and w.last_heartbeat >= cutoff
    )
