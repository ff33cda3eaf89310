"""A subscription's billing calendar: billing instants counted from its anchor.

The anchor is the end of the trial when the subscription has one, else its start.  Billing
instant *n* is the anchor moved by *n* intervals of the plan on the wall clock of the tenant's
zone: days and weeks add local calendar days, months and years add calendar months keeping the
anchor's day of month, clamped to the month's last day (a subscription anchored on the 31st bills
on Feb 28/29, Apr 30, ... and on the 31st again in longer months; one anchored on Feb 29 bills on
Feb 28 in common years).  Each instant is computed from the anchor, never from the previous one,
so clamping never drifts.  The local time of day is kept (across DST changes too; a wall time that
does not exist that day resolves with the offset before the change).
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_NAMES = {
    ("day", 1): "daily",
    ("week", 1): "weekly",
    ("month", 1): "monthly",
    ("month", 3): "quarterly",
    ("year", 1): "yearly",
}


def interval_name(unit: str, count: int) -> str:
    """The plan's interval as a word: daily, weekly, monthly, quarterly, yearly, or
    ``every_<count>_<unit>s`` (e.g. ``every_2_weeks``) for the others."""
    return _NAMES.get((unit, count)) or f"every_{count}_{unit}s"


def add_months(local: datetime, months: int) -> datetime:
    """``local`` moved by whole calendar months, the day clamped to the target month's length."""
    year, month0 = divmod(local.month - 1 + months, 12)
    year += local.year
    day = min(local.day, monthrange(year, month0 + 1)[1])
    return local.replace(year=year, month=month0 + 1, day=day)


@dataclass(frozen=True)
class Schedule:
    """Billing instants ``anchor + n * (count unit)``, on the wall clock of ``tz``."""

    anchor: datetime  # aware
    unit: str  # day | week | month | year
    count: int
    tz: ZoneInfo

    def __post_init__(self) -> None:
        if self.anchor.tzinfo is None:
            raise ValueError("the anchor must be aware")
        if self.unit not in ("day", "week", "month", "year") or self.count < 1:
            raise ValueError(f"bad interval {self.count} {self.unit}")

    def billing(self, n: int) -> datetime:
        """The n-th billing instant (n = 0 is the anchor), in UTC."""
        local = self.anchor.astimezone(self.tz).replace(tzinfo=None)
        if self.unit == "day":
            moved = local + timedelta(days=n * self.count)
        elif self.unit == "week":
            moved = local + timedelta(days=7 * n * self.count)
        else:
            months = n * self.count * (12 if self.unit == "year" else 1)
            moved = add_months(local, months)
        return moved.replace(tzinfo=self.tz).astimezone(UTC)

    def next_index(self, now: datetime) -> int:
        """The smallest n with ``billing(n) > now`` (the next bill is strictly after now)."""
        if self.anchor > now:
            return 0
        start = self.anchor.astimezone(self.tz)
        here = now.astimezone(self.tz)
        if self.unit in ("day", "week"):
            step = self.count * (7 if self.unit == "week" else 1)
            elapsed = (here.replace(tzinfo=None) - start.replace(tzinfo=None)).days
        else:
            step = self.count * (12 if self.unit == "year" else 1)
            elapsed = (here.year - start.year) * 12 + here.month - start.month
        # One step short of the estimate is never past now; walk forward from there.
        n = max(0, elapsed // step - 1)
        while self.billing(n) <= now:
            n += 1
        return n


@dataclass(frozen=True)
class Period:
    """The billing period running at ``now``: ``[start, end)``, ``end`` the next billing."""

    start: datetime
    end: datetime
    index: int  # end = billing(index)
    previous: datetime | None  # billing(index - 1), None before the first billing


def current_period(schedule: Schedule, started_at: datetime, now: datetime) -> Period:
    """The period at ``now``.  Before the anchor (a trial) it runs from ``started_at``."""
    n = schedule.next_index(now)
    previous = schedule.billing(n - 1) if n > 0 else None
    return Period(previous or min(started_at, schedule.anchor), schedule.billing(n), n, previous)
