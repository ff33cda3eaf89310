"""The billing calendar: hand-computed instants, and properties over random anchors."""

from __future__ import annotations

from calendar import monthrange
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billstats.metrics.portal_schedule import (
    Schedule,
    add_months,
    current_period,
    interval_name,
)

UTC_ZONE = ZoneInfo("UTC")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("anchor", "unit", "count", "tz", "expected"),
    [
        # The 31st: Feb 28, Mar 31, Apr 30, May 31 (each from the anchor, never drifting).
        (
            "2025-01-31T10:00:00+00:00",
            "month",
            1,
            "UTC",
            [
                "2025-01-31T10:00:00+00:00",
                "2025-02-28T10:00:00+00:00",
                "2025-03-31T10:00:00+00:00",
                "2025-04-30T10:00:00+00:00",
                "2025-05-31T10:00:00+00:00",
            ],
        ),
        # Leap day, yearly: Feb 28 in common years, Feb 29 again in 2028.
        (
            "2024-02-29T00:00:00+00:00",
            "year",
            1,
            "UTC",
            [
                "2024-02-29T00:00:00+00:00",
                "2025-02-28T00:00:00+00:00",
                "2026-02-28T00:00:00+00:00",
                "2027-02-28T00:00:00+00:00",
                "2028-02-29T00:00:00+00:00",
            ],
        ),
        # Every two months from Dec 31 across a year end.
        (
            "2024-12-31T00:00:00+00:00",
            "month",
            2,
            "UTC",
            [
                "2024-12-31T00:00:00+00:00",
                "2025-02-28T00:00:00+00:00",
                "2025-04-30T00:00:00+00:00",
                "2025-06-30T00:00:00+00:00",
                "2025-08-31T00:00:00+00:00",
            ],
        ),
        # Weekly in Berlin across the DST change (Mar 30, 2025): 09:00 local stays 09:00.
        (
            "2025-03-17T08:00:00+00:00",
            "week",
            1,
            "Europe/Berlin",
            [
                "2025-03-17T08:00:00+00:00",
                "2025-03-24T08:00:00+00:00",
                "2025-03-31T07:00:00+00:00",
                "2025-04-07T07:00:00+00:00",
                "2025-04-14T07:00:00+00:00",
            ],
        ),
        # Daily across the New York fall-back (Nov 2, 2025): midnight local each day.
        (
            "2025-10-31T04:00:00+00:00",
            "day",
            1,
            "America/New_York",
            [
                "2025-10-31T04:00:00+00:00",
                "2025-11-01T04:00:00+00:00",
                "2025-11-02T04:00:00+00:00",
                "2025-11-03T05:00:00+00:00",
                "2025-11-04T05:00:00+00:00",
            ],
        ),
    ],
)
def test_billing_instants(anchor: str, unit: str, count: int, tz: str, expected: list[str]) -> None:
    schedule = Schedule(_at(anchor), unit, count, ZoneInfo(tz))
    assert [schedule.billing(n).isoformat() for n in range(len(expected))] == expected


def test_next_index_is_strictly_after_now() -> None:
    schedule = Schedule(_at("2025-01-15T00:00:00+00:00"), "month", 1, UTC_ZONE)
    assert schedule.next_index(_at("2025-01-01T00:00:00+00:00")) == 0  # before the anchor
    assert schedule.next_index(_at("2025-01-15T00:00:00+00:00")) == 1  # at the anchor
    assert schedule.next_index(_at("2025-02-14T23:59:59+00:00")) == 1
    assert schedule.next_index(_at("2025-02-15T00:00:00+00:00")) == 2
    assert schedule.next_index(_at("2035-02-15T00:00:01+00:00")) == 122


def test_current_period() -> None:
    trial = Schedule(_at("2025-01-24T00:00:00+00:00"), "month", 1, UTC_ZONE)
    started = _at("2025-01-10T00:00:00+00:00")
    in_trial = current_period(trial, started, _at("2025-01-20T00:00:00+00:00"))
    assert (in_trial.start, in_trial.end, in_trial.index, in_trial.previous) == (
        started,
        _at("2025-01-24T00:00:00+00:00"),
        0,
        None,
    )
    later = current_period(trial, started, _at("2025-03-01T00:00:00+00:00"))
    assert (later.start, later.end, later.index) == (
        _at("2025-02-24T00:00:00+00:00"),
        _at("2025-03-24T00:00:00+00:00"),
        2,
    )


def test_interval_names() -> None:
    assert [
        interval_name(u, c)
        for u, c in [
            ("day", 1),
            ("week", 1),
            ("month", 1),
            ("month", 3),
            ("year", 1),
            ("week", 2),
            ("month", 6),
            ("day", 30),
            ("year", 2),
        ]
    ] == [
        "daily",
        "weekly",
        "monthly",
        "quarterly",
        "yearly",
        "every_2_weeks",
        "every_6_months",
        "every_30_days",
        "every_2_years",
    ]


def test_bad_schedules_are_refused() -> None:
    with pytest.raises(ValueError):
        Schedule(datetime(2025, 1, 1), "month", 1, UTC_ZONE)
    with pytest.raises(ValueError):
        Schedule(_at("2025-01-01T00:00:00+00:00"), "fortnight", 1, UTC_ZONE)
    with pytest.raises(ValueError):
        Schedule(_at("2025-01-01T00:00:00+00:00"), "month", 0, UTC_ZONE)


ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "Australia/Lord_Howe"]


@settings(max_examples=300, deadline=None)
@given(
    anchor=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    offset_days=st.integers(min_value=-40, max_value=4000),
    offset_seconds=st.integers(min_value=0, max_value=86399),
    unit=st.sampled_from(["day", "week", "month", "year"]),
    count=st.integers(min_value=1, max_value=4),
    tz=st.sampled_from(ZONES),
)
def test_properties(
    anchor: datetime,
    offset_days: int,
    offset_seconds: int,
    unit: str,
    count: int,
    tz: str,
) -> None:
    zone = ZoneInfo(tz)
    schedule = Schedule(anchor, unit, count, zone)
    now = anchor + timedelta(days=offset_days, seconds=offset_seconds)
    n = schedule.next_index(now)
    # The next bill is strictly after now, and the one before it is not.
    assert schedule.billing(n) > now
    assert n == 0 or schedule.billing(n - 1) <= now
    # Monthly calendars keep the anchor's local day, clamped to the month's length.
    if unit in ("month", "year"):
        start = anchor.astimezone(zone)
        local = schedule.billing(n).astimezone(zone)
        expected_day = min(start.day, monthrange(local.year, local.month)[1])
        assert local.replace(tzinfo=None).date().day == expected_day or _in_dst_gap(start, local)


def _in_dst_gap(start: datetime, local: datetime) -> bool:
    """A wall time that does not exist that day resolves an hour or so later (it may roll past
    midnight only for anchors that close to midnight, which the day check then forgives)."""
    return local.replace(tzinfo=None).time() != start.replace(tzinfo=None).time()


def test_add_months_clamps() -> None:
    base = datetime(2025, 1, 31, 10, 30)
    assert [add_months(base, m).date().isoformat() for m in (1, 2, 3, 13, -2)] == [
        "2025-02-28",
        "2025-03-31",
        "2025-04-30",
        "2026-02-28",
        "2024-11-30",
    ]
