"""The data revision and the shared caches keyed by it, through the real HTTP stack.

- Every write that creates or updates a record raises the tenant's revision exactly once (a
  ``PUT``, a bulk import); a write that changes nothing, a rejected import and another tenant's
  writes leave it alone.
- A cached answer never outlives the data: the same question asked before and after a write
  (each answer read warm from the shared cache) follows the write, hand-computed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from billstats.db import revisions
from billstats.db.dialect import read_transaction
from billstats.metrics.derived import CACHE
from tests.conftest import Frozen, TenantCtx, make_tenant

NOW = datetime(2026, 3, 15, 12, tzinfo=UTC)


def _revision(engine: Engine, tenant_id: int) -> int:
    with read_transaction(engine) as conn:
        return revisions.current(conn, tenant_id)


@pytest.fixture
def client(frozen: Frozen) -> Iterator[httpx.Client]:
    frozen.clock.now = NOW
    with httpx.Client(base_url=frozen.url, timeout=60) as c:
        yield c


def _put(client: httpx.Client, tenant: TenantCtx, path: str, body: dict[str, Any]) -> str:
    response = client.put(path, json=body, headers=tenant.headers)
    assert response.status_code in (200, 201), response.text
    result: str = response.json()["result"]
    return result


def _catalog(client: httpx.Client, tenant: TenantCtx) -> None:
    _put(client, tenant, "/v1/products/p", {"name": "P"})
    plan = {
        "product_id": "p",
        "name": "Monthly",
        "currency": "USD",
        "amount": "30.00",
        "interval_unit": "month",
    }
    _put(client, tenant, "/v1/plans/m", plan)
    _put(client, tenant, "/v1/customers/c1", {"name": "C1", "created_at": "2026-01-01T00:00:00Z"})


def test_writes_that_change_data_raise_the_revision_once(
    client: httpx.Client, engine: Engine
) -> None:
    tenant, other = make_tenant(engine), make_tenant(engine)
    assert _revision(engine, tenant.id) == 0
    _catalog(client, tenant)
    assert _revision(engine, tenant.id) == 3  # three PUTs that created a record
    customer = {"name": "C1", "created_at": "2026-01-01T00:00:00Z"}
    assert _put(client, tenant, "/v1/customers/c1", customer) == "unchanged"
    assert _revision(engine, tenant.id) == 3
    assert _put(client, tenant, "/v1/customers/c1", {**customer, "name": "C one"}) == "updated"
    assert _revision(engine, tenant.id) == 4

    lines = [
        {
            "kind": "customers",
            "data": {"id": f"n{i}", "name": "N", "created_at": "2026-01-01T00:00:00Z"},
        }
        for i in range(3)
    ]
    body = "\n".join(json.dumps(line) for line in lines).encode()
    response = client.post("/v1/import", content=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert _revision(engine, tenant.id) == 5  # one import, one step
    response = client.post("/v1/import", content=body, headers=tenant.headers)
    assert response.json()["kinds"]["customers"]["unchanged"] == 3
    assert _revision(engine, tenant.id) == 5  # nothing changed

    bad = body + b'\n{"kind": "customers", "data": {"id": "x"}}'
    response = client.post("/v1/import", content=bad, headers=tenant.headers)
    assert response.status_code == 422
    assert _revision(engine, tenant.id) == 5  # rolled back with the import
    assert _revision(engine, other.id) == 0  # another tenant's data is its own


def _mrr(client: httpx.Client, tenant: TenantCtx) -> dict[str, Any]:
    params = {"start_date": "2026-03-01", "end_date": "2026-03-31", "interval": "month"}
    response = client.get("/v1/metrics/mrr", params=params, headers=tenant.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return {
        "entry": {k: body["entries"][0][k] for k in ("mrr", "new_business", "expansion")},
        "summary": body["summary"]["current"],
    }


def test_a_cached_answer_follows_every_write(client: httpx.Client, engine: Engine) -> None:
    tenant = make_tenant(engine)
    _catalog(client, tenant)
    sub = {
        "customer_id": "c1",
        "plan_id": "m",
        "status": "active",
        "started_at": "2026-02-01T00:00:00Z",
    }
    _put(client, tenant, "/v1/subscriptions/s1", sub)
    first = {"entry": {"mrr": "30.00", "new_business": "0.00", "expansion": "0.00"}}
    assert _mrr(client, tenant) == {**first, "summary": "30.00"}
    hits = CACHE.hits
    assert _mrr(client, tenant) == {**first, "summary": "30.00"}  # again: from the cache
    assert CACHE.hits > hits

    # Two seats from March 10: +30.00 expansion in March, MRR 60.00 (not the cached 30.00).
    _put(
        client,
        tenant,
        "/v1/subscriptions/s1",
        {**sub, "quantity": 2, "effective_at": "2026-03-10T00:00:00Z"},
    )
    second = {"entry": {"mrr": "60.00", "new_business": "0.00", "expansion": "30.00"}}
    assert _mrr(client, tenant) == {**second, "summary": "60.00"}

    # A rate-free write elsewhere in the ledger (a new customer) keeps the numbers.
    _put(client, tenant, "/v1/customers/c2", {"name": "C2", "created_at": "2026-01-01T00:00:00Z"})
    assert _mrr(client, tenant) == {**second, "summary": "60.00"}

    # Cancelled at once on March 12: churn, MRR 0.00.
    _put(
        client,
        tenant,
        "/v1/subscriptions/s1",
        {
            **sub,
            "quantity": 2,
            "status": "cancelled",
            "cancelled_at": "2026-03-12T00:00:00Z",
            "effective_at": "2026-03-12T00:00:00Z",
        },
    )
    assert _mrr(client, tenant) == {
        "entry": {"mrr": "0.00", "new_business": "0.00", "expansion": "30.00"},
        "summary": "0.00",
    }
