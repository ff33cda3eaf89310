"""Days in the tenant's time zone, as half-open UTC instants.

A tenant's "day", "week" (Monday first), "month" and "year" are calendar periods in its IANA zone;
every query takes them as ``[start, end)`` in aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Span:
    """A half-open interval of instants, both aware UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a span needs aware datetimes")

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``tz``, in UTC (DST-safe: local midnight, or the first
    instant after it when midnight does not exist)."""
    local = datetime.combine(day, time(0), tzinfo=tz)
    return local.astimezone(UTC)


def days_span(first: date, last: date, tz: ZoneInfo) -> Span:
    """From the start of ``first`` to the end of ``last`` (inclusive days)."""
    return Span(day_start(first, tz), day_start(last + timedelta(days=1), tz))


def local_date(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


def today(tz: ZoneInfo, now: datetime | None = None) -> date:
    return local_date(now or datetime.now(UTC), tz)


def each_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
