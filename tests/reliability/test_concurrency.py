"""Sixteen clients at once: the same upsert or the same batch leaves exactly one row each,
derived data stays consistent, and no client sees a lock error or a 5xx."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from billstats.db import tables as t
from tests.conftest import LiveServer, TenantCtx
from tests.ingest.test_payloads import ndjson_body

CLIENTS = 16
T0 = "2025-01-01T00:00:00Z"
SUBSCRIPTION = {
    "customer_id": "cc-1",
    "plan_id": "cc-plan",
    "status": "active",
    "started_at": T0,
    "effective_at": T0,
}


def _setup(client: httpx.Client) -> None:
    for path, body in [
        ("/v1/products/cc-prod", {"name": "P"}),
        ("/v1/customers/cc-1", {"name": "C", "created_at": T0}),
        (
            "/v1/plans/cc-plan",
            {"product_id": "cc-prod", "name": "M", "currency": "USD", "amount": "9.00"}
            | {"interval_unit": "month"},
        ),
    ]:
        assert client.put(path, json=body).status_code == 201


def _many(url: str, headers: dict[str, str], method: str, path: str, **kw: Any) -> list[Any]:
    def one(_: int) -> tuple[int, Any]:
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            response = client.request(method, path, **kw)
            return response.status_code, response.json()

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one, range(CLIENTS)))


def test_the_same_subscription_upsert_from_16_clients(
    live_server: LiveServer, tenant: TenantCtx, engine: Engine
) -> None:
    with httpx.Client(base_url=live_server.url, headers=tenant.headers) as client:
        _setup(client)
    results = _many(
        live_server.url, tenant.headers, "PUT", "/v1/subscriptions/cc-sub", json=SUBSCRIPTION
    )
    outcomes = sorted((status, body["result"]) for status, body in results)
    assert outcomes == [(200, "unchanged")] * (CLIENTS - 1) + [(201, "created")]
    v, s = t.subscription_versions, t.subscriptions
    with engine.connect() as conn:
        versions = conn.execute(
            select(func.count()).where(v.c.tenant_id == tenant.id, v.c.subscription_id == "cc-sub")
        ).scalar_one()
        current = conn.execute(
            select(s.c.version, s.c.status).where(s.c.tenant_id == tenant.id, s.c.id == "cc-sub")
        ).one()
    assert versions == 1 and tuple(current) == (1, "active")


def test_the_same_batch_from_16_clients(
    live_server: LiveServer, tenant: TenantCtx, engine: Engine
) -> None:
    records = [("customers", {"id": f"cb-{n}", "name": "N", "created_at": T0}) for n in range(500)]
    records += [
        (
            "usage_events",
            {"id": f"ub-{n}", "customer_id": f"cb-{n % 500}", "metric_code": "m"}
            | {"quantity": "1", "timestamp": T0},
        )
        for n in range(2000)
    ]
    body = ndjson_body(records)
    headers = {**tenant.headers, "Content-Type": "application/x-ndjson"}
    results = _many(live_server.url, headers, "POST", "/v1/import", content=body)
    assert {status for status, _ in results} == {200}
    created = [b["kinds"]["usage_events"]["created"] for _, b in results]
    assert sorted(created) == [0] * (CLIENTS - 1) + [2000]  # one batch wrote, the rest no-ops
    u, c = t.usage_events, t.customers
    with engine.connect() as conn:
        events = conn.execute(select(func.count()).where(u.c.tenant_id == tenant.id)).scalar_one()
        people = conn.execute(select(func.count()).where(c.c.tenant_id == tenant.id)).scalar_one()
    assert (events, people) == (2000, 500)
