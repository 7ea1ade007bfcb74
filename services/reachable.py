"""The one way the web app says that the job service (Redis) cannot be reached."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import redis

from core.errors import ServiceUnavailable


def unreachable(exc: Exception) -> ServiceUnavailable:
    return ServiceUnavailable(f"The job service (Redis) cannot be reached right now ({type(exc).__name__}).")


@contextlib.contextmanager
def reachable() -> Iterator[None]:
    """Turn a Redis failure inside the block into the teacher's ServiceUnavailable."""
    try:
        yield
    except redis.RedisError as exc:
        raise unreachable(exc) from exc
