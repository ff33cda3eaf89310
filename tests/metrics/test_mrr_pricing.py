"""MRR per subscription: normalisation to a month, quantity, discounts, status (hand-computed).

Every case is one customer with one subscription started on 2025-01-01 12:00 UTC, ingested
through the API; its MRR is read back as that customer's ``new`` movement on that day.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import Engine

from billstats.metrics.mrr import customer_movements, mrr_at
from tests.conftest import TenantCtx
from tests.metrics.test_mrr_support import Ledger, ts

START = "2025-01-01T12:00:00Z"


def forever(**off: str) -> dict[str, Any]:
    return {**off, "duration": "forever"}


ONCE_HALF = {"percent": "50", "duration": "once"}
REPEATING_HALF = {"percent": "50", "duration": "repeating", "ends_at": "2025-06-01T00:00:00Z"}
UTC_ZONE = ZoneInfo("UTC")

# (customer, plan amount, unit, count, currency, quantity, discount or None, expected MRR)
CASES: list[tuple[str, str, str, int, str, int, dict[str, Any] | None, str]] = [
    ("month", "30.00", "month", 1, "USD", 1, None, "30.00"),
    ("quarter", "90.00", "month", 3, "USD", 1, None, "30.00"),
    ("half_year", "100.00", "month", 6, "USD", 1, None, "16.67"),  # 16.666..
    ("year", "120.00", "year", 1, "USD", 1, None, "10.00"),
    ("year_odd", "100.00", "year", 1, "USD", 1, None, "8.33"),  # 8.333..
    ("two_years", "240.00", "year", 2, "USD", 1, None, "10.00"),
    ("week", "10.00", "week", 1, "USD", 1, None, "43.33"),  # 10 * 52 / 12 = 43.333..
    ("fortnight", "10.00", "week", 2, "USD", 1, None, "21.67"),  # 21.666..
    ("day", "1.00", "day", 1, "USD", 1, None, "30.42"),  # 365 / 12 = 30.4166..
    ("week_of_days", "7.00", "day", 7, "USD", 1, None, "30.42"),
    ("seats", "30.00", "month", 1, "USD", 3, None, "90.00"),
    ("seats_year", "100.00", "year", 1, "USD", 2, None, "16.67"),  # 200 / 12 = 16.666..
    ("forever_pct", "40.00", "month", 1, "USD", 1, forever(percent="25"), "30.00"),
    ("forever_pct_seats", "40.00", "month", 1, "USD", 2, forever(percent="12.5"), "70.00"),
    ("forever_amt", "30.00", "month", 1, "USD", 1, forever(amount="5.00"), "25.00"),
    ("forever_amt_year", "120.00", "year", 1, "USD", 1, forever(amount="20.00"), "8.33"),
    ("forever_too_big", "30.00", "month", 1, "USD", 1, forever(amount="50.00"), "0.00"),
    ("once", "30.00", "month", 1, "USD", 1, ONCE_HALF, "30.00"),
    ("repeating", "30.00", "month", 1, "USD", 1, REPEATING_HALF, "30.00"),
    ("free", "0.00", "month", 1, "USD", 1, None, "0.00"),
    ("jpy_year", "1000", "year", 1, "JPY", 1, None, "83"),  # 83.33 rounded to whole yen
    ("kwd_year", "1.000", "year", 1, "KWD", 1, None, "0.083"),  # 0.08333 to 3 decimals
    ("eur_half_even", "0.30", "year", 1, "EUR", 1, None, "0.02"),  # 0.025 -> 0.02 (half-even)
    ("eur_half_even_up", "0.42", "year", 1, "EUR", 1, None, "0.04"),  # 0.035 -> 0.04
]  # fmt: skip


def _micros(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 1_000_000 + int(frac.ljust(6, "0"))


def test_monthly_value_per_case(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    ledger = Ledger()
    for name, amount, unit, count, currency, quantity, discount, _ in CASES:
        ledger.plan(f"p_{name}", amount, unit=unit, count=count, currency=currency)
        extra: dict[str, Any] = {"quantity": quantity}
        if discount is not None:
            extra["discount"] = discount
        ledger.sub(f"s_{name}", name, f"p_{name}", "active", START, **extra)
    ledger.ingest(api)
    day = date(2025, 1, 1)
    with engine.connect() as conn:
        moves = customer_movements(conn, tenant.id, day, day, UTC_ZONE)
        totals = mrr_at(conn, tenant.id, ts("2025-01-02T00:00:00Z"))
    got = {m.customer_id: (m.kind, m.after) for m in moves}
    for name, *_, expected in CASES:
        if _micros(expected) == 0:
            assert name not in got, name
        else:
            assert got[name] == ("new", _micros(expected)), name
    # The sums per currency, added up by hand from the table.
    assert totals == {
        "EUR": _micros("0.06"),
        "JPY": _micros("83"),
        "KWD": _micros("0.083"),
        "USD": _micros("530.84"),
    }


# status of the only version -> counts in MRR at 2025-02-01?
C10, E20, E0301 = (
    {"cancelled_at": "2025-01-10T00:00:00Z"},
    {"ended_at": "2025-01-20T00:00:00Z"},
    {"ended_at": "2025-03-01T00:00:00Z"},
)
STATUSES: list[tuple[str, dict[str, Any], bool]] = [
    ("active", {}, True),
    ("past_due", {}, True),
    ("trialing", {"trial_ends_at": "2025-03-01T00:00:00Z"}, False),
    # the trial ended on paper but no version says it converted: still not paying
    ("trialing", {"trial_ends_at": "2025-01-15T00:00:00Z"}, False),
    ("paused", {}, False),
    # a single cancelled snapshot: it ran from started_at until cancelled_at (or ended_at)
    ("cancelled", C10, False),
    ("cancelled", {**C10, **E20}, False),
    # cancelled at period end, the end still ahead: paying until then
    ("cancelled", {**C10, **E0301}, True),
    # active with a trial that ends later: still in trial
    ("active", {"trial_ends_at": "2025-03-01T00:00:00Z"}, False),
    # active with a trial that has ended: paying
    ("active", {"trial_ends_at": "2025-01-15T00:00:00Z"}, True),
    # active with an end date already passed: ended
    ("active", {"ended_at": "2025-01-20T00:00:00Z"}, False),
    ("active", {"ended_at": "2025-03-01T00:00:00Z"}, True),
    ("past_due", {"cancelled_at": "2025-01-20T00:00:00Z"}, True),  # cancel requested only
]  # fmt: skip


def test_status_decides_contribution(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    ledger = Ledger().plan("m", "30.00")
    for i, (status, extra, _) in enumerate(STATUSES):
        ledger.sub(f"s{i}", f"c{i}", "m", status, "2025-01-05T00:00:00Z", **extra)
    ledger.ingest(api)
    at = ts("2025-02-01T00:00:00Z")
    with engine.connect() as conn:
        moves = customer_movements(conn, tenant.id, date(2025, 1, 1), date(2025, 1, 31), UTC_ZONE)
        total = mrr_at(conn, tenant.id, at)
    paying_in_feb = {f"c{i}" for i, (_, _, counts) in enumerate(STATUSES) if counts}
    assert total == {"USD": 30_000_000 * len(paying_in_feb)}
    # Movements in January tell each customer's story at day closes.
    story = {(m.customer_id, m.day.isoformat(), m.kind, m.amount) for m in moves}
    expected = {
        ("c0", "2025-01-05", "new", 30_000_000),
        ("c1", "2025-01-05", "new", 30_000_000),
        # a lone cancelled snapshot ran from its start until its end
        ("c5", "2025-01-05", "new", 30_000_000),
        ("c5", "2025-01-10", "churn", 30_000_000),
        ("c6", "2025-01-05", "new", 30_000_000),
        ("c6", "2025-01-20", "churn", 30_000_000),
        ("c7", "2025-01-05", "new", 30_000_000),
        ("c9", "2025-01-15", "new", 30_000_000),  # paying from the end of its trial
        ("c10", "2025-01-05", "new", 30_000_000),
        ("c10", "2025-01-20", "churn", 30_000_000),
        ("c11", "2025-01-05", "new", 30_000_000),
        ("c12", "2025-01-05", "new", 30_000_000),
    }
    assert story == expected
