"""Native churn ratios, nrr, quick ratio and ltv: hand-computed scenarios (both databases,
records ingested through the API)."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import TenantCtx
from tests.metrics.test_mrr_support import Ledger
from tests.metrics.test_native_mrr_scenarios import _lifecycle
from tests.metrics.test_native_mrr_support import Check, Query, d, r, verify

RATIOS = ("customer_churn_rate", "gross_mrr_churn_rate", "net_mrr_churn_rate", "nrr", "quick_ratio")


def test_churn_ratios(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    """The lifecycle story (see test_native_mrr_scenarios): c2 pays 100 from February; c1 takes
    50 on Mar 1, a second 30 on Mar 10, cancels that on Mar 20, cancels the last on Apr 5 and
    comes back with 40 on May 10."""
    ledger = Ledger()
    _lifecycle(ledger)
    ledger.ingest(api)
    check = Check(
        Query(date(2025, 3, 1), date(2025, 5, 31), "month"),
        RATIOS,
        RATIOS,
        {
            # start: 100 MRR, 1 customer (c2); new 50, expansion 30, contraction 30.
            # customers 0/1; gross 30/100; net (30 - 30)/100 = 0; nrr 1; quick 80/30.
            "2025-03-01": (r("0"), r("0.3"), r("0"), r("1"), r("2.666667")),
            # start 150, 2 customers; churn 50 (c1): 1/2; 50/150 = 0.333333 (half-even);
            # nrr = 1 - 0.333333; quick 0/50 = 0.
            "2025-04-01": (r("0.5"), r("0.333333"), r("0.333333"), r("0.666667"), r("0")),
            # start 100, 1 customer; reactivation 40: net -40/100; nrr 1.4; nothing lost:
            # the quick ratio is undefined.
            "2025-05-01": (r("0"), r("0"), r("-0.4"), r("1.4"), None),
        },
    )
    verify(engine, tenant, check)
    # One bucket over the three months: start 100 and 1 customer (c2, who never churns);
    # c1 churned: 1/1; lost 30 + 50 = 80 -> 0.8; net (80 - 30 - 40)/100 = 0.1; quick 120/80.
    whole = Check(
        Query(date(2025, 3, 1), date(2025, 5, 31), "year"),
        RATIOS,
        RATIOS,
        {"2025-03-01": (r("1"), r("0.8"), r("0.1"), r("0.9"), r("1.5"))},
    )
    verify(engine, tenant, whole)


def _ten_customers(ledger: Ledger) -> None:
    """Ten customers at 100 from 2024-09-15; c1 leaves on 2024-11-10, c2 on 2025-01-20."""
    ledger.plan("p100", "100.00")
    for n in range(1, 11):
        ledger.sub(f"s{n}", f"c{n}", "p100", "active", "2024-09-15T12:00:00Z")
    for n, day in ((1, "2024-11-10"), (2, "2025-01-20")):
        at = f"{day}T12:00:00Z"
        ledger.sub(f"s{n}", f"c{n}", "p100", "cancelled", "2024-09-15T12:00:00Z", at,
                   cancelled_at=at, ended_at=at)  # fmt: skip


LTV_CHECKS = [
    # Bucket March 2025 (read at the close of Mar 31; March is full): months Oct..Mar.
    # Rates Oct 0/10, Nov 1/10, Dec 0/9, Jan 1/9, Feb 0/8, Mar 0/8: mean (1/10 + 1/9)/6 = 19/540.
    # ARPA 800/8 = 100; LTV = 100 x 540/19 = 2842.105... -> 2842.11.
    Check(
        Query(date(2025, 3, 1), date(2025, 3, 31), "month"),
        ("ltv", "arpa", "customers"),
        ("ltv", "arpa", "customers"),
        {"2025-03-01": (d("2842.11"), d("100"), 8)},
    ),
    # Day Mar 15 (March not full): months Sep..Feb; Sep has nobody paying at its start (left
    # out): mean over five months (19/90)/5 = 19/450; LTV = 100 x 450/19 = 2368.42.
    Check(Query(date(2025, 3, 15), date(2025, 3, 15)), ("ltv",), ("ltv",),
          {"2025-03-15": (d("2368.42"),)}),
    # November 2024: months Jun..Nov, only Oct (0/10) and Nov (1/10) count: mean 1/20;
    # ARPA 900/9 = 100 -> LTV 2000.  The month's own customer churn rate is 1/10.
    Check(
        Query(date(2024, 11, 1), date(2024, 11, 30), "month"),
        ("ltv", "customer_churn_rate"),
        ("ltv", "customer_churn_rate"),
        {"2024-11-01": (d("2000"), r("0.1"))},
    ),
    # October 2024: only October counts, churn 0 -> no LTV.  September: no month counts, no
    # customer paid at its start (no churn rate either).
    Check(
        Query(date(2024, 9, 1), date(2024, 10, 31), "month"),
        ("ltv", "customer_churn_rate"),
        ("ltv", "customer_churn_rate"),
        {"2024-09-01": (None, None), "2024-10-01": (None, r("0"))},
    ),
]  # fmt: skip


@pytest.mark.parametrize("index", range(len(LTV_CHECKS)))
def test_ltv(index: int, api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    ledger = Ledger()
    _ten_customers(ledger)
    ledger.ingest(api)
    verify(engine, tenant, LTV_CHECKS[index])


def test_ltv_without_customers(api: httpx.Client, tenant: TenantCtx, engine: Engine) -> None:
    """Everyone churned: ARPA (and so LTV) is undefined even though churn is not 0."""
    ledger = Ledger().plan("p100", "100.00")
    ledger.sub("s1", "c1", "p100", "active", "2024-01-10T00:00:00Z")
    ledger.sub("s1", "c1", "p100", "cancelled", "2024-01-10T00:00:00Z", "2024-03-10T00:00:00Z",
               cancelled_at="2024-03-10T00:00:00Z", ended_at="2024-03-10T00:00:00Z")  # fmt: skip
    ledger.ingest(api)
    # April 2024: trailing Nov..Apr; Feb 0/1, Mar 1/1, Apr: nobody at its start.  Mean 1/2,
    # but no paying customer at the end: ARPA and LTV are null.
    verify(
        engine,
        tenant,
        Check(
            Query(date(2024, 4, 1), date(2024, 4, 30), "month"),
            ("ltv", "arpa", "customer_churn_rate"),
            ("ltv", "arpa", "customer_churn_rate"),
            {"2024-04-01": (None, None, None)},
        ),
    )
