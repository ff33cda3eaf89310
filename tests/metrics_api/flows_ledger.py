"""The flows ledger: a New York tenant (reporting USD) with USD and EUR payments and refunds.

"Now" is frozen at Wednesday 2025-03-05 12:00 EST (17:00Z).  Each record's local day and its
amount in USD (EUR at 1.10, except 1.20 on Feb 28 and 1.50 on Mar 1):

| record | local day | what | USD |
|---|---|---|---|
| P8 | 2024-12-31 | s1 (prod_a / a_usd) | sale 30.00, fee 1.20 |
| P2 | 2025-01-15 | s2 (prod_b / b_eur), aff1 | sale 100 EUR = 110.00, fee 3.30, commission 11.00 |
| P1 | 2025-01-31 23:30 (Feb 1 04:30Z) | s1 | sale 30.00, fee 1.20 |
| R1 | 2025-02-03 | refund of P2 (prod_b) | 40 EUR = 44.00 |
| P3 | 2025-02-10 | one-time (no subscription) | sale 25.00, fee 0.75 |
| P7 | 2025-02-28 23:30 (Mar 1 04:30Z) | s2 | sale 100 EUR at Feb 28's 1.20 = 120.00, fee 3.60 |
| R2 | 2025-02-28 23:59 (Mar 1 04:59Z) | refund of P3 (no product) | 5.00 |
| P4 | 2025-03-03 | s3 (prod_a / a_usd2), aff2 | sale 60.00, fee 2.00, commission 6.00 |

Never counted live: P5 (failed), P6 (test mode, 45.00 on Feb 20), P9 (Mar 5 13:00 EST, after
now).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.metrics_api.support import Record

NOW = datetime(2025, 3, 5, 17, 0, tzinfo=UTC)
TIMEZONE = "America/New_York"


def _fx() -> list[Record]:
    special = {date(2025, 2, 28): "1.20", date(2025, 3, 1): "1.50"}
    out: list[Record] = []
    day = date(2024, 10, 1)
    while day <= date(2025, 3, 5):
        rate = special.get(day, "1.10")
        out.append(("fx_rates", {"currency": "EUR", "date": day.isoformat(), "rate": rate}))
        day += timedelta(days=1)
    return out


def _plan(pid: str, product: str, currency: str, amount: str) -> Record:
    return (
        "plans",
        {
            "id": pid,
            "product_id": product,
            "name": pid,
            "currency": currency,
            "amount": amount,
            "interval_unit": "month",
        },
    )


def _sub(sid: str, customer: str, plan: str, started: str, **extra: Any) -> Record:
    data = {
        "id": sid,
        "customer_id": customer,
        "plan_id": plan,
        "status": "active",
        "started_at": started,
    }
    return ("subscriptions", {**data, **extra})


def _pay(pid: str, customer: str, amount: str, currency: str, at: str, **extra: Any) -> Record:
    data = {
        "id": pid,
        "customer_id": customer,
        "amount": amount,
        "currency": currency,
        "status": "succeeded",
        "created_at": at,
    }
    return ("payments", {**data, **extra})


def records() -> list[Record]:
    return [
        *_fx(),
        ("products", {"id": "prod_a", "name": "Alpha"}),
        ("products", {"id": "prod_b", "name": "Beta"}),
        ("affiliates", {"id": "aff1", "name": "Affiliate One"}),
        ("affiliates", {"id": "aff2", "name": "Affiliate Two"}),
        _plan("a_usd", "prod_a", "USD", "30.00"),
        _plan("a_usd2", "prod_a", "USD", "60.00"),
        _plan("b_eur", "prod_b", "EUR", "100.00"),
        *[
            ("customers", {"id": f"c{n}", "name": f"C{n}", "created_at": "2024-06-01T00:00:00Z"})
            for n in range(1, 5)
        ],
        _sub("s1", "c1", "a_usd", "2024-12-01T15:00:00Z"),
        _sub("s2", "c2", "b_eur", "2024-12-01T15:00:00Z"),
        _sub("s3", "c3", "a_usd2", "2025-01-01T15:00:00Z"),
        _sub("s6", "c1", "a_usd", "2025-01-01T15:00:00Z", livemode=False),
        _pay("P1", "c1", "30.00", "USD", "2025-02-01T04:30:00Z", subscription_id="s1",
             fee_amount="1.20"),
        _pay("P2", "c2", "100.00", "EUR", "2025-01-15T15:00:00Z", subscription_id="s2",
             fee_amount="3.00", affiliate_id="aff1", affiliate_commission="10.00"),
        _pay("P3", "c4", "25.00", "USD", "2025-02-10T15:00:00Z", fee_amount="0.75"),
        _pay("P4", "c3", "60.00", "USD", "2025-03-03T15:00:00Z", subscription_id="s3",
             fee_amount="2.00", affiliate_id="aff2", affiliate_commission="6.00"),
        _pay("P5", "c1", "30.00", "USD", "2025-02-15T15:00:00Z", subscription_id="s1",
             status="failed"),
        _pay("P6", "c1", "45.00", "USD", "2025-02-20T15:00:00Z", subscription_id="s6",
             livemode=False),
        _pay("P7", "c2", "100.00", "EUR", "2025-03-01T04:30:00Z", subscription_id="s2",
             fee_amount="3.00"),
        _pay("P8", "c1", "30.00", "USD", "2024-12-31T15:00:00Z", subscription_id="s1",
             fee_amount="1.20"),
        _pay("P9", "c1", "30.00", "USD", "2025-03-05T18:00:00Z", subscription_id="s1"),
        ("refunds", {"id": "R1", "payment_id": "P2", "amount": "40.00",
                     "created_at": "2025-02-03T15:00:00Z"}),
        ("refunds", {"id": "R2", "payment_id": "P3", "amount": "5.00",
                     "created_at": "2025-03-01T04:59:00Z"}),
    ]  # fmt: skip
