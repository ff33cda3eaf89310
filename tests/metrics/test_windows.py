"""Named windows -> UTC spans, hand-computed for a tenant in New York (UTC-5 in winter)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from billstats.metrics.calendar import Span
from billstats.metrics.windows import INTERVALS, InvalidWindow, window

NY = ZoneInfo("America/New_York")
# Wednesday 2025-03-05, 09:00 in New York (EST, before the DST switch of 2025-03-09).
NOW = datetime(2025, 3, 5, 14, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


CASES = [
    ("today", None, None, utc(2025, 3, 5, 5), NOW),
    ("yesterday", None, None, utc(2025, 3, 4, 5), utc(2025, 3, 5, 5)),
    ("this_week", None, None, utc(2025, 3, 3, 5), NOW),
    ("last_week", None, None, utc(2025, 2, 24, 5), utc(2025, 3, 3, 5)),
    ("last_7_days", None, None, utc(2025, 2, 27, 5), NOW),
    ("last_30_days", None, None, utc(2025, 2, 4, 5), NOW),
    ("last_90_days", None, None, utc(2024, 12, 6, 5), NOW),
    ("this_month", None, None, utc(2025, 3, 1, 5), NOW),
    ("last_month", None, None, utc(2025, 2, 1, 5), utc(2025, 3, 1, 5)),
    ("this_year", None, None, utc(2025, 1, 1, 5), NOW),
    ("last_year", None, None, utc(2024, 1, 1, 5), utc(2025, 1, 1, 5)),
    ("all_time", None, None, utc(1970, 1, 1), NOW),
    ("custom", "2025-02-01", "2025-02-28", utc(2025, 2, 1, 5), utc(2025, 3, 1, 5)),
    # One day: both dates included.
    ("custom", "2025-03-04", "2025-03-04", utc(2025, 3, 4, 5), utc(2025, 3, 5, 5)),
    # Across the 2024 spring-forward: the second day is 23 hours long, ends at 04:00 UTC.
    ("custom", "2024-03-09", "2024-03-10", utc(2024, 3, 9, 5), utc(2024, 3, 11, 4)),
    # Reaching past now: capped at now.
    ("custom", "2025-03-01", "2025-03-31", utc(2025, 3, 1, 5), NOW),
    # Wholly in the future: the empty span at now.
    ("custom", "2025-04-01", "2025-04-02", NOW, NOW),
    # Dates are ignored by the named windows.
    ("yesterday", "2020-01-01", "bad", utc(2025, 3, 4, 5), utc(2025, 3, 5, 5)),
]


@pytest.mark.parametrize(("interval", "first", "last", "start", "end"), CASES)
def test_windows_in_new_york(
    interval: str, first: str | None, last: str | None, start: datetime, end: datetime
) -> None:
    assert window(interval, NY, NOW, first, last) == Span(start, end)


def test_every_interval_name_is_covered() -> None:
    assert {c[0] for c in CASES} == set(INTERVALS)


def test_local_day_not_utc_day_decides() -> None:
    # 2025-03-01T03:00Z is still Friday 2025-02-28, 22:00 in New York.
    now = utc(2025, 3, 1, 3)
    assert window("today", NY, now) == Span(utc(2025, 2, 28, 5), now)
    assert window("this_month", NY, now) == Span(utc(2025, 2, 1, 5), now)
    assert window("last_month", NY, now) == Span(utc(2025, 1, 1, 5), utc(2025, 2, 1, 5))
    assert window("this_week", NY, now) == Span(utc(2025, 2, 24, 5), now)
    # The same instant in UTC is already March.
    assert window("this_month", ZoneInfo("UTC"), now) == Span(utc(2025, 3, 1), now)


@pytest.mark.parametrize(
    ("now", "monday"),
    [
        (utc(2025, 3, 10, 3, 59), utc(2025, 3, 3, 5)),  # Sunday 23:59 EDT: still last week
        (utc(2025, 3, 10, 4, 0), utc(2025, 3, 10, 4)),  # Monday 00:00 EDT: a new week
    ],
)
def test_weeks_start_on_monday(now: datetime, monday: datetime) -> None:
    assert window("this_week", NY, now).start == monday


def test_year_boundary_in_tokyo() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    now = utc(2024, 12, 31, 15, 30)  # 2025-01-01 00:30 in Tokyo
    assert window("this_year", tokyo, now) == Span(utc(2024, 12, 31, 15), now)
    assert window("last_year", tokyo, now) == Span(utc(2023, 12, 31, 15), utc(2024, 12, 31, 15))
    assert window("yesterday", tokyo, now) == Span(utc(2024, 12, 30, 15), utc(2024, 12, 31, 15))


@pytest.mark.parametrize(
    ("interval", "first", "last", "message"),
    [
        ("last_31_days", None, None, "interval must be one of today, yesterday"),
        ("", None, None, "interval must be one of"),
        ("Today", None, None, "interval must be one of"),
        (None, None, None, "interval must be one of"),
        ("custom", None, "2025-01-01", "start_date is required with interval custom"),
        ("custom", "2025-01-01", None, "end_date is required with interval custom"),
        ("custom", "", "2025-01-01", "start_date is required"),
        ("custom", "2025-2-01", "2025-03-01", "start_date must be a date in the form YYYY-MM-DD"),
        ("custom", "20250201", "2025-03-01", "start_date must be a date in the form"),
        ("custom", " 2025-02-01", "2025-03-01", "start_date must be a date in the form"),
        ("custom", 20250201, "2025-03-01", "start_date must be a date in the form"),
        ("custom", "2025-02-01", "2025-02-30", "end_date '2025-02-30' is not a calendar date"),
        ("custom", "2025-03-02", "2025-03-01", "start_date must not be after end_date"),
        ("custom", "1969-12-31", "2025-03-01", "start_date must be between 1970-01-01"),
        ("custom", "2025-01-01", "2200-01-01", "end_date must be between"),
    ],
)
def test_bad_windows(interval: object, first: object, last: object, message: str) -> None:
    with pytest.raises(InvalidWindow) as err:
        window(interval, NY, NOW, first, last)  # type: ignore[arg-type]
    assert err.value.status_code == 400
    assert message in err.value.message


def test_extreme_dates_stay_in_range() -> None:
    far = utc(2200, 6, 1)
    span = window("custom", ZoneInfo("Etc/GMT-14"), far, "1970-01-01", "2199-12-31")
    assert span == Span(utc(1969, 12, 31, 10), utc(2199, 12, 31, 10))
