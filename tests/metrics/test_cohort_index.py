"""The cohort index on hand-made payments: what counts "before ``until``" is strictly before it
(a payment at ``until`` itself has not happened yet), and months never mix."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from billstats.metrics.calendar import month_index
from billstats.metrics.cohort_index import build

UTC_ZONE = ZoneInfo("UTC")
JAN, FEB = month_index(date(2026, 1, 1)), month_index(date(2026, 2, 1))
T = datetime(2026, 2, 10, 12, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def test_payments_at_until_are_not_yet_counted() -> None:
    rows = [
        ("a", "USD", 1_000_000, datetime(2026, 1, 5, tzinfo=UTC)),  # a's cohort: January
        ("a", "USD", 2_000_000, T - TICK),
        ("a", "EUR", 4_000_000, T),  # at until: not yet
        ("b", "USD", 8_000_000, T),  # b's first payment at until: not in a cohort yet
        ("a", "USD", 16_000_000, T + TICK),
    ]
    index = build(rows, UTC_ZONE)
    assert index.size(JAN, T) == 1
    assert index.size(FEB, T) == 0
    assert index.size(FEB, T + TICK) == 1
    feb = index.months[(JAN, FEB)]
    assert feb.retained(T) == 1  # a's first February payment is before T
    assert feb.revenue(T) == [("USD", date(2026, 2, 10), 2_000_000)]
    assert feb.revenue(T + TICK) == [
        ("USD", date(2026, 2, 10), 2_000_000),
        ("EUR", date(2026, 2, 10), 4_000_000),
    ]
    assert feb.count == 3
    assert dict(feb.sums) == {
        ("USD", date(2026, 2, 10)): 18_000_000,
        ("EUR", date(2026, 2, 10)): 4_000_000,
    }
    assert index.months[(FEB, FEB)].retained(T) == 0
    assert index.months[(FEB, FEB)].retained(T + TICK) == 1
    assert index.months[(JAN, JAN)].revenue(T) == [("USD", date(2026, 1, 5), 1_000_000)]
