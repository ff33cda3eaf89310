"""A tenant's key never sees another tenant's records, products, plans or partners, even when
both use the same ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from tests.conftest import Frozen, TenantCtx, make_tenant
from tests.metrics_api.support import Api, column, ingest, reader

NOW = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)


def _ledger(amount: str, extra_product: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("products", {"id": "prod", "name": "P"}),
        ("products", {"id": extra_product, "name": "X"}),
        (
            "plans",
            {
                "id": "plan",
                "product_id": "prod",
                "name": "Plan",
                "currency": "USD",
                "amount": amount,
                "interval_unit": "month",
            },
        ),
        (
            "partners",
            {"id": f"{extra_product}_partner", "name": "Pa", "slug": "pa",
             "created_at": "2025-01-01T00:00:00Z"},
        ),
        ("customers", {"id": "c1", "name": "C1", "created_at": "2025-01-01T00:00:00Z",
                       "partner_id": f"{extra_product}_partner"}),
        ("subscriptions", {"id": "s1", "customer_id": "c1", "plan_id": "plan", "status": "active",
                           "started_at": "2025-01-01T00:00:00Z"}),
        ("payments", {"id": "p1", "customer_id": "c1", "subscription_id": "s1", "amount": amount,
                      "currency": "USD", "status": "succeeded",
                      "created_at": "2025-03-02T10:00:00Z"}),
        ("invoices", {"id": "i1", "customer_id": "c1", "subscription_id": "s1", "currency": "USD",
                      "status": "open", "billing_reason": "subscription_cycle",
                      "issued_at": "2025-03-02T10:00:00Z",
                      "lines": [{"type": "subscription", "amount": amount}], "total": amount}),
        ("usage_events", {"id": "u1", "customer_id": "c1", "subscription_id": "s1",
                          "metric_code": "api_calls", "quantity": amount,
                          "timestamp": "2025-03-02T10:00:00Z"}),
        ("call_records", {"id": "k1", "account_id": "c1", "direction": "inbound",
                          "product": "voice_api", "started_at": "2025-03-02T10:00:00Z",
                          "duration_seconds": 60, "billed_seconds": 60, "answered": True,
                          "cost": amount, "currency": "USD"}),
    ]  # fmt: skip


def test_tenants_see_only_their_own_numbers(engine: Engine, frozen: Frozen) -> None:
    a: TenantCtx = make_tenant(engine)
    b: TenantCtx = make_tenant(engine)
    api_a = Api(frozen, reader(engine, a), NOW)
    api_b = Api(frozen, reader(engine, b), NOW)
    ingest(api_a.client, a, _ledger("10.00", "only_a"))
    ingest(api_b.client, b, _ledger("7.00", "only_b"))
    window = {"start_date": "2025-03-02", "end_date": "2025-03-02"}
    names = "sales,net_revenue,invoices,usage,calls"
    for api, amount, qty in ((api_a, "10.00", "10"), (api_b, "7.00", "7")):
        body = api.several(names, **window, product_id="prod", plan_id="plan")
        assert column(body, "sales") == [amount]
        assert column(body, "invoices_issued_amount") == [amount]
        assert column(body, "usage") == [{"api_calls": qty}]
        assert column(body, "cost") == [amount]
        assert column(body, "calls") == [1]
    # another tenant's product, plan-less product and partner are unknown here
    assert api_b.get("/v1/metrics/sales", product_id="only_a").status_code == 404
    assert api_a.get("/v1/metrics/sales", product_id="only_b").status_code == 404
    assert api_b.get("/v1/metrics/calls", partner_id="only_a_partner").status_code == 404
    mine = api_b.metric("calls", partner_id="only_b_partner", **window)
    assert column(mine, "cost") == ["7.00"]
    # a key of tenant A with a tenant B-sized secret guess does not work on B either
    forged = {"Authorization": f"Bearer {a.key_id}.{b.secret}"}
    assert api_a.client.get("/v1/metrics/sales", headers=forged).status_code == 401
    api_a.close()
    api_b.close()
