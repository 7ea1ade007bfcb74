"""The month's totals the Jobs page shows (a teacher's own; an admin's of everyone, as a CSV too),
and the monthly allowance, where the school sets one, that holds back new jobs and prints."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from dataclasses import dataclass

import redis

from core.errors import AllowanceUsed
from pdf.cost import Prices
from services.previews import prices_of
from services.reachable import unreachable
from storage.config import Config
from storage.redis_conn import get_redis
from storage.usage import Usage, UsageLedger, month_of
from worker.printing import person


@dataclass(frozen=True)
class MonthTotals:
    month: str  # "2026-12"
    usage: Usage
    price: float | None  # at today's prices; None: no price set
    allowance: int  # sheets; 0: none

    @property
    def label(self) -> str:
        return month_label(self.month)

    @property
    def used_up(self) -> bool:
        return bool(self.allowance) and self.usage.sheets >= self.allowance


def month_label(month: str) -> str:
    """ "2026-12" in words: "December 2026"."""
    return dt.date.fromisoformat(f"{month}-01").strftime("%B %Y")


def recent_months(count: int = 12, now: float | None = None) -> list[str]:
    """This month and the `count - 1` before it, newest first."""
    today = dt.date.fromtimestamp(now if now is not None else time.time())
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


class Totals:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.ledger = UsageLedger(get_redis(config))

    def _price(self, usage: Usage) -> float | None:
        return prices_of(self.config).of(usage.mono_sides, usage.colour_sides)

    def of(self, owner: str | None, month: str | None = None) -> MonthTotals:
        """`owner`'s month (None: everyone's together), this month unless `month` is given."""
        month = month or month_of(time.time())
        try:
            every = self.ledger.month(month)
        except redis.RedisError as exc:
            raise unreachable(exc) from exc
        usage = every.get(owner, Usage()) if owner is not None else sum(every.values(), Usage())
        allowance = self.config.monthly_sheets_allowance if owner is not None else 0
        return MonthTotals(month, usage, self._price(usage), allowance)

    def csv(self, month: str) -> bytes:
        """Every teacher's totals for `month`, for an admin."""
        try:
            every = self.ledger.month(month)
        except redis.RedisError as exc:
            raise unreachable(exc) from exc
        return usage_csv(month, every, prices_of(self.config))

    def problem(self, owner: str) -> str | None:
        """Why `owner` may not start a job or a print now (their allowance is used), or None.
        Admins and single-user mode have no allowance."""
        if not self.config.monthly_sheets_allowance or person(owner, self.config) is None:
            return None
        totals = self.of(owner)
        if not totals.used_up:
            return None
        year, month = (int(part) for part in totals.month.split("-"))
        next_month = month_label(f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}")
        return (
            f"Your finished jobs this month come to {totals.usage.sheets:,} sheets of paper: the school's "
            f"allowance is {totals.allowance:,} a month. New jobs and prints can start again in {next_month}, "
            "or sooner if an admin raises the allowance."
        )

    def check(self, owner: str) -> None:
        """Raise AllowanceUsed when `owner`'s month is used up."""
        if found := self.problem(owner):
            raise AllowanceUsed(found)


def usage_csv(month: str, usage: dict[str, Usage], prices: Prices) -> bytes:
    """The month's totals as a CSV file an office program opens: one row per teacher."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["month", "teacher", "jobs", "sheets", "printed sides", "sides in colour", "cost"])
    for owner in sorted(usage):
        u = usage[owner]
        price = prices.of(u.mono_sides, u.colour_sides)
        writer.writerow([month, _cell(owner) or "(no sign-in)", u.jobs, u.sheets, u.sides, u.colour_sides,
                         "" if price is None else f"{price:.2f}"])  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the mark makes Excel read it as UTF-8


def _cell(text: str) -> str:
    """Text an office program shows as text, never runs as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
