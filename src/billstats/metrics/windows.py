"""Named report windows ("last_30_days", "this_month", ...) as spans of instants.

Every window is a range of whole calendar days in the tenant's zone, turned into a half-open UTC
:class:`~billstats.metrics.calendar.Span` and capped at ``now``: a window never reaches into the
future.  Weeks start on Monday; ``last_N_days`` is the N days ending today (today included);
``custom`` takes ``start_date`` and ``end_date`` (``YYYY-MM-DD``, both included).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from billstats.errors import BillstatsError
from billstats.metrics.calendar import Span, days_span, today

INTERVALS = (
    "today",
    "yesterday",
    "this_week",
    "last_week",
    "last_7_days",
    "last_30_days",
    "this_month",
    "last_month",
    "last_90_days",
    "this_year",
    "last_year",
    "all_time",
    "custom",
)
CUSTOM = "custom"
ALL_TIME = "all_time"

# The range of instants the ledger accepts (ingest refuses timestamps outside 1970-2199).
EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(2199, 12, 31)
BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class InvalidWindow(BillstatsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 400, "invalid_interval")


def parse_day(value: object, name: str) -> date:
    """A ``YYYY-MM-DD`` calendar date between 1970-01-01 and 2199-12-31."""
    if value is None or value == "":
        raise InvalidWindow(f"{name} is required with interval custom (YYYY-MM-DD)")
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise InvalidWindow(f"{name} must be a date in the form YYYY-MM-DD")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidWindow(f"{name} {value!r} is not a calendar date") from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidWindow(f"{name} must be between 1970-01-01 and 2199-12-31")
    return day


def _month_start(day: date) -> date:
    return day.replace(day=1)


def window_days(interval: str, current: date) -> tuple[date, date]:
    """The first and last local day of a named window (not ``custom``/``all_time``)."""
    monday = current - timedelta(days=current.weekday())
    days: dict[str, tuple[date, date]] = {
        "today": (current, current),
        "yesterday": (current - timedelta(days=1), current - timedelta(days=1)),
        "this_week": (monday, monday + timedelta(days=6)),
        "last_week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "last_7_days": (current - timedelta(days=6), current),
        "last_30_days": (current - timedelta(days=29), current),
        "last_90_days": (current - timedelta(days=89), current),
        "this_month": (_month_start(current), _next_month(current) - timedelta(days=1)),
        "last_month": (
            _month_start(_month_start(current) - timedelta(days=1)),
            _month_start(current) - timedelta(days=1),
        ),
        "this_year": (date(current.year, 1, 1), date(current.year, 12, 31)),
        "last_year": (date(current.year - 1, 1, 1), date(current.year - 1, 12, 31)),
    }
    if interval not in days:
        raise InvalidWindow(f"interval must be one of {', '.join(INTERVALS)}")
    return days[interval]


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def window(
    interval: str,
    tz: ZoneInfo,
    now: datetime,
    start_date: object = None,
    end_date: object = None,
) -> Span:
    """The span ``[start, end)`` of a window, its end capped at ``now``.

    ``start_date``/``end_date`` are read only for ``custom``.  A custom window lying wholly in
    the future is the empty span at ``now``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    if not isinstance(interval, str) or interval not in INTERVALS:
        raise InvalidWindow(f"interval must be one of {', '.join(INTERVALS)}")
    if interval == ALL_TIME:
        return Span(BEGINNING, max(BEGINNING, now))
    if interval == CUSTOM:
        first, last = parse_day(start_date, "start_date"), parse_day(end_date, "end_date")
        if first > last:
            raise InvalidWindow("start_date must not be after end_date")
    else:
        first, last = window_days(interval, today(tz, now))
    span = days_span(first, last, tz)
    end = min(span.end, now)
    return Span(min(span.start, end), end)
