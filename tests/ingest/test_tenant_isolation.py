"""A key sees and writes only its own tenant's records; other tenants' ids are unknown."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import TenantCtx, make_tenant
from tests.ingest.test_payloads import CASE_IDS, CASES, T0, Case, base_lines, ndjson_body, seed


@pytest.fixture
def other(engine: Engine) -> TenantCtx:
    return make_tenant(engine)


@pytest.fixture
def b(http: httpx.Client, other: TenantCtx) -> httpx.Client:
    """Requests as tenant B (a second client on the same server, so headers never mix)."""
    with httpx.Client(base_url=str(http.base_url), headers=other.headers, timeout=60) as client:
        yield client


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_other_tenant_cannot_read(api: httpx.Client, b: httpx.Client, case: Case) -> None:
    seed(api)
    assert api.put(case.url, json=case.new).status_code == 201
    assert b.get(case.url).status_code == 404
    assert b.get(f"/v1/{case.kind}").json() == {"data": [], "has_more": False, "next_cursor": None}
    # ... while the owner still does.
    assert api.get(case.url).json() == case.stored


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_same_id_in_another_tenant_is_a_separate_record(
    api: httpx.Client, b: httpx.Client, case: Case
) -> None:
    seed(api)
    seed(b)
    assert api.put(case.url, json=case.new).status_code == 201
    # B writes different content under the same key: its own record, created - no 409 even
    # for append-only kinds, and A's record is untouched.
    payload = case.changed
    response = b.put(case.url, json=payload)
    assert response.status_code == 201, response.text
    assert response.json()["result"] == "created"
    assert api.get(case.url).json() == case.stored
    assert b.get(case.url).json() == response.json()["data"]


def test_history_of_another_tenants_subscription_is_404(api: httpx.Client, b: httpx.Client) -> None:
    seed(api)
    assert api.get("/v1/subscriptions/sub/history").status_code == 200
    response = b.get("/v1/subscriptions/sub/history")
    assert response.status_code == 404


REFS = [
    (
        "plans",
        "p9",
        {
            "product_id": "prod",
            "name": "P",
            "currency": "USD",
            "amount": "1",
            "interval_unit": "month",
        },
        "product_id",
    ),
    ("customers", "c9", {"name": "C", "created_at": T0, "partner_id": "partner"}, "partner_id"),
    (
        "subscriptions",
        "s9",
        {"customer_id": "cus", "plan_id": "plan", "status": "active", "started_at": T0},
        "customer_id plan_id",
    ),
    (
        "invoices",
        "i9",
        {"customer_id": "cus", "currency": "USD", "status": "open", "issued_at": T0, "total": "0"},
        "customer_id",
    ),
    (
        "payments",
        "p9",
        {
            "customer_id": "cus",
            "amount": "1",
            "currency": "USD",
            "status": "succeeded",
            "created_at": T0,
        },
        "customer_id",
    ),
    ("refunds", "r9", {"payment_id": "pay", "amount": "1", "created_at": T0}, "payment_id"),
    (
        "usage_events",
        "e9",
        {"customer_id": "cus", "metric_code": "m", "quantity": "1", "timestamp": T0},
        "customer_id",
    ),
    ("wallets", "w9", {"customer_id": "cus", "currency": "USD"}, "customer_id"),
    (
        "wallet_transactions",
        "t9",
        {"wallet_id": "wal", "amount": "1", "created_at": T0},
        "wallet_id",
    ),
    (
        "call_records",
        "cr9",
        {
            "account_id": "cus",
            "direction": "inbound",
            "product": "voice_api",
            "started_at": T0,
            "duration_seconds": 1,
            "billed_seconds": 1,
            "answered": True,
            "cost": "0",
            "currency": "USD",
        },
        "account_id",
    ),
]


@pytest.mark.parametrize("kind, record_id, body, field", REFS, ids=[r[0] for r in REFS])
def test_references_across_tenants_are_unknown(
    api: httpx.Client,
    b: httpx.Client,
    kind: str,
    record_id: str,
    body: dict[str, object],
    field: str,
) -> None:
    """``field``: the referencing fields, space-separated, in path order."""
    seed(api)  # A holds every referenced record; B holds none
    response = b.put(f"/v1/{kind}/{record_id}", json=body)
    assert response.status_code == 422
    problems = response.json()["error"]["problems"]
    assert [(p["path"], p["code"]) for p in problems] == [
        (f"data.{f}", "unknown_reference") for f in field.split()
    ]
    assert b.get(f"/v1/{kind}/{record_id}").status_code == 404
    assert api.get(f"/v1/{kind}/{record_id}").status_code == 404


def test_bulk_import_is_scoped_to_the_callers_tenant(api: httpx.Client, b: httpx.Client) -> None:
    body = ndjson_body(base_lines())
    first = api.post("/v1/import", content=body)
    assert first.status_code == 200
    # A file of B's that only references A's records fails: they are unknown to B.
    refund = ndjson_body(
        [("refunds", {"id": "r1", "payment_id": "pay", "amount": "1", "created_at": T0})]
    )
    refused = b.post("/v1/import", content=refund)
    assert refused.status_code == 422
    assert refused.json()["error"]["problems"] == [
        {
            "path": "data.payment_id",
            "code": "unknown_reference",
            "line": 1,
            "message": "payments 'pay' does not exist",
        }
    ]
    # B importing A's file creates everything anew (nothing "unchanged").
    second = b.post("/v1/import", content=body)
    assert second.status_code == 200
    assert second.json() == first.json()
    assert b.post("/v1/import", content=refund).status_code == 200
    assert api.get("/v1/refunds/r1").status_code == 404


def test_refund_checks_only_count_the_tenants_own_refunds(
    api: httpx.Client, b: httpx.Client
) -> None:
    seed(api)
    seed(b)
    assert (
        api.put(
            "/v1/refunds/r1", json={"payment_id": "pay", "amount": "10", "created_at": T0}
        ).status_code
        == 201
    )
    # B's payment "pay" has no refunds yet: a full refund fits.
    assert (
        b.put(
            "/v1/refunds/r1", json={"payment_id": "pay", "amount": "10", "created_at": T0}
        ).status_code
        == 201
    )


def test_plan_in_use_check_is_per_tenant(api: httpx.Client, b: httpx.Client) -> None:
    seed(api)  # A's "plan" has USD subscriptions
    b.put("/v1/products/prod", json={"name": "P"})
    body = {
        "product_id": "prod",
        "name": "P",
        "currency": "USD",
        "amount": "1",
        "interval_unit": "month",
    }
    assert b.put("/v1/plans/plan", json=body).status_code == 201
    moved = b.put("/v1/plans/plan", json={**body, "currency": "EUR"})
    assert moved.status_code == 200
    assert moved.json()["data"]["currency"] == "EUR"
    assert api.get("/v1/plans/plan").json()["currency"] == "USD"


def test_tenant_endpoint_describes_the_callers_tenant(
    api: httpx.Client, b: httpx.Client, tenant: TenantCtx, other: TenantCtx
) -> None:
    assert api.get("/v1/tenant").json() == {
        "tenant_id": tenant.id,
        "name": tenant.name,
        "timezone": "UTC",
        "currency": "USD",
    }
    assert b.get("/v1/tenant").json()["tenant_id"] == other.id
