"""Native ``mrr``, ``arr``, ``customers``, ``arpa``, ``asp``: hand-computed scenarios.

Each scenario's records are ingested through the real API (``POST /v1/import``) into a fresh
tenant, on SQLite and PostgreSQL; every expected value is computed by hand in the comments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import make_tenant
from tests.metrics.test_mrr_support import Ledger
from tests.metrics.test_native_mrr_support import Check, Query, Shown, d, r, verify

MRR = ("mrr", "new_business", "expansion", "contraction", "churn", "reactivation", "fx_impact")
MOVES = ("mrr", "new_business", "expansion", "contraction", "churn", "reactivation")
CUST = ("customers", "new_customers", "churned_customers")
Z = d("0")


def mar(day: int) -> date:
    return date(2025, 3, day)


@dataclass(frozen=True)
class Scenario:
    build: Callable[[Ledger], None]
    checks: tuple[Check, ...]
    timezone: str = "UTC"


# -- $1,200 a year is $100 MRR; $90 a quarter is $30; tax never counts ---------------------------


def _prices(L: Ledger) -> None:
    L.plan("yearly", "1200.00", unit="year").plan("quarterly", "90.00", count=3)
    L.plan("monthly", "100.00")
    L.sub("s1", "c1", "yearly", "active", "2025-03-10T09:00:00Z")
    L.sub("s2", "c2", "quarterly", "active", "2025-03-12T09:00:00Z")
    L.sub("s3", "c3", "monthly", "active", "2025-03-15T09:00:00Z")
    # c3's first invoice: 100 + 20 tax, paid.  Invoices and payments never enter MRR.
    invoice = {
        "id": "in1", "customer_id": "c3", "subscription_id": "s3", "currency": "USD",
        "status": "paid", "billing_reason": "subscription_create",
        "issued_at": "2025-03-15T09:00:00Z", "paid_at": "2025-03-15T09:05:00Z",
        "tax_amount": "20.00", "total": "120.00",
        "lines": [{"type": "subscription", "amount": "100.00"}],
    }  # fmt: skip
    L.lines.append(("invoices", invoice))
    L.lines.append(
        ("payments", {"id": "py1", "customer_id": "c3", "invoice_id": "in1", "amount": "120.00",
                      "currency": "USD", "status": "succeeded",
                      "created_at": "2025-03-15T09:05:00Z"})
    )  # fmt: skip


PRICES = Scenario(
    _prices,
    (
        Check(
            Query(date(2025, 2, 1), mar(31), "month"),
            ("mrr", "arr", "customers", "arpa", "asp"),
            (*MRR, "arr", *CUST, "arpa", "asp"),
            {
                "2025-02-01": (Z, Z, Z, Z, Z, Z, Z, Z, 0, 0, 0, None, None),
                # 1200/12 = 100, 90/3 = 30, 100 (tax excluded): 230; ARR 2760;
                # ARPA = ASP = 230/3 = 76.666... -> 76.67.
                "2025-03-01": (
                    d("230"),
                    d("230"),
                    Z,
                    Z,
                    Z,
                    Z,
                    Z,
                    d("2760"),
                    3,
                    3,
                    0,
                    d("76.67"),
                    d("76.67"),
                ),
            },
        ),
        Check(
            Query(mar(9), mar(15)),
            ("mrr",),
            ("mrr", "new_business"),
            {
                "2025-03-09": (Z, Z),
                "2025-03-10": (d("100"), d("100")),
                "2025-03-11": (d("100"), Z),
                "2025-03-12": (d("130"), d("30")),
                "2025-03-13": (d("130"), Z),
                "2025-03-14": (d("130"), Z),
                "2025-03-15": (d("230"), d("100")),
            },
        ),
    ),
)


# -- a 50%-forever discount halves MRR; a once-off one does not --------------------------------


def _discounts(L: Ledger) -> None:
    L.plan("monthly", "100.00")
    L.sub("s1", "c1", "monthly", "active", "2025-03-01T00:00:00Z",
          discount={"percent": "50", "duration": "forever"})  # fmt: skip
    L.sub("s2", "c2", "monthly", "active", "2025-03-01T00:00:00Z",
          discount={"percent": "50", "duration": "once"})  # fmt: skip
    L.sub("s3", "c3", "monthly", "active", "2025-03-01T00:00:00Z",
          discount={"amount": "10.00", "duration": "forever"})  # fmt: skip
    repeating = {"percent": "50", "duration": "repeating", "ends_at": "2025-06-01T00:00:00Z"}
    L.sub("s4", "c4", "monthly", "active", "2025-03-01T00:00:00Z", discount=repeating)


DISCOUNTS = Scenario(
    _discounts,
    (
        Check(
            Query(mar(1), mar(31), "month"),
            ("mrr", "arpa"),
            (*MOVES, "arpa"),
            # 50 (forever 50%) + 100 (once) + 90 (forever 10 off) + 100 (repeating) = 340.
            {"2025-03-01": (d("340"), d("340"), Z, Z, Z, Z, d("85"))},
        ),
    ),
)


# -- a second subscription is expansion, cancelling one of two contraction, the last churn,
#    coming back reactivation ----------------------------------------------------------------


def _lifecycle(L: Ledger) -> None:
    L.plan("p100", "100.00").plan("p50", "50.00").plan("p30", "30.00").plan("p40", "40.00")
    L.sub("s0", "c2", "p100", "active", "2025-02-01T00:00:00Z")  # steady 100 from February
    L.sub("s1", "c1", "p50", "active", "2025-03-01T10:00:00Z")
    L.sub("s2", "c1", "p30", "active", "2025-03-10T10:00:00Z")
    L.sub("s2", "c1", "p30", "cancelled", "2025-03-10T10:00:00Z", "2025-03-20T10:00:00Z",
          cancelled_at="2025-03-20T10:00:00Z", ended_at="2025-03-20T10:00:00Z")  # fmt: skip
    L.sub("s1", "c1", "p50", "cancelled", "2025-03-01T10:00:00Z", "2025-04-05T10:00:00Z",
          cancelled_at="2025-04-05T10:00:00Z", ended_at="2025-04-05T10:00:00Z")  # fmt: skip
    L.sub("s3", "c1", "p40", "active", "2025-05-10T10:00:00Z")


LIFECYCLE = Scenario(
    _lifecycle,
    (
        Check(
            Query(mar(1), date(2025, 5, 31), "month"),
            ("mrr", "customers", "arpa", "asp"),
            (*MRR, *CUST, "arpa", "asp"),
            {
                # start 100 (c2); c1 new 50, second subscription +30 (expansion), one of two
                # cancelled -30 (contraction): 150; 2 customers, ARPA 75, ASP 50/1.
                "2025-03-01": (
                    d("150"),
                    d("50"),
                    d("30"),
                    d("30"),
                    Z,
                    Z,
                    Z,
                    2,
                    1,
                    0,
                    d("75"),
                    d("50"),
                ),
                # c1 cancels its last subscription: churn 50.
                "2025-04-01": (d("100"), Z, Z, Z, d("50"), Z, Z, 1, 0, 1, d("100"), None),
                # c1 comes back: reactivation 40 (not new business: no new customer).
                "2025-05-01": (d("140"), Z, Z, Z, Z, d("40"), Z, 2, 0, 0, d("70"), None),
            },
        ),
        Check(
            Query(mar(1), date(2025, 5, 31), "year"),
            ("mrr", "customers"),
            (*MRR, *CUST),
            # One bucket: 100 + 50 + 30 + 40 - 30 - 50 = 140; c1 new, churned (and back).
            {"2025-03-01": (d("140"), d("50"), d("30"), d("30"), d("50"), d("40"), Z, 2, 1, 1)},
        ),
        Check(
            Query(mar(9), mar(10)),
            ("mrr",),
            MOVES,
            {
                "2025-03-09": (d("150"), Z, Z, Z, Z, Z),
                "2025-03-10": (d("180"), Z, d("30"), Z, Z, Z),
            },
        ),
    ),
)


# -- buckets: day, week (Monday first), month, quarter, year, partial at both ends --------------


def _buckets(L: Ledger) -> None:
    L.plan("p50", "50.00").plan("p30", "30.00")
    L.sub("s1", "c1", "p50", "active", "2025-03-05T10:00:00Z")  # a Wednesday
    L.sub("s2", "c2", "p30", "active", "2025-03-12T10:00:00Z")
    L.sub("s2", "c2", "p30", "cancelled", "2025-03-12T10:00:00Z", "2025-03-18T10:00:00Z",
          cancelled_at="2025-03-18T10:00:00Z", ended_at="2025-03-18T10:00:00Z")  # fmt: skip


def _days() -> dict[str, tuple[Shown, ...]]:
    out: dict[str, tuple[Shown, ...]] = {}
    for day in range(4, 20):
        mrr = 0 if day < 5 else 50 if day < 12 else 80 if day < 18 else 50
        new = 50 if day == 5 else 30 if day == 12 else 0
        out[mar(day).isoformat()] = (d(str(mrr)), d(str(new)), d("30") if day == 18 else Z)
    return out


BUCKETS = Scenario(
    _buckets,
    (
        Check(Query(mar(4), mar(19)), ("mrr",), ("mrr", "new_business", "churn"), _days()),
        Check(
            Query(mar(4), mar(19), "week"),
            ("mrr", "customers"),
            ("mrr", "new_business", "churn", *CUST),
            {
                "2025-03-04": (d("50"), d("50"), Z, 1, 1, 0),  # Tue 4 - Sun 9 (partial)
                "2025-03-10": (d("80"), d("30"), Z, 2, 1, 0),  # Mon 10 - Sun 16
                "2025-03-17": (d("50"), Z, d("30"), 1, 0, 1),  # Mon 17 - Wed 19 (partial)
            },
        ),
        Check(
            Query(date(2025, 2, 20), mar(19), "month"),
            ("mrr", "customers"),
            ("mrr", "new_business", "churn", *CUST),
            {
                "2025-02-20": (Z, Z, Z, 0, 0, 0),
                "2025-03-01": (d("50"), d("80"), d("30"), 1, 2, 1),
            },
        ),
        Check(
            Query(date(2025, 1, 15), date(2025, 4, 2), "quarter"),
            ("mrr",),
            ("mrr", "new_business", "churn"),
            {"2025-01-15": (d("50"), d("80"), d("30")), "2025-04-01": (d("50"), Z, Z)},
        ),
        Check(
            Query(date(2024, 12, 1), date(2025, 1, 31), "year"),
            ("mrr",),
            ("mrr", "new_business"),
            {"2024-12-01": (Z, Z), "2025-01-01": (Z, Z)},
        ),
    ),
)


# -- a change at 23:30 local on a month's last day belongs to that month ------------------------


def _month_end(L: Ledger) -> None:
    L.plan("p50", "50.00").plan("p30", "30.00").plan("p20", "20.00")
    L.sub("s1", "c1", "p50", "active", "2025-01-31T23:30:00-05:00")  # = Feb 1 04:30 UTC
    L.sub("s2", "c2", "p30", "active", "2025-01-15T12:00:00-05:00")
    end = "2025-02-28T23:30:00-05:00"
    L.sub("s2", "c2", "p30", "cancelled", "2025-01-15T12:00:00-05:00", end,
          cancelled_at=end, ended_at=end)  # fmt: skip
    L.sub("s3", "c3", "p20", "active", "2025-03-01T00:00:00-05:00")


MONTH_END = Scenario(
    _month_end,
    (
        Check(
            Query(date(2025, 1, 1), mar(31), "month"),
            ("mrr", "customers", "customer_churn_rate"),
            ("mrr", "new_business", "churn", *CUST, "customer_churn_rate"),
            {
                "2025-01-01": (d("80"), d("80"), Z, 2, 2, 0, None),  # nobody paid on Dec 31
                "2025-02-01": (d("50"), Z, d("30"), 1, 0, 1, r("0.5")),  # 1 of 2
                "2025-03-01": (d("70"), d("20"), Z, 2, 1, 0, r("0")),
            },
        ),
        Check(
            Query(date(2025, 1, 31), date(2025, 2, 1)),
            ("mrr",),
            ("mrr", "new_business"),
            {"2025-01-31": (d("80"), d("50")), "2025-02-01": (d("80"), Z)},
        ),
    ),
    timezone="America/New_York",
)


# -- product, plan and live/test filters -----------------------------------------------------


def _filters(L: Ledger) -> None:
    L.plan("basic", "30.00", product="A").plan("pro", "50.00", product="A")
    L.plan("other", "20.00", product="B")
    L.sub("s1", "c1", "basic", "active", "2025-03-01T00:00:00Z")
    L.sub("s1", "c1", "pro", "active", "2025-03-01T00:00:00Z", "2025-03-10T00:00:00Z")
    L.sub("s2", "c2", "other", "active", "2025-03-05T00:00:00Z")
    L.sub("s3", "c3", "basic", "active", "2025-03-03T00:00:00Z", livemode=False)


def _march(**filters: object) -> Query:
    return Query(mar(1), mar(31), "month", **filters)  # type: ignore[arg-type]


FILTERS = Scenario(
    _filters,
    (
        # Everything live: c1 new 30, upgrade +20; c2 new 20.
        Check(
            _march(),
            ("mrr", "customers"),
            (*MOVES, "customers"),
            {"2025-03-01": (d("70"), d("50"), d("20"), Z, Z, Z, 2)},
        ),
        # Product A: c1 only.  Product B: c2 only.
        Check(
            _march(product_id="A"),
            ("mrr", "customers"),
            (*MOVES, "customers"),
            {"2025-03-01": (d("50"), d("30"), d("20"), Z, Z, Z, 1)},
        ),
        Check(
            _march(product_id="B"),
            ("mrr", "customers"),
            (*MOVES, "customers"),
            {"2025-03-01": (d("20"), d("20"), Z, Z, Z, Z, 1)},
        ),
        # Plan basic: c1 enters on Mar 1 and leaves it for pro on Mar 10 (a churn here).
        Check(
            _march(plan_id="basic"),
            ("mrr", "customers"),
            (*MOVES, "customers"),
            {"2025-03-01": (Z, d("30"), Z, Z, d("30"), Z, 0)},
        ),
        Check(
            _march(plan_id="pro"),
            ("mrr", "customers"),
            (*MOVES, "customers"),
            {"2025-03-01": (d("50"), d("50"), Z, Z, Z, Z, 1)},
        ),
        # Test data only: c3.
        Check(
            _march(livemode=False),
            ("mrr", "customers"),
            (*MOVES, "customers"),
            {"2025-03-01": (d("30"), d("30"), Z, Z, Z, Z, 1)},
        ),
    ),
)


# -- the clock: a bucket holding "now" reads now; later buckets hold no movement ------------------

NOW = datetime(2025, 3, 15, 12, 0, tzinfo=UTC)


def _clock(L: Ledger) -> None:
    L.plan("p50", "50.00").plan("p30", "30.00").plan("p20", "20.00")
    # c1 asked on Mar 14 to cancel at the period's end, today at 18:00 (after "now").
    L.sub("s1", "c1", "p50", "active", "2025-03-01T00:00:00Z")
    L.sub("s1", "c1", "p50", "cancelled", "2025-03-01T00:00:00Z", "2025-03-14T09:00:00Z",
          cancelled_at="2025-03-14T09:00:00Z", ended_at="2025-03-15T18:00:00Z")  # fmt: skip
    # c2 has an upgrade scheduled for Mar 20.
    L.sub("s2", "c2", "p30", "active", "2025-03-02T00:00:00Z")
    L.sub("s2", "c2", "p50", "active", "2025-03-02T00:00:00Z", "2025-03-20T00:00:00Z")
    # c3's trial ends today at 20:00.
    L.sub("s3", "c3", "p20", "active", "2025-03-10T00:00:00Z",
          trial_ends_at="2025-03-15T20:00:00Z")  # fmt: skip


CLOCK = Scenario(
    _clock,
    (
        # As seen at noon on Mar 15: c1 still pays, c2 on p30, c3 trialing; April is ahead.
        Check(
            Query(mar(1), date(2025, 4, 30), "month", now=NOW),
            ("mrr", "arr", "customers", "trials", "subscriptions"),
            (*MRR, "arr", *CUST, "trials", "trials_started", "subscriptions"),
            {
                "2025-03-01": (d("80"), d("80"), Z, Z, Z, Z, Z, d("960"), 2, 2, 0, 1, 1, 2),
                "2025-04-01": (d("80"), Z, Z, Z, Z, Z, Z, d("960"), 2, 0, 0, 1, 0, 2),
            },
        ),
        Check(
            Query(mar(14), mar(21), now=NOW),
            ("mrr",),
            MOVES,
            {mar(n).isoformat(): (d("80"), Z, Z, Z, Z, Z) for n in range(14, 22)},
        ),
        # Seen later, the same days: c1 ends and c3 converts on the 15th, c2 upgrades on the 20th.
        Check(
            Query(mar(14), mar(21)),
            ("mrr",),
            MOVES,
            {
                **{mar(n).isoformat(): (d("80"), Z, Z, Z, Z, Z) for n in (14,)},
                "2025-03-15": (d("50"), d("20"), Z, Z, d("50"), Z),
                **{mar(n).isoformat(): (d("50"), Z, Z, Z, Z, Z) for n in range(16, 20)},
                "2025-03-20": (d("70"), Z, d("20"), Z, Z, Z),
                "2025-03-21": (d("70"), Z, Z, Z, Z, Z),
            },
        ),
    ),
)


SCENARIOS = {
    "prices": PRICES,
    "discounts": DISCOUNTS,
    "lifecycle": LIFECYCLE,
    "buckets": BUCKETS,
    "month_end_2330": MONTH_END,
    "filters": FILTERS,
    "clock": CLOCK,
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario(name: str, http: httpx.Client, engine: Engine) -> None:
    scenario = SCENARIOS[name]
    tenant = make_tenant(engine, timezone=scenario.timezone)
    http.headers.update(tenant.headers)
    ledger = Ledger()
    scenario.build(ledger)
    ledger.ingest(http)
    for check in scenario.checks:
        verify(engine, tenant, check)
