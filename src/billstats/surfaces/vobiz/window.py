"""The reporting window of the partner endpoints: inclusive tenant-local days.

Dashboard: today - 30 .. today.  Analytics: ``from_date`` .. ``to_date`` (``YYYY-MM-DD``);
``to_date`` defaults to today and ``from_date`` to 30 days before ``to_date``.  A malformed or
impossible date, ``from_date`` after ``to_date`` or a window of more than 366 days is a 400
``INVALID_DATE_RANGE``.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from billstats.errors import BillstatsError

DAYS_BACK = 30
MAX_DAYS = 366
# Four-digit years, short of the calendar's last one (the window's end is the next midnight).
EARLIEST = date(1000, 1, 1)
LATEST = date(9998, 12, 31)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidDateRange(BillstatsError):
    details: dict[str, Any]

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(message, 400, "invalid_date_range")
        self.details = details


def dashboard_window(today: date) -> tuple[date, date]:
    return today - timedelta(days=DAYS_BACK), today


def _parse(value: str, name: str, given: dict[str, Any]) -> date:
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidDateRange(
            f"{name} must be a date as YYYY-MM-DD, got {value!r}", given
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise InvalidDateRange(
            f"{name} must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}", given
        )
    return day


def analytics_window(from_date: str | None, to_date: str | None, today: date) -> tuple[date, date]:
    given = {"from_date": from_date, "to_date": to_date}
    last = _parse(to_date, "to_date", given) if to_date is not None else today
    if from_date is not None:
        first = _parse(from_date, "from_date", given)
    else:
        first = last - timedelta(days=DAYS_BACK)
    if first > last:
        raise InvalidDateRange(
            f"from_date {first.isoformat()} is after to_date {last.isoformat()}", given
        )
    days = (last - first).days + 1
    if days > MAX_DAYS:
        raise InvalidDateRange(
            f"the window spans {days} days; at most {MAX_DAYS} are allowed",
            {**given, "max_days": MAX_DAYS},
        )
    return first, last
