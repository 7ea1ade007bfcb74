"""What each teacher's finished jobs came to, month by month: jobs, sheets of paper, printed sides
and sides in colour, one print of each result as it is meant to be printed.

Written once per job, in the same Redis transaction that marks it finished (so a job counts once,
however its steps were retried), and kept when the job itself is deleted or expires: a teacher's
month does not shrink by tidying the Jobs page. Prices are applied when the totals are shown.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, fields

import redis

from storage.jobs import KEY_PREFIX

KEPT_FOR_S = 400 * 24 * 3600  # a school year and its summer, for the year's figures


def usage_key(month: str) -> str:
    return f"{KEY_PREFIX}usage:{month}"


def month_of(when: float) -> str:
    """The month a time falls in, on this server's clock: "2026-12"."""
    return time.strftime("%Y-%m", time.localtime(when))


@dataclass(frozen=True)
class Usage:
    jobs: int = 0
    sheets: int = 0
    sides: int = 0
    colour_sides: int = 0

    @property
    def mono_sides(self) -> int:
        return self.sides - self.colour_sides

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Usage)))


class UsageLedger:
    def __init__(self, conn: redis.Redis) -> None:
        self.conn = conn

    def add(self, pipe: redis.client.Pipeline, owner: str, when: float, usage: Usage) -> None:
        """Add `usage` to `owner`'s month, inside the caller's transaction."""
        key = usage_key(month_of(when))
        for name, value in asdict(usage).items():
            if value:
                pipe.hincrby(key, f"{owner}|{name}", value)
        pipe.expire(key, KEPT_FOR_S)

    def month(self, month: str) -> dict[str, Usage]:
        """Every teacher's usage in `month`, by owner."""
        counts: dict[str, dict[str, int]] = {}
        for field, value in self.conn.hgetall(usage_key(month)).items():
            owner, _, name = field.decode().rpartition("|")
            counts.setdefault(owner, {})[name] = int(value)
        known = {f.name for f in fields(Usage)}
        return {
            owner: Usage(**{k: v for k, v in values.items() if k in known})
            for owner, values in counts.items()
        }
