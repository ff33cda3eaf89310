"""One definition: the native flow metrics equal the Pabbly dashboard's figures for the same
window (same records, same conversion, same rounding), on both databases; and money is rounded
once per figure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from billstats.auth.service import create_key
from billstats.db.dialect import write_transaction
from tests.conftest import Frozen, TenantCtx, make_tenant
from tests.metrics_api import flows_ledger as ledger
from tests.metrics_api.support import Api, ingest, reader

WINDOWS = [
    ("2025-01-10", "2025-03-31"),
    ("2025-01-01", "2025-01-31"),
    ("2025-02-01", "2025-02-28"),
    ("2025-02-28", "2025-02-28"),
    ("2025-03-01", "2025-03-05"),
    ("2024-12-15", "2025-03-05"),
    ("2024-06-01", "2025-12-31"),
]


@pytest.fixture
def loaded(engine: Engine, frozen: Frozen) -> Iterator[tuple[Api, TenantCtx, tuple[str, str]]]:
    tenant = make_tenant(engine, timezone=ledger.TIMEZONE, currency="USD")
    with write_transaction(engine) as conn:
        key = create_key(conn, tenant.id, ["analytics:read"])
    api = Api(frozen, reader(engine, tenant), ledger.NOW)
    ingest(api.client, tenant, ledger.records())
    yield api, tenant, (key["key_id"], key["secret"])
    api.close()


def _pabbly(api: Api, auth: tuple[str, str], first: str, last: str, product: str) -> Any:
    body = {"product_id": product, "interval": "custom", "start_date": first, "end_date": last}
    response = api.client.post("/api/v2/getdashboardstats", json=body, auth=auth)
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)["data"]


def test_flows_equal_pabbly_for_the_same_window(
    loaded: tuple[Api, TenantCtx, tuple[str, str]],
) -> None:
    api, _, auth = loaded
    checked = 0
    for product in ("all", "prod_a", "prod_b"):
        for first, last in WINDOWS:
            vendor = _pabbly(api, auth, first, last, product)
            params = {"start_date": first, "end_date": last, "interval": "year"}
            if product != "all":
                params["product_id"] = product
            native = api.several("sales,refunds,net_revenue,fees,affiliate_commissions", **params)
            s = native["summary"]
            label = (product, first, last)
            assert Decimal(s["sales"]["current"]) == vendor["total_sales_amount"], label
            assert Decimal(s["net_revenue"]["current"]) == vendor["total_net_revenue"], label
            assert Decimal(s["refunds"]["current"]) == vendor["total_refund_amount"], label
            assert (
                Decimal(s["affiliate_commissions"]["current"])
                == (vendor["total_affiliate_commission_amount"])
            ), label
            # The buckets of the range add up to the same counts as Pabbly's window.
            entries = native["entries"]
            assert sum(e["sales_count"] for e in entries) == vendor["total_sales_count"], label
            assert (
                sum(e["onetime_sales_count"] for e in entries)
                == (vendor["total_onetime_sales_count"])
            )
            assert sum(e["refund_count"] for e in entries) == vendor["total_refund_count"], label
            checked += 1
    assert checked == 21
    # A non-trivial window really was compared (not only zeros on both sides).
    assert _pabbly(api, auth, "2025-01-10", "2025-03-31", "all")["total_net_revenue"] == Decimal(
        "268.15"
    )


def test_each_month_bucket_equals_pabbly_for_that_month(
    loaded: tuple[Api, TenantCtx, tuple[str, str]],
) -> None:
    api, _, auth = loaded
    native = api.several(
        "sales,net_revenue", start_date="2024-12-01", end_date="2025-03-05", interval="month"
    )
    months = [
        ("2024-12-01", "2024-12-31"),
        ("2025-01-01", "2025-01-31"),
        ("2025-02-01", "2025-02-28"),
        ("2025-03-01", "2025-03-05"),
    ]
    for entry, (first, last) in zip(native["entries"], months, strict=True):
        vendor = _pabbly(api, auth, first, last, "all")
        assert entry["date"] == first
        assert Decimal(entry["sales"]) == vendor["total_sales_amount"]
        assert Decimal(entry["net_revenue"]) == vendor["total_net_revenue"]
    assert [e["net_revenue"] for e in native["entries"]] == ["28.80", "124.50", "91.65", "52.00"]


def test_money_is_rounded_once_per_figure(engine: Engine, frozen: Frozen) -> None:
    """EUR 0.05 + 0.05 on Apr 1 and 0.15 on Apr 2, at 1.10: Apr 1 = 0.11 exactly (each alone
    would be 0.055 -> 0.06); Apr 2 = 0.165 -> 0.16 (half-even); April = 0.275 -> 0.28, not the
    sum of the rounded days (0.27)."""
    tenant = make_tenant(engine, timezone="UTC", currency="USD")
    api = Api(frozen, reader(engine, tenant), datetime(2025, 4, 30, 12, tzinfo=UTC))
    records: list[tuple[str, dict[str, Any]]] = [
        ("fx_rates", {"currency": "EUR", "date": "2025-04-01", "rate": "1.10"}),
        ("customers", {"id": "c1", "name": "C1", "created_at": "2025-01-01T00:00:00Z"}),
    ]
    for pid, amount, at in [
        ("p1", "0.05", "2025-04-01T10:00:00Z"),
        ("p2", "0.05", "2025-04-01T11:00:00Z"),
        ("p3", "0.15", "2025-04-02T10:00:00Z"),  # Apr 1's rate (the latest at most 7 days old)
    ]:
        records.append(
            (
                "payments",
                {
                    "id": pid,
                    "customer_id": "c1",
                    "amount": amount,
                    "currency": "EUR",
                    "status": "succeeded",
                    "created_at": at,
                },
            )
        )
    ingest(api.client, tenant, records)
    days = api.metric("sales", start_date="2025-04-01", end_date="2025-04-02")
    assert [e["sales"] for e in days["entries"]] == ["0.11", "0.16"]
    month = api.metric("sales", start_date="2025-04-01", end_date="2025-04-30", interval="month")
    assert [e["sales"] for e in month["entries"]] == ["0.28"]
    assert month["summary"]["current"] == "0.28"
    eur = api.metric("sales", start_date="2025-04-01", end_date="2025-04-02", currency="EUR")
    assert [e["sales"] for e in eur["entries"]] == ["0.10", "0.15"]
    api.close()


def test_zero_decimal_currency_renders_whole_units(engine: Engine, frozen: Frozen) -> None:
    tenant = make_tenant(engine, timezone="Asia/Tokyo", currency="JPY")
    api = Api(frozen, reader(engine, tenant), datetime(2025, 4, 30, 12, tzinfo=UTC))
    ingest(
        api.client,
        tenant,
        [
            ("customers", {"id": "c1", "name": "C1", "created_at": "2025-01-01T00:00:00Z"}),
            (
                "payments",
                {
                    "id": "p1",
                    "customer_id": "c1",
                    "amount": "1234",
                    "currency": "JPY",
                    "status": "succeeded",
                    "fee_amount": "35",
                    # 2025-04-01 08:30 in Tokyo, still Mar 31 in UTC
                    "created_at": "2025-03-31T23:30:00Z",
                },
            ),
        ],
    )
    body = api.several("sales,net_revenue", start_date="2025-03-31", end_date="2025-04-01")
    assert body["currency"] == "JPY"
    assert [(e["date"], e["sales"], e["net_revenue"]) for e in body["entries"]] == [
        ("2025-03-31", "0", "0"),
        ("2025-04-01", "1234", "1199"),
    ]
    api.close()
