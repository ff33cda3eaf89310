"""Spans cut into whole local days (read from roll-ups) and pieces of days (read from raw rows):
every instant of the span is counted exactly once, in zones with DST, odd offsets and a skipped
day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from billstats.ingest.rollup_sql import UtcHourDays
from billstats.metrics.calendar import Span, day_start, local_date
from billstats.metrics.rollup_days import split

ZONES = ["UTC", "America/New_York", "Asia/Kathmandu", "Pacific/Apia", "Australia/Lord_Howe"]
ORIGIN = datetime(2011, 12, 20, tzinfo=UTC)  # Apia skipped 2011-12-30
MINUTE = timedelta(minutes=1)


@settings(max_examples=400, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.integers(0, 60 * 24 * 20),
    length=st.one_of(st.integers(0, 60 * 24 * 4), st.sampled_from([60 * 24, 60 * 48])),
    at_midnight=st.booleans(),
    probes=st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=30),
)
def test_whole_days_and_pieces_count_every_instant_once(
    zone: str, start: int, length: int, at_midnight: bool, probes: list[float]
) -> None:
    tz = ZoneInfo(zone)
    a = ORIGIN + start * MINUTE
    if at_midnight:
        a = day_start(local_date(a, tz), tz)
    b = a + length * MINUTE
    parts = split(Span(a, b), tz)
    if parts.first is not None and parts.last is not None:
        assert day_start(parts.first, tz) >= a
        assert day_start(parts.last + timedelta(days=1), tz) <= b
    for piece in parts.pieces:
        assert a <= piece.start < piece.end <= b
        assert local_date(piece.start, tz) == local_date(piece.end - timedelta(microseconds=1), tz)
    for p in probes:
        x = a + (b - a) * p
        if not a <= x < b:
            continue
        day = local_date(x, tz)
        whole = (
            parts.first is not None and parts.last is not None and parts.first <= day <= parts.last
        )
        assert whole + sum(piece.start <= x < piece.end for piece in parts.pieces) == 1


_ODD = [*ZONES, "Australia/Eucla", "America/St_Johns", "Europe/Dublin", "Africa/Casablanca"]


@settings(max_examples=500, deadline=None)
@given(
    zone=st.sampled_from(_ODD),
    instants=st.lists(
        st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2199, 12, 30)),
        min_size=1,
        max_size=40,
    ),
    near=st.lists(st.integers(-3 * 24 * 60, 3 * 24 * 60), max_size=40),
    other_zone=st.sampled_from([None, "Asia/Kolkata", "UTC"]),
)
def test_utc_hour_days_are_local_dates(
    zone: str, instants: list[datetime], near: list[int], other_zone: str | None
) -> None:
    """The roll-ups' day of an instant (cached per UTC hour) is its local date, for instants in
    UTC and in other zones, across DST changes, half- and quarter-hour offsets and a skipped
    day (the same cache answers them all, so instants of one hour are mixed in)."""
    tz = ZoneInfo(zone)
    days = UtcHourDays(tz)
    probes = [i.replace(tzinfo=UTC) for i in instants]
    probes += [ORIGIN + n * MINUTE + timedelta(seconds=n % 61) for n in near]
    probes += [p + timedelta(minutes=37) for p in probes]
    if other_zone is not None:
        probes += [p.astimezone(ZoneInfo(other_zone)) for p in probes[:10]]
    for at in probes:
        assert days(at) == at.astimezone(tz).date(), at
