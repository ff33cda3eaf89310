"""The ``invoices`` metric through the real HTTP stack on both databases, hand-computed.

A Berlin tenant (reporting USD; EUR at 1.10, except 1.20 on Feb 15, 1.30 on Feb 28 and 1.25 on
Mar 20).  "Now" is Thursday 2025-03-20 12:00 CET (11:00Z).

| invoice | total | issued (local) | due | status | notes |
|---|---|---|---|---|---|
| I1 | 100.00 USD (90 + tax 10) | Jan 10 | Jan 24 | paid Jan 20 | s1 (prod_a); paid before due |
| I2 | 50.00 USD | Jan 15 | Jan 29 | paid Feb 5 | s1; overdue on Jan 29 until paid |
| I3 | 200.00 EUR | Feb 1 | Feb 15 | open | overdue from Feb 15 |
| I4 | 30.00 USD | Feb 20 | (issue) | uncollectible | overdue from its issue |
| I5 | 40.00 USD | Feb 25 | - | draft | never counts |
| I6 | 60.00 USD | Mar 1 00:30 (Feb 28 23:30Z) | - | void | issued in March; never outstanding |
| I7 | 80.00 USD | Mar 3 | Mar 31 | open | not due yet |
| I8 | 20.00 USD | Mar 5 | Mar 10 | paid Mar 12 | overdue Mar 10-12 |
| I9 | 500.00 USD | Mar 1 | Mar 31 | open | test mode |

Levels are read at Jan 31 24:00, Feb 28 24:00 and now (Mar 20), EUR at those days' rates.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import Frozen, make_tenant
from tests.metrics_api.support import Api, ingest, reader

NOW = datetime(2025, 3, 20, 11, 0, tzinfo=UTC)
FIELDS = (
    "invoices_issued",
    "invoices_issued_amount",
    "invoices_paid",
    "invoices_paid_amount",
    "invoices_open",
    "invoices_open_amount",
    "invoices_overdue",
    "invoices_overdue_amount",
    "overdue_balance",
)


def _invoice(iid: str, total: str, currency: str, issued: str, status: str, **extra: Any) -> Any:
    tax = extra.pop("tax", "0")
    line = str(Decimal(total) - Decimal(tax))
    data = {
        "id": iid,
        "customer_id": "c1",
        "currency": currency,
        "status": status,
        "issued_at": issued,
        "lines": [{"type": "one_time", "amount": line}],
        "tax_amount": tax,
        "total": total,
        **extra,
    }
    return ("invoices", data)


def _records() -> list[Any]:
    special = {date(2025, 2, 15): "1.20", date(2025, 2, 28): "1.30", date(2025, 3, 20): "1.25"}
    fx = [
        ("fx_rates", {"currency": "EUR", "date": d.isoformat(), "rate": special.get(d, "1.10")})
        for d in (date(2025, 1, 1) + timedelta(days=n) for n in range(79))
    ]
    return [
        *fx,
        ("products", {"id": "prod_a", "name": "A"}),
        ("plans", {"id": "plan_a", "product_id": "prod_a", "name": "A", "currency": "USD",
                   "amount": "10.00", "interval_unit": "month"}),
        ("customers", {"id": "c1", "name": "C1", "created_at": "2024-06-01T00:00:00Z"}),
        ("subscriptions", {"id": "s1", "customer_id": "c1", "plan_id": "plan_a",
                           "status": "active", "started_at": "2025-01-01T00:00:00Z"}),
        _invoice("I1", "100.00", "USD", "2025-01-10T10:00:00Z", "paid", tax="10.00",
                 subscription_id="s1", due_at="2025-01-24T10:00:00Z",
                 paid_at="2025-01-20T10:00:00Z"),
        _invoice("I2", "50.00", "USD", "2025-01-15T10:00:00Z", "paid", subscription_id="s1",
                 due_at="2025-01-29T10:00:00Z", paid_at="2025-02-05T10:00:00Z"),
        _invoice("I3", "200.00", "EUR", "2025-02-01T10:00:00Z", "open",
                 due_at="2025-02-15T10:00:00Z"),
        _invoice("I4", "30.00", "USD", "2025-02-20T10:00:00Z", "uncollectible"),
        _invoice("I5", "40.00", "USD", "2025-02-25T10:00:00Z", "draft"),
        _invoice("I6", "60.00", "USD", "2025-02-28T23:30:00Z", "void"),
        _invoice("I7", "80.00", "USD", "2025-03-03T10:00:00Z", "open",
                 due_at="2025-03-31T10:00:00Z"),
        _invoice("I8", "20.00", "USD", "2025-03-05T10:00:00Z", "paid",
                 due_at="2025-03-10T10:00:00Z", paid_at="2025-03-12T10:00:00Z"),
        _invoice("I9", "500.00", "USD", "2025-03-01T10:00:00Z", "open",
                 due_at="2025-03-31T10:00:00Z", livemode=False),
    ]  # fmt: skip


MONTHS = {"start_date": "2025-01-01", "end_date": "2025-03-31", "interval": "month"}
Z = (0, "0.00", 0, "0.00", 0, "0.00", 0, "0.00", "0.00")
# date, issued, amount, paid, amount, open, amount, overdue, amount, overdue balance
CASES: list[tuple[str, dict[str, str], list[tuple[Any, ...]]]] = [
    (
        "months",
        MONTHS,
        [
            ("2025-01-01", 2, "150.00", 1, "100.00", 1, "50.00", 1, "50.00", "50.00"),
            # I3 issued at Feb 1's 1.10 (220), overdue at Feb 15's 1.20 (240), open at Feb 28's
            # 1.30 (260)
            ("2025-02-01", 2, "250.00", 1, "50.00", 2, "290.00", 2, "270.00", "290.00"),
            # open at now: I3 at Mar 20's 1.25 (250) + I4 30 + I7 80; I7 is not due yet
            ("2025-03-01", 3, "160.00", 1, "20.00", 3, "360.00", 1, "20.00", "280.00"),
        ],
    ),
    (
        "quarter (one bucket)",
        {**MONTHS, "interval": "quarter"},
        [("2025-01-01", 7, "560.00", 3, "170.00", 3, "360.00", 4, "340.00", "280.00")],
    ),
    (
        "days across the zone edge: I6 is Mar 1's; levels at each day's rate",
        {"start_date": "2025-02-28", "end_date": "2025-03-01"},
        [
            ("2025-02-28", 0, "0.00", 0, "0.00", 2, "290.00", 0, "0.00", "290.00"),
            ("2025-03-01", 1, "60.00", 0, "0.00", 2, "250.00", 0, "0.00", "250.00"),
        ],
    ),
    (
        "EUR only",
        {**MONTHS, "currency": "EUR"},
        [
            ("2025-01-01", *Z),
            ("2025-02-01", 1, "200.00", 0, "0.00", 1, "200.00", 1, "200.00", "200.00"),
            ("2025-03-01", 0, "0.00", 0, "0.00", 1, "200.00", 0, "0.00", "200.00"),
        ],
    ),
    (
        "product prod_a: I1 and I2 (tied to s1)",
        {**MONTHS, "product_id": "prod_a"},
        [
            ("2025-01-01", 2, "150.00", 1, "100.00", 1, "50.00", 1, "50.00", "50.00"),
            ("2025-02-01", 0, "0.00", 1, "50.00", 0, "0.00", 0, "0.00", "0.00"),
            ("2025-03-01", *Z),
        ],
    ),
    (
        "test mode: I9",
        {**MONTHS, "livemode": "false"},
        [
            ("2025-01-01", *Z),
            ("2025-02-01", *Z),
            ("2025-03-01", 1, "500.00", 0, "0.00", 1, "500.00", 0, "0.00", "0.00"),
        ],
    ),
]  # fmt: skip


@pytest.fixture
def api(engine: Engine, frozen: Frozen) -> Iterator[Api]:
    tenant = make_tenant(engine, timezone="Europe/Berlin", currency="USD")
    client = Api(frozen, reader(engine, tenant), NOW)
    ingest(client.client, tenant, _records())
    yield client
    client.close()


def test_every_invoice_field_of_every_bucket(api: Api) -> None:
    for label, params, expected in CASES:
        body = api.metric("invoices", **params)
        got = [tuple(entry[f] for f in ("date", *FIELDS)) for entry in body["entries"]]
        assert got == expected, label


def test_summary_is_the_issued_count(api: Api) -> None:
    body = api.metric("invoices", start_date="2025-02-01", end_date="2025-03-31")
    # Feb 1 - Mar 31 (59 days): I3, I4, I6, I7, I8; the 59 days before: I1, I2
    assert body["summary"] == {"current": 5, "previous": 2, "percentage_change": "150.00"}
