"""Requests of one tenant that name the other tenant's ids: every one must find nothing.

``probe`` sends, with ``me``'s credentials, every by-id request for the ids only ``other`` holds
(reads, writes that reference them, credential management) and asserts the answer is "not
found" (404, never 403, which would confirm the id exists) or, for a write referencing such an
id, ``422 unknown_reference`` with nothing written.  ``tenant_rows`` reads every row a tenant owns
straight from the database, to prove the other tenant's writes left them alone.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import Engine, select

from billstats.db import tables as t
from billstats.ingest.kinds import KINDS
from tests.reliability.isolation_data import NOW, iso
from tests.reliability.isolation_views import RANGE, Access

T = iso(NOW)
PROBE_ID = "probe-x"

# A body of each kind whose one reference names the other tenant's record (``{}``); the other
# references, if any, name records every tenant holds (``own_plan``).
REFERENCING: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "plans",
        "product_id",
        "products",
        {"name": "P", "currency": "USD", "amount": "1", "interval_unit": "month"},
    ),
    ("customers", "partner_id", "partners", {"name": "C", "created_at": T}),
    ("subscriptions", "customer_id", "customers", {"status": "active", "started_at": T}),
    (
        "invoices",
        "customer_id",
        "customers",
        {"currency": "USD", "status": "open", "issued_at": T, "total": "0"},
    ),
    (
        "payments",
        "customer_id",
        "customers",
        {"amount": "1", "currency": "USD", "status": "succeeded", "created_at": T},
    ),
    ("refunds", "payment_id", "payments", {"amount": "1", "created_at": T}),
    (
        "usage_events",
        "customer_id",
        "customers",
        {"metric_code": "m", "quantity": "1", "timestamp": T},
    ),
    ("wallets", "customer_id", "customers", {"currency": "USD"}),
    ("wallet_transactions", "wallet_id", "wallets", {"amount": "1", "created_at": T}),
    (
        "call_records",
        "account_id",
        "customers",
        {
            "direction": "inbound",
            "product": "voice_api",
            "started_at": T,
            "duration_seconds": 1,
            "billed_seconds": 1,
            "answered": True,
            "cost": "0",
            "currency": "USD",
        },
    ),
]


def _not_found(response: httpx.Response, what: str) -> None:
    assert response.status_code == 404, (what, response.status_code, response.text)


def _native_not_found(response: httpx.Response, what: str) -> None:
    _not_found(response, what)
    assert response.json()["error"]["code"] in ("not_found", "unknown_metric"), response.text


def probe(client: httpx.Client, me: Access, other: Access) -> int:
    """Every by-id request of ``me`` for ``other``'s ids; the number of requests sent."""
    sent = 0
    headers = me.headers

    def foreign(kind: str) -> list[str]:
        return sorted(other.keys(kind) - me.keys(kind))

    for kind in KINDS:
        for key in foreign(kind):
            _native_not_found(client.get(f"/v1/{kind}/{key}", headers=headers), f"{kind}/{key}")
            sent += 1
    for sub in foreign("subscriptions"):
        _native_not_found(client.get(f"/v1/subscriptions/{sub}/history", headers=headers), sub)
        sent += 1
    for customer in foreign("customers"):
        path = f"/v1/customers/{customer}"
        _native_not_found(client.get(f"{path}/metrics", params=RANGE, headers=headers), customer)
        _native_not_found(client.post(f"{path}/portal_token", headers=headers), customer)
        params = {**RANGE, "customer_id": customer}
        response = client.get("/v1/metrics/activities", params=params, headers=headers)
        _native_not_found(response, customer)
        sent += 3
    for partner in foreign("partners"):
        path = f"/v1/partners/{partner}/credentials"
        _native_not_found(client.post(path, headers=headers), partner)
        _native_not_found(client.get(path, headers=headers), partner)
        params = {**RANGE, "partner_id": partner}
        _native_not_found(client.get("/v1/metrics/calls", params=params, headers=headers), partner)
        sent += 3
    # The other tenant's credentials cannot be revoked, under any partner id.
    for partner, credential in sorted(other.partners.items()):
        for under in {partner, *me.keys("partners")}:
            path = f"/v1/partners/{under}/credentials/{credential.auth_id}"
            _native_not_found(client.delete(path, headers=headers), path)
            sent += 1
    for name, kinds in (("product_id", "products"), ("plan_id", "plans")):
        for value in foreign(kinds):
            for path in ("/v1/metrics/mrr", "/v1/metrics/activities", "/v1/metrics/cohorts"):
                response = client.get(path, params={**RANGE, name: value}, headers=headers)
                _native_not_found(response, f"{path}?{name}={value}")
                sent += 1
    for product in foreign("products"):
        body = {"product_id": product, "interval": "all_time"}
        response = client.post("/api/v2/getdashboardstats", json=body, auth=me.reader)
        _not_found(response, product)
        assert response.json() == {"status": "error", "message": f"no product {product!r}"}
        sent += 1
    if other.activity_cursor:
        query = {**RANGE, "limit": "1", "cursor": other.activity_cursor}
        response = client.get("/v1/metrics/activities", params=query, headers=headers)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "invalid_cursor"
        sent += 1
    return sent + _referencing_writes(client, me, foreign)


def _referencing_writes(client: httpx.Client, me: Access, foreign: Any) -> int:
    """Writes that name the other tenant's records as references: refused, nothing written."""
    sent = 0
    own_plans = sorted(me.keys("plans"))
    for kind, name, target, body in REFERENCING:
        for value in foreign(target)[:2]:
            payload = {**body, name: value}
            if kind == "subscriptions":
                payload["plan_id"] = own_plans[0]
            response = client.put(f"/v1/{kind}/{PROBE_ID}", json=payload, headers=me.headers)
            assert response.status_code == 422, (kind, response.text)
            problems = response.json()["error"]["problems"]
            assert [(p["path"], p["code"]) for p in problems] == [
                (f"data.{name}", "unknown_reference")
            ], problems
            line = json.dumps({"kind": kind, "data": {**payload, "id": PROBE_ID}})
            imported = client.post("/v1/import", content=line.encode(), headers=me.headers)
            assert imported.status_code == 422, imported.text
            _native_not_found(client.get(f"/v1/{kind}/{PROBE_ID}", headers=me.headers), kind)
            sent += 3
    return sent


def tenant_rows(engine: Engine, tenant_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the tenant owns, in key order."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            if "tenant_id" not in table.c:
                continue
            key = list(table.primary_key.columns) or list(table.c)
            query = select(table).where(table.c.tenant_id == tenant_id).order_by(*key)
            rows[table.name] = [tuple(r) for r in conn.execute(query)]
    rows["tenants"] = [tuple(r) for r in _tenant(engine, tenant_id)]
    return rows


def _tenant(engine: Engine, tenant_id: int) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(t.tenants).where(t.tenants.c.id == tenant_id)))
