"""The dashboard metrics called directly (``now`` injected): rounding once, attribution edges."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine

from billstats.db.dialect import read_transaction
from billstats.metrics.dashboard import Dashboard, dashboard
from billstats.metrics.windows import window
from billstats.tenants.schemas import Tenant
from tests.conftest import TenantCtx, make_tenant

NOW = datetime(2025, 3, 10, 12, tzinfo=UTC)
MICRO = 1_000_000


def load(http: httpx.Client, tenant: TenantCtx, records: list[tuple[str, dict[str, Any]]]) -> None:
    body = "\n".join(json.dumps({"kind": k, "data": d}) for k, d in records)
    response = http.post(
        "/v1/import",
        content=body.encode(),
        headers={**tenant.headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text


def figures(
    engine: Engine, tenant: TenantCtx, interval: str, product: str | None = None, **dates: str
) -> Dashboard:
    info = Tenant(tenant.id, tenant.name, tenant.timezone, tenant.currency)
    span = window(interval, ZoneInfo(tenant.timezone), NOW, dates.get("start"), dates.get("end"))
    with read_transaction(engine) as conn:
        return dashboard(conn, info, span, NOW, product_id=product)


def payment(
    pid: str, amount: str, currency: str, at: str, **extra: Any
) -> tuple[str, dict[str, Any]]:
    data = {
        "id": pid,
        "customer_id": "cus",
        "amount": amount,
        "currency": currency,
        "status": "succeeded",
        "created_at": at,
    }
    return ("payments", {**data, **extra})


CUSTOMER = ("customers", {"id": "cus", "name": "C", "created_at": "2024-01-01T00:00:00Z"})


def test_foreign_amounts_are_rounded_once(engine: Engine, http: httpx.Client) -> None:
    tenant = make_tenant(engine)
    load(
        http,
        tenant,
        [
            CUSTOMER,
            ("fx_rates", {"currency": "EUR", "date": "2025-03-03", "rate": "1.5"}),
            ("fx_rates", {"currency": "EUR", "date": "2025-03-04", "rate": "1.5"}),
            # 0.015 USD each: rounded one by one they would make 0.02 x 3 = 0.06.
            payment("p1", "0.01", "EUR", "2025-03-03T10:00:00Z", fee_amount="0.01"),
            payment("p2", "0.01", "EUR", "2025-03-03T11:00:00Z"),
            payment("p3", "0.01", "EUR", "2025-03-04T10:00:00Z"),
        ],
    )
    got = figures(engine, tenant, "this_month")
    # Exactly 0.045 -> 0.04 (half-even); the fee 0.015 -> 0.02.
    assert (got.onetime_count, got.onetime_amount, got.fees) == (3, 40_000, 20_000)
    assert got.net_revenue == 20_000


def test_zero_decimal_reporting_currency(engine: Engine, http: httpx.Client) -> None:
    tenant = make_tenant(engine, currency="JPY")
    load(
        http,
        tenant,
        [
            CUSTOMER,
            ("fx_rates", {"currency": "USD", "date": "2025-03-03", "rate": "149.555"}),
            payment("p1", "10.00", "USD", "2025-03-03T10:00:00Z"),  # 1495.55 JPY
            payment("p2", "1", "JPY", "2025-03-03T10:00:00Z"),  # total 1496.55 -> 1497
        ],
    )
    got = figures(engine, tenant, "this_month")
    assert (got.currency, got.onetime_amount) == ("JPY", 1497 * MICRO)


def _subscribed_ledger() -> list[tuple[str, dict[str, Any]]]:
    plan = {"currency": "USD", "amount": "10.00", "interval_unit": "month", "name": "P"}
    return [
        CUSTOMER,
        ("products", {"id": "pa", "name": "A"}),
        ("products", {"id": "pb", "name": "B"}),
        ("plans", {"id": "plan_a", "product_id": "pa", **plan}),
        ("plans", {"id": "plan_b", "product_id": "pb", **plan}),
        (
            "subscriptions",
            {
                "id": "s",
                "customer_id": "cus",
                "plan_id": "plan_a",
                "status": "active",
                "started_at": "2025-03-05T00:00:00Z",
            },
        ),
        (
            "subscriptions",
            {
                "id": "s",
                "customer_id": "cus",
                "plan_id": "plan_b",
                "status": "active",
                "started_at": "2025-03-05T00:00:00Z",
                "effective_at": "2025-03-07T00:00:00Z",
            },
        ),
        # Paid before the subscription's history begins: its first plan's product (A).
        payment("early", "10.00", "USD", "2025-03-01T00:00:00Z", subscription_id="s"),
        payment("on_a", "10.00", "USD", "2025-03-06T00:00:00Z", subscription_id="s"),
        payment("on_b", "10.00", "USD", "2025-03-08T00:00:00Z", subscription_id="s"),
        payment("pending", "99.00", "USD", "2025-03-08T00:00:00Z", status="pending"),
        payment("failed", "99.00", "USD", "2025-03-08T00:00:00Z", status="failed"),
        # A refund in March of a February payment on A's plan ... belongs to A.
        payment("feb", "10.00", "USD", "2025-02-01T00:00:00Z", subscription_id="s"),
        (
            "refunds",
            {
                "id": "r",
                "payment_id": "feb",
                "amount": "4.00",
                "created_at": "2025-03-09T00:00:00Z",
            },
        ),
    ]


@pytest.mark.parametrize(
    ("product", "sales", "refund", "mrr", "customers"),
    [
        (None, (3, 30), 4, 10, 1),
        ("pa", (2, 20), 4, 0, 1),  # "early" and "on_a"; no MRR on A any more
        ("pb", (1, 10), 0, 10, 1),
    ],
)
def test_payments_follow_the_plan_at_their_instant(
    engine: Engine,
    http: httpx.Client,
    product: str | None,
    sales: tuple[int, int],
    refund: int,
    mrr: int,
    customers: int,
) -> None:
    tenant = make_tenant(engine)
    load(http, tenant, _subscribed_ledger())
    got = figures(engine, tenant, "this_month", product)
    assert (got.recurring_count, got.recurring_amount) == (sales[0], sales[1] * MICRO)
    assert (got.onetime_count, got.refund_amount) == (0, refund * MICRO)
    assert (got.mrr, got.customers) == (mrr * MICRO, customers)
    # February: only the payment "feb" (on A's plan then, the first version), no refund yet.
    feb = figures(engine, tenant, "last_month", product)
    assert feb.recurring_count == (0 if product == "pb" else 1)
    assert feb.refund_count == 0
