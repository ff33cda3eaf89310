"""Native MRR in two currencies: conversion at each day's rate, ``fx_impact``, the ``currency=``
filter (native values, no conversion), a customer paying in two currencies, a missing rate.

Reporting currency USD; rates are USD per EUR.  Hand-computed, both databases, records
ingested through the API.
"""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from sqlalchemy import Engine

from billstats.metrics.fx import MissingRate
from tests.conftest import TenantCtx
from tests.metrics.test_mrr_support import Ledger
from tests.metrics.test_native_mrr_support import Check, Query, d, run, verify

MRR = ("mrr", "new_business", "expansion", "contraction", "churn", "reactivation", "fx_impact")
CUST = ("customers", "new_customers", "churned_customers")
NAMES = ("mrr", "customers", "arpa", "asp", "arr")
FIELDS = (*MRR, *CUST, "arpa", "asp", "arr")
Z = d("0")
RATES = {
    "2025-02-01": "1.10",
    "2025-02-28": "1.10",
    "2025-03-10": "1.10",
    "2025-03-31": "1.25",
    "2025-04-10": "1.20",
    "2025-04-30": "1.30",
}


def rates(ledger: Ledger, table: dict[str, str]) -> None:
    for day, rate in table.items():
        ledger.lines.append(("fx_rates", {"currency": "EUR", "date": day, "rate": rate}))


def _two_currencies(ledger: Ledger) -> None:
    ledger.plan("usd50", "50.00").plan("eur100", "100.00", currency="EUR")
    rates(ledger, RATES)
    ledger.sub("s1", "c1", "usd50", "active", "2025-03-03T00:00:00Z")
    ledger.sub("s2", "c2", "eur100", "active", "2025-03-10T00:00:00Z")
    ledger.sub("s2", "c2", "eur100", "active", "2025-03-10T00:00:00Z", "2025-04-10T00:00:00Z",
               quantity=2)  # fmt: skip
    ledger.sub("s3", "c3", "eur100", "active", "2025-02-01T00:00:00Z")
    ledger.sub("s4", "c3", "usd50", "active", "2025-03-20T00:00:00Z")


SPRING = (date(2025, 3, 1), date(2025, 4, 30))

CHECKS = [
    # Converted into USD.  Feb 28: c3's 100 EUR x 1.10 = 110.
    # March: new c1 50 + c2 100 EUR x 1.10 (Mar 10) = 160; c3 adds a USD subscription: an
    # expansion of 50 (c3 already paid, in EUR).  Mar 31: USD 100 + EUR 200 x 1.25 = 350;
    # fx_impact = 350 - 110 - 210 = 30 (the 200 EUR revalued from 1.10 to 1.25).
    # April: c2 doubles on Apr 10: +100 EUR x 1.20 = 120.  Apr 30: 100 + 300 x 1.30 = 490;
    # fx_impact = 490 - 350 - 120 = 20 (200 EUR from 1.25 to 1.20: -10; 300 EUR from 1.20 to
    # 1.30: +30).  ARPA 350/3 = 116.67, 490/3 = 163.33; ASP 160/2 = 80.
    Check(
        Query(*SPRING, "month"),
        NAMES,
        FIELDS,
        {
            "2025-03-01": (d("350"), d("160"), d("50"), Z, Z, Z, d("30"), 3, 2, 0,
                           d("116.67"), d("80"), d("4200")),
            "2025-04-01": (d("490"), Z, d("120"), Z, Z, Z, d("20"), 3, 0, 0,
                           d("163.33"), None, d("5880")),
        },
    ),
    # The same range in one bucket: 490 = 110 + 160 + 170 + fx 50.
    Check(
        Query(*SPRING, "year"),
        ("mrr",),
        MRR,
        {"2025-03-01": (d("490"), d("160"), d("170"), Z, Z, Z, d("50"))},
    ),
    # EUR only, in EUR, no conversion: c2 and c3's EUR subscription.  fx_impact is 0.
    Check(
        Query(*SPRING, "month", currency="EUR"),
        NAMES,
        FIELDS,
        {
            "2025-03-01": (d("200"), d("100"), Z, Z, Z, Z, Z, 2, 1, 0, d("100"), d("100"),
                           d("2400")),
            "2025-04-01": (d("300"), Z, d("100"), Z, Z, Z, Z, 2, 0, 0, d("150"), None,
                           d("3600")),
        },
    ),
    # USD only: c1 and c3's USD subscription, new business for both (in USD).
    Check(
        Query(*SPRING, "month", currency="USD"),
        NAMES,
        FIELDS,
        {
            "2025-03-01": (d("100"), d("100"), Z, Z, Z, Z, Z, 2, 2, 0, d("50"), d("50"),
                           d("1200")),
            "2025-04-01": (d("100"), Z, Z, Z, Z, Z, Z, 2, 0, 0, d("50"), None, d("1200")),
        },
    ),
]  # fmt: skip


