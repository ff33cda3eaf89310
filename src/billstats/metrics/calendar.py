"""Days in the tenant's time zone, as half-open UTC instants.

A tenant's "day", "week" (Monday first), "month" and "year" are calendar periods in its IANA zone;
every query takes them as ``[start, end)`` in aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
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


_HOUR = timedelta(hours=1)
_TICK = timedelta(microseconds=1)


class LocalDays:
    """Instant -> calendar day in a zone, remembered per UTC hour when the whole hour falls on
    one local day (the exact conversion otherwise)."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self._hours: dict[datetime, date | None] = {}

    def __call__(self, at: datetime) -> date:
        hour = at.replace(minute=0, second=0, microsecond=0)
        day = self._hours.get(hour, _MISSING)
        if day is _MISSING:
            first = hour.astimezone(self.tz).date()
            last = (hour + _HOUR - _TICK).astimezone(self.tz).date()
            day = self._hours[hour] = first if first == last else None
        if day is None:
            return at.astimezone(self.tz).date()
        assert isinstance(day, date)
        return day


_MISSING: Any = object()


def month_index(day: date) -> int:
    """Months since year 0 (for month arithmetic)."""
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    """The first day of the month ``index`` (:func:`month_index`)."""
    return date(index // 12, index % 12 + 1, 1)
