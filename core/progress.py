"""Progress reporting from inside document operations.

Operations take a `ProgressCallback` and call it as they go: `(done, total,
text)`. They never know where the numbers end up; the task layer turns them
into throttled writes to the job record.
"""

from __future__ import annotations

import time
from collections.abc import Callable

ProgressCallback = Callable[[int, int, str], None]


def no_progress(done: int, total: int, text: str) -> None:
    """A callback for callers that do not watch progress."""


class Throttle:
    """Lets a report through at most once per `interval` seconds, and always the last one."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._last = float("-inf")

    def ready(self, final: bool = False) -> bool:
        now = self._clock()
        if final or now - self._last >= self.interval:
            self._last = now
            return True
        return False