@pytest.mark.parametrize("index", range(len(CHECKS)))
def test_two_currencies(index: int, api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    ledger = Ledger()
    _two_currencies(ledger)
    ledger.ingest(api)
    verify(engine, tenant, CHECKS[index])


def test_rounding_once(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    """Three EUR customers at 33.33 on one day at 1.1111 (USD per EUR): each is 37.032963,
    together 111.098889 -> the bucket's new business is 111.10 (rounded once, not 3 x 37.03);
    the level is 99.99 x 1.1111 = 111.098889 -> 111.10; fx_impact 0.00."""
    ledger = Ledger().plan("eur", "33.33", currency="EUR")
    rates(ledger, {"2025-03-02": "1.1111", "2025-03-31": "1.1111"})
    for n in (1, 2, 3):
        ledger.sub(f"s{n}", f"c{n}", "eur", "active", "2025-03-02T10:00:00Z")
    ledger.ingest(api)
    check = Check(
        Query(date(2025, 3, 1), date(2025, 3, 31), "month"),
        ("mrr", "arpa"),
        ("mrr", "new_business", "fx_impact", "arpa"),
        # ARPA from the rounded MRR: 111.10 / 3 = 37.0333 -> 37.03.
        {"2025-03-01": (d("111.1"), d("111.1"), Z, d("37.03"))},
    )
    verify(engine, tenant, check)


def test_customer_in_two_currencies(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    """A customer's movements are its own across currencies: adding a USD subscription to a
    EUR one is an expansion; dropping the EUR one while the USD one runs a contraction.  Under
    a currency filter each currency is on its own (new business, churn)."""
    ledger = Ledger().plan("eur100", "100.00", currency="EUR").plan("usd50", "50.00")
    rates(ledger, {f"2025-03-{n:02d}": "1.20" for n in (1, 8, 15, 22, 29)})
    ledger.sub("s1", "c1", "eur100", "active", "2025-03-01T00:00:00Z")
    ledger.sub("s2", "c1", "usd50", "active", "2025-03-10T00:00:00Z")
    ledger.sub("s1", "c1", "eur100", "cancelled", "2025-03-01T00:00:00Z", "2025-03-20T00:00:00Z",
               cancelled_at="2025-03-20T00:00:00Z", ended_at="2025-03-20T00:00:00Z")  # fmt: skip
    ledger.ingest(api)
    days = {1: "new", 10: "expansion", 20: "contraction"}
    fields = ("mrr", "new_business", "expansion", "contraction", "churn")
    got = {
        int(str(row["date"])[-2:]): tuple(row[f] for f in fields)
        for row in run(engine, tenant, ("mrr",), Query(date(2025, 3, 1), date(2025, 3, 31)))
        if int(str(row["date"])[-2:]) in days
    }
    assert got == {
        1: (d("120"), d("120"), Z, Z, Z),  # 100 EUR x 1.20
        10: (d("170"), Z, d("50"), Z, Z),
        20: (d("50"), Z, Z, d("120"), Z),
    }
    verify(
        engine,
        tenant,
        Check(
            Query(date(2025, 3, 1), date(2025, 3, 31), "month", currency="USD"),
            ("mrr", "customers"),
            (*fields, "new_customers"),
            {"2025-03-01": (d("50"), d("50"), Z, Z, Z, 1)},
        ),
    )
    verify(
        engine,
        tenant,
        Check(
            Query(date(2025, 3, 1), date(2025, 3, 31), "month", currency="EUR"),
            ("mrr", "customers"),
            (*fields, "churned_customers"),
            {"2025-03-01": (Z, d("100"), Z, Z, d("100"), 1)},
        ),
    )


def test_missing_rate(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    """No EUR rate within 7 days of a day that needs one: an error naming currency and day,
    never a silent conversion; the EUR-only view needs no rate."""
    ledger = Ledger().plan("eur100", "100.00", currency="EUR")
    rates(ledger, {"2025-03-01": "1.20"})
    ledger.sub("s1", "c1", "eur100", "active", "2025-03-02T00:00:00Z")
    ledger.ingest(api)
    # Mar 2..8 fall back to Mar 1's rate; the close of Mar 31 has none.
    ok = run(engine, tenant, ("mrr",), Query(date(2025, 3, 2), date(2025, 3, 8), "week"))
    assert [row["mrr"] for row in ok] == [d("120"), d("120")]
    with pytest.raises(MissingRate) as caught:
        run(engine, tenant, ("mrr",), Query(date(2025, 3, 1), date(2025, 3, 31), "month"))
    assert caught.value.status_code == 422
    assert "EUR on 2025-03-31" in caught.value.message
    native = run(engine, tenant, ("mrr",),
                 Query(date(2025, 3, 1), date(2025, 3, 31), "month", currency="EUR"))  # fmt: skip
    assert native[0]["mrr"] == d("100")
