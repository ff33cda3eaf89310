"""MRR over time: movements, cancellations, backdating, time zones, currencies, scope.

Every expected value is computed by hand in the comments next to it.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine

from billstats.metrics.calendar import Span, days_span
from billstats.metrics.mrr import (
    Cancellation,
    cancellations,
    customer_movements,
    daily_movements,
    day_close,
    mrr_at,
)
from tests.conftest import TenantCtx, make_tenant
from tests.metrics.test_mrr_support import Ledger, ts

UTC_ZONE = ZoneInfo("UTC")
NY = ZoneInfo("America/New_York")
M = 1_000_000  # micros per unit


def _march(api: httpx.Client) -> None:
    """Plans basic 30/month, pro 50/month; eight customers (see the test for the story)."""
    L = Ledger().plan("basic", "30.00").plan("pro", "50.00")
    # c1: new, upgrade, seats, downgrade, cancel now, reactivate.
    L.sub("s1", "c1", "basic", "active", "2025-03-01T09:00:00Z")
    L.sub("s1", "c1", "pro", "active", "2025-03-01T09:00:00Z", "2025-03-05T12:00:00Z")
    L.sub("s1", "c1", "pro", "active", "2025-03-01T09:00:00Z", "2025-03-08T12:00:00Z", quantity=2)
    L.sub("s1", "c1", "basic", "active", "2025-03-01T09:00:00Z", "2025-03-10T12:00:00Z", quantity=2)
    cancel = {"cancelled_at": "2025-03-12T12:00:00Z", "ended_at": "2025-03-12T12:00:00Z"}
    L.sub("s1", "c1", "basic", "cancelled", "2025-03-01T09:00:00Z", "2025-03-12T12:00:00Z",
          quantity=2, **cancel)  # fmt: skip
    L.sub("s1", "c1", "basic", "active", "2025-03-01T09:00:00Z", "2025-03-20T08:00:00Z")
    # c2: a trial that converts on Mar 9.
    trial = {"trial_ends_at": "2025-03-09T00:00:00Z"}
    L.sub("s2", "c2", "pro", "trialing", "2025-03-02T00:00:00Z", **trial)
    L.sub("s2", "c2", "pro", "active", "2025-03-02T00:00:00Z", "2025-03-09T00:00:00Z", **trial)
    # c3: paused on Mar 6, resumed on Mar 15 (not a cancellation).
    L.sub("s3", "c3", "basic", "active", "2025-03-03T10:00:00Z")
    L.sub("s3", "c3", "basic", "paused", "2025-03-03T10:00:00Z", "2025-03-06T10:00:00Z")
    L.sub("s3", "c3", "basic", "active", "2025-03-03T10:00:00Z", "2025-03-15T10:00:00Z")
    # c4: a trial that does not convert: asked on Mar 7, ends with the trial on Mar 11.
    trial4 = {"trial_ends_at": "2025-03-11T00:00:00Z"}
    L.sub("s4", "c4", "pro", "trialing", "2025-03-04T00:00:00Z", **trial4)
    ends4 = {"cancelled_at": "2025-03-07T00:00:00Z", "ended_at": "2025-03-11T00:00:00Z"}
    L.sub("s4", "c4", "pro", "cancelled", "2025-03-04T00:00:00Z", "2025-03-11T00:00:00Z",
          **ends4, **trial4)  # fmt: skip
    # c5: cancel at period end (Stripe style): asked Mar 14, ends Mar 15 00:00.
    L.sub("s5", "c5", "pro", "active", "2025-02-15T00:00:00Z")
    L.sub("s5", "c5", "pro", "active", "2025-02-15T00:00:00Z", "2025-03-14T10:00:00Z",
          cancelled_at="2025-03-14T10:00:00Z")  # fmt: skip
    L.sub("s5", "c5", "pro", "cancelled", "2025-02-15T00:00:00Z", "2025-03-15T00:00:00Z",
          cancelled_at="2025-03-14T10:00:00Z", ended_at="2025-03-15T00:00:00Z")  # fmt: skip
    # c6: cancelled on Mar 13 with the end of the period ahead (Mar 16 10:00).
    L.sub("s6", "c6", "basic", "active", "2025-02-01T00:00:00Z")
    L.sub("s6", "c6", "basic", "cancelled", "2025-02-01T00:00:00Z", "2025-03-13T10:00:00Z",
          cancelled_at="2025-03-13T10:00:00Z", ended_at="2025-03-16T10:00:00Z")  # fmt: skip
    # c7: two subscriptions; one of them cancelled on Mar 18 (contraction, not churn).
    L.sub("s7a", "c7", "basic", "active", "2025-03-01T00:00:00Z")
    L.sub("s7b", "c7", "pro", "active", "2025-03-01T00:00:00Z")
    L.sub("s7a", "c7", "basic", "cancelled", "2025-03-01T00:00:00Z", "2025-03-18T15:00:00Z",
          cancelled_at="2025-03-18T15:00:00Z")  # fmt: skip
    # c8: an end date given in advance on an active subscription (ends Mar 17 00:00).
    L.sub("s8", "c8", "basic", "active", "2025-02-10T00:00:00Z")
    L.sub("s8", "c8", "basic", "active", "2025-02-10T00:00:00Z", "2025-03-02T00:00:00Z",
          ended_at="2025-03-17T00:00:00Z")  # fmt: skip
    L.ingest(api)


# day of March -> (revenue, new, reactivation, expansion, contraction, churn, customers), units.
# Opening (close of Feb 28): c5 50 + c6 30 + c8 30 = 110, three customers.
MARCH = {
    1: (220, 110, 0, 0, 0, 0, 5),  # c1 new 30, c7 new 80
    2: (220, 0, 0, 0, 0, 0, 5),  # c2 trialing
    3: (250, 30, 0, 0, 0, 0, 6),  # c3 new 30
    4: (250, 0, 0, 0, 0, 0, 6),  # c4 trialing
    5: (270, 0, 0, 20, 0, 0, 6),  # c1 30 -> 50
    6: (240, 0, 0, 0, 0, 30, 5),  # c3 paused
    7: (240, 0, 0, 0, 0, 0, 5),
    8: (290, 0, 0, 50, 0, 0, 5),  # c1 50 -> 100 (2 seats)
    9: (340, 50, 0, 0, 0, 0, 6),  # c2 trial converts
    10: (300, 0, 0, 0, 40, 0, 6),  # c1 100 -> 60 (2 x basic)
    11: (300, 0, 0, 0, 0, 0, 6),  # c4 trial ends unconverted: no MRR moves
    12: (240, 0, 0, 0, 0, 60, 5),  # c1 cancels
    13: (240, 0, 0, 0, 0, 0, 5),  # c6 cancels, runs to Mar 16
    14: (240, 0, 0, 0, 0, 0, 5),  # c5 asks to cancel at period end
    15: (220, 0, 30, 0, 0, 50, 5),  # c5 ends, c3 resumes
    16: (190, 0, 0, 0, 0, 30, 4),  # c6 ends
    17: (160, 0, 0, 0, 0, 30, 3),  # c8 ends
    18: (130, 0, 0, 0, 30, 0, 3),  # c7 loses s7a
    19: (130, 0, 0, 0, 0, 0, 3),
    20: (160, 0, 30, 0, 0, 0, 4),  # c1 comes back on basic
}


def test_march_daily_movements(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    _march(api)
    with engine.connect() as conn:
        series = daily_movements(conn, tenant.id, date(2025, 3, 1), date(2025, 3, 20), UTC_ZONE)
    amounts = [
        (p.revenue, p.new, p.reactivation, p.expansion, p.contraction, p.churn) for p in series
    ]
    got = {
        p.day.day: (*(v // M for v in row), p.customers)
        for p, row in zip(series, amounts, strict=True)
    }
    assert [p.currency for p in series] == ["USD"] * 20
    assert got == MARCH
    assert all(p.revenue % M == 0 for p in series)


def test_march_customer_movements(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    _march(api)
    with engine.connect() as conn:
        moves = customer_movements(conn, tenant.id, date(2025, 3, 10), date(2025, 3, 20), UTC_ZONE)
    assert [(m.day.day, m.customer_id, m.kind, m.before // M, m.after // M) for m in moves] == [
        (10, "c1", "contraction", 100, 60),
        (12, "c1", "churn", 60, 0),
        (15, "c3", "reactivation", 0, 30),
        (15, "c5", "churn", 50, 0),
        (16, "c6", "churn", 30, 0),
        (17, "c8", "churn", 30, 0),
        (18, "c7", "contraction", 80, 50),
        (20, "c1", "reactivation", 0, 30),
    ]


def test_march_cancellations(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    _march(api)
    with engine.connect() as conn:
        march = cancellations(
            conn, tenant.id, days_span(date(2025, 3, 1), date(2025, 3, 31), UTC_ZONE)
        )
        only_12th = cancellations(
            conn, tenant.id, Span(ts("2025-03-12T12:00:00Z"), ts("2025-03-12T12:00:01Z"))
        )
        before_12th = cancellations(
            conn, tenant.id, Span(ts("2025-03-01T00:00:00Z"), ts("2025-03-12T12:00:00Z"))
        )
    assert march == [
        Cancellation("s4", "c4", "USD", ts("2025-03-11T00:00:00Z"), 0),  # trialing
        Cancellation("s1", "c1", "USD", ts("2025-03-12T12:00:00Z"), 60 * M),
        Cancellation("s5", "c5", "USD", ts("2025-03-15T00:00:00Z"), 50 * M),
        Cancellation("s6", "c6", "USD", ts("2025-03-16T10:00:00Z"), 30 * M),
        Cancellation("s8", "c8", "USD", ts("2025-03-17T00:00:00Z"), 30 * M),
        Cancellation("s7a", "c7", "USD", ts("2025-03-18T15:00:00Z"), 30 * M),
    ]
    assert [c.subscription_id for c in only_12th] == ["s1"]
    assert [c.subscription_id for c in before_12th] == ["s4"]


def test_march_mrr_at_instants(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    _march(api)
    cases = [
        ("2025-02-28T23:59:59Z", 110),
        ("2025-03-01T00:00:00Z", 190),  # c7's 80 starts at this very instant
        ("2025-03-01T09:00:00Z", 220),
        ("2025-03-12T11:59:59Z", 300),
        ("2025-03-12T12:00:00Z", 240),  # the cancellation is effective at its instant
        ("2025-03-16T09:59:59Z", 220),
        ("2025-03-16T10:00:00Z", 190),
        ("2030-01-01T00:00:00Z", 160),
    ]
    with engine.connect() as conn:
        for at, expected in cases:
            assert mrr_at(conn, tenant.id, ts(at)) == {"USD": expected * M}, at
        assert mrr_at(conn, tenant.id, ts("2025-01-01T00:00:00Z")) == {}


def test_backdated_versions_reshape_history(
    api: httpx.Client, tenant: TenantCtx, engine: Engine
) -> None:
    L = Ledger().plan("basic", "30.00").plan("pro", "50.00")
    L.sub("s1", "c1", "basic", "active", "2025-04-01T00:00:00Z")
    L.sub("s1", "c1", "basic", "active", "2025-04-01T00:00:00Z", "2025-04-10T00:00:00Z",
          quantity=2)  # fmt: skip
    L.ingest(api)

    def series() -> list[tuple[int, int, int, int]]:
        with engine.connect() as conn:
            points = daily_movements(conn, tenant.id, date(2025, 4, 1), date(2025, 4, 12), UTC_ZONE)
        return [
            (p.day.day, p.revenue // M, p.expansion // M, p.new // M)
            for p in points
            if p.net or p.day.day == 1
        ]

    assert series() == [(1, 30, 0, 30), (10, 60, 30, 0)]
    # Recorded later, effective Apr 5: pro from then until the Apr 10 version takes over.
    body = {
        "customer_id": "c1",
        "plan_id": "pro",
        "status": "active",
        "started_at": "2025-04-01T00:00:00Z",
        "effective_at": "2025-04-05T06:00:00Z",
    }
    assert api.put("/v1/subscriptions/s1", json=body).status_code == 200
    assert series() == [(1, 30, 0, 30), (5, 50, 20, 0), (10, 60, 10, 0)]
    # A backdated cancellation on Apr 7 makes the Apr 10 version a reactivation.
    cancel = {**body, "status": "cancelled", "effective_at": "2025-04-07T00:00:00Z",
              "cancelled_at": "2025-04-07T00:00:00Z"}  # fmt: skip
    assert api.put("/v1/subscriptions/s1", json=cancel).status_code == 200
    with engine.connect() as conn:
        moves = customer_movements(conn, tenant.id, date(2025, 4, 1), date(2025, 4, 12), UTC_ZONE)
        ends = cancellations(
            conn, tenant.id, days_span(date(2025, 4, 1), date(2025, 4, 30), UTC_ZONE)
        )
    assert [(m.day.day, m.kind, m.amount // M) for m in moves] == [
        (1, "new", 30),
        (5, "expansion", 20),
        (7, "churn", 50),
        (10, "reactivation", 60),
    ]
    assert ends == [Cancellation("s1", "c1", "USD", ts("2025-04-07T00:00:00Z"), 50 * M)]


@pytest.fixture
def ny_tenant(engine: Engine) -> TenantCtx:
    return make_tenant(engine, timezone="America/New_York")


def test_tenant_zone_days(http: httpx.Client, ny_tenant: TenantCtx, engine: Engine) -> None:
    """Changes at 23:30 New York time belong to that local day (04:30 or 03:30 UTC next day)."""
    http.headers.update(ny_tenant.headers)
    L = Ledger().plan("basic", "30.00").plan("pro", "50.00")
    # 2025-03-31 23:30 EDT = 2025-04-01 03:30 UTC
    L.sub("s1", "c1", "basic", "active", "2025-03-31T23:30:00-04:00")
    # upgrade 2025-04-30 23:30 EDT
    L.sub("s1", "c1", "pro", "active", "2025-03-31T23:30:00-04:00", "2025-04-30T23:30:00-04:00")
    # a second customer starts at local midnight May 1 (04:00 UTC) and leaves 2025-11-02 23:30
    # EST (DST ended that morning: a 25-hour day) = 2025-11-03 04:30 UTC.
    L.sub("s2", "c2", "basic", "active", "2025-05-01T00:00:00-04:00")
    L.sub("s2", "c2", "basic", "cancelled", "2025-05-01T00:00:00-04:00",
          "2025-11-02T23:30:00-05:00", cancelled_at="2025-11-02T23:30:00-05:00")  # fmt: skip
    L.ingest(http)
    tid = ny_tenant.id
    with engine.connect() as conn:
        spring = daily_movements(conn, tid, date(2025, 3, 30), date(2025, 5, 1), NY)
        autumn = daily_movements(conn, tid, date(2025, 11, 1), date(2025, 11, 3), NY)
        closes = {
            d: mrr_at(conn, tid, day_close(d, NY)).get("USD", 0) // M
            for d in (date(2025, 3, 30), date(2025, 3, 31), date(2025, 4, 30), date(2025, 11, 2))
        }
        utc_view = daily_movements(conn, tid, date(2025, 4, 1), date(2025, 4, 1), UTC_ZONE)
    by_day = {p.day: p for p in spring}
    assert by_day[date(2025, 3, 30)].revenue == 0
    assert (by_day[date(2025, 3, 31)].new, by_day[date(2025, 3, 31)].revenue) == (30 * M, 30 * M)
    assert by_day[date(2025, 4, 1)].new == 0
    assert by_day[date(2025, 4, 30)].expansion == 20 * M
    assert by_day[date(2025, 5, 1)].new == 30 * M
    assert by_day[date(2025, 5, 1)].revenue == 80 * M
    assert [(p.day.day, p.revenue // M, p.churn // M) for p in autumn] == [
        (1, 80, 0),
        (2, 50, 30),
        (3, 50, 0),
    ]
    assert closes == {
        date(2025, 3, 30): 0,
        date(2025, 3, 31): 30,
        date(2025, 4, 30): 50,
        date(2025, 11, 2): 50,
    }
    # The same data seen in UTC days: the start falls on April 1.
    assert utc_view[0].new == 30 * M
    assert day_close(date(2025, 11, 2), NY) == ts("2025-11-03T04:59:59.999999Z")
    assert day_close(date(2025, 3, 9), NY) - day_close(date(2025, 3, 8), NY) == timedelta(hours=23)


def test_two_currencies(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    L = Ledger().plan("usd", "30.00").plan("eur", "240.00", unit="year", currency="EUR")
    L.sub("a", "c1", "usd", "active", "2025-06-02T10:00:00Z")
    L.sub("b", "c2", "eur", "active", "2025-06-03T10:00:00Z")  # 20/month
    L.sub("c", "c1", "eur", "active", "2025-06-03T11:00:00Z", quantity=2)  # 40/month
    L.sub("a", "c1", "usd", "cancelled", "2025-06-02T10:00:00Z", "2025-06-04T10:00:00Z",
          cancelled_at="2025-06-04T10:00:00Z")  # fmt: skip
    L.ingest(api)
    first, last = date(2025, 6, 1), date(2025, 6, 4)
    with engine.connect() as conn:
        both = daily_movements(conn, tenant.id, first, last, UTC_ZONE)
        eur = daily_movements(conn, tenant.id, first, last, UTC_ZONE, currency="EUR")
        gbp = daily_movements(conn, tenant.id, first, last, UTC_ZONE, currency="GBP")
        early = daily_movements(conn, tenant.id, date(2025, 5, 1), date(2025, 6, 2), UTC_ZONE)
    assert [(p.day.day, p.currency, p.revenue // M, p.new // M, p.churn // M) for p in both] == [
        (1, "EUR", 0, 0, 0),
        (1, "USD", 0, 0, 0),
        (2, "EUR", 0, 0, 0),
        (2, "USD", 30, 30, 0),
        (3, "EUR", 60, 60, 0),  # c2 20 and c1 40: two new customers in EUR
        (3, "USD", 30, 0, 0),
        (4, "EUR", 60, 0, 0),
        (4, "USD", 0, 0, 30),
    ]
    assert [p.customers for p in both if p.day.day == 3] == [2, 1]
    assert [(p.day.day, p.currency) for p in eur] == [(d, "EUR") for d in range(1, 5)]
    assert gbp == []
    # Up to June 2 only USD has had revenue.
    assert {p.currency for p in early} == {"USD"}


def test_livemode_and_product_scope(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    L = Ledger().plan("a", "30.00", product="A").plan("b", "50.00", product="B")
    L.sub("live_a", "c1", "a", "active", "2025-07-01T00:00:00Z")
    L.sub("test_a", "c2", "a", "active", "2025-07-01T00:00:00Z", livemode=False)
    # moves from product A to product B on Jul 10, then cancels on Jul 20
    L.sub("mover", "c3", "a", "active", "2025-07-01T00:00:00Z")
    L.sub("mover", "c3", "b", "active", "2025-07-01T00:00:00Z", "2025-07-10T00:00:00Z")
    L.sub("mover", "c3", "b", "cancelled", "2025-07-01T00:00:00Z", "2025-07-20T00:00:00Z",
          cancelled_at="2025-07-20T00:00:00Z")  # fmt: skip
    L.ingest(api)
    july = days_span(date(2025, 7, 1), date(2025, 7, 31), UTC_ZONE)
    jul5, jul15 = ts("2025-07-05T00:00:00Z"), ts("2025-07-15T00:00:00Z")
    with engine.connect() as conn:
        assert mrr_at(conn, tenant.id, jul5) == {"USD": 60 * M}
        assert mrr_at(conn, tenant.id, jul5, livemode=False) == {"USD": 30 * M}
        assert mrr_at(conn, tenant.id, jul5, product_id="A") == {"USD": 60 * M}
        assert mrr_at(conn, tenant.id, jul15, product_id="A") == {"USD": 30 * M}
        assert mrr_at(conn, tenant.id, jul15, product_id="B") == {"USD": 50 * M}
        assert mrr_at(conn, tenant.id, jul15, product_id="nope") == {}
        assert [c.subscription_id for c in cancellations(conn, tenant.id, july)] == ["mover"]
        assert cancellations(conn, tenant.id, july, product_id="A") == []
        assert [c.mrr for c in cancellations(conn, tenant.id, july, product_id="B")] == [50 * M]
        assert cancellations(conn, tenant.id, july, livemode=False) == []
        a_moves = customer_movements(
            conn, tenant.id, date(2025, 7, 1), date(2025, 7, 31), UTC_ZONE, product_id="A"
        )
    # Under product A the mover leaves on Jul 10 (its MRR moved to product B).
    assert [(m.day.day, m.customer_id, m.kind) for m in a_moves] == [
        (1, "c1", "new"),
        (1, "c3", "new"),
        (10, "c3", "churn"),
    ]


def test_other_tenant_sees_nothing(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    Ledger().plan("basic", "30.00").sub("s", "c", "basic", "active", "2025-01-01T00:00:00Z").ingest(
        api
    )
    other = make_tenant(engine)
    with engine.connect() as conn:
        assert mrr_at(conn, tenant.id, ts("2025-02-01T00:00:00Z")) == {"USD": 30 * M}
        assert mrr_at(conn, other.id, ts("2025-02-01T00:00:00Z")) == {}
        assert daily_movements(conn, other.id, date(2025, 1, 1), date(2025, 1, 2), UTC_ZONE) == []
