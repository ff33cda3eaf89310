"""A key sees its own tenant only: records, products and exchange rates of others never count."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Engine

from tests.surfaces.pabbly.conftest import Frozen, ingest, new_tenant, reader, stats


def ledger(
    plan_amount: str, extra: list[tuple[str, dict[str, Any]]]
) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("products", {"id": "shared", "name": "Same id in both tenants"}),
        (
            "plans",
            {
                "id": "plan",
                "product_id": "shared",
                "name": "Monthly",
                "currency": "USD",
                "amount": plan_amount,
                "interval_unit": "month",
            },
        ),
        ("customers", {"id": "cus", "name": "Same id too", "created_at": "2025-01-01T00:00:00Z"}),
        (
            "subscriptions",
            {
                "id": "sub",
                "customer_id": "cus",
                "plan_id": "plan",
                "status": "active",
                "started_at": "2025-01-15T00:00:00Z",
            },
        ),
        (
            "payments",
            {
                "id": "pay",
                "customer_id": "cus",
                "subscription_id": "sub",
                "amount": plan_amount,
                "currency": "USD",
                "status": "succeeded",
                "created_at": "2025-02-05T10:00:00Z",
            },
        ),
        *extra,
    ]


def test_tenants_never_see_each_other(engine: Engine, client: httpx.Client, frozen: Frozen) -> None:
    a, b = new_tenant(engine), new_tenant(engine)
    only_a = ("products", {"id": "only_a", "name": "A's alone"})
    eur_sale = (
        "payments",
        {
            "id": "eur",
            "customer_id": "cus",
            "amount": "10.00",
            "currency": "EUR",
            "status": "succeeded",
            "created_at": "2025-02-06T10:00:00Z",
        },
    )
    ingest(client, a, ledger("20.00", [only_a, eur_sale]))
    ingest(
        client,
        b,
        ledger("7.00", [("fx_rates", {"currency": "EUR", "date": "2025-02-06", "rate": "1.1"})]),
    )
    key_a, key_b = reader(engine, a), reader(engine, b)
    frozen.clock.now = datetime(2025, 2, 10, tzinfo=UTC)
    day = {"interval": "custom", "start_date": "2025-02-05", "end_date": "2025-02-05"}

    for key, amount, mrr in [(key_a, 20, "20.00"), (key_b, 7, "7.00")]:
        for product in ("all", "shared"):
            data = stats(client, key, product_id=product, **day).json()["data"]
            assert (data["total_customer_count"], data["total_sales_amount"], data["mrr"]) == (
                1,
                amount,
                mrr,
            )
            assert data["arpu"] == f"{amount}.0000000"

    # A's product is unknown to B.
    assert stats(client, key_a, product_id="only_a", **day).status_code == 200
    missing = stats(client, key_b, product_id="only_a", **day)
    assert missing.status_code == 404
    assert missing.json() == {"status": "error", "message": "no product 'only_a'"}

    # B's EUR rate does not convert A's EUR sale.
    a_month = stats(client, key_a, product_id="all", interval="this_month")
    assert a_month.status_code == 422
    assert "EUR on 2025-02-06" in a_month.json()["message"]
    b_month = stats(client, key_b, product_id="all", interval="this_month").json()["data"]
    assert (b_month["total_sales_count"], b_month["total_onetime_sales_count"]) == (1, 0)
