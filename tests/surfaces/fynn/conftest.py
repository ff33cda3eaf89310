"""Fixtures of the fynn surface tests: a live server with a frozen clock, tenants, keys, ingest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from sqlalchemy import Engine

from billstats.auth.service import create_key
from billstats.db.dialect import write_transaction
from tests.conftest import Frozen, TenantCtx, make_tenant
from tests.surfaces.fynn.schema import ERROR_SCHEMA, RESPONSE_SCHEMA

PATH = "/analytics/subscription-revenue"


@pytest.fixture
def client(frozen: Frozen) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=frozen.url, timeout=60) as c:
        yield c


def new_tenant(engine: Engine, timezone: str = "Europe/Berlin") -> TenantCtx:
    return make_tenant(engine, timezone=timezone, currency="EUR")


def key(engine: Engine, tenant: TenantCtx, *scopes: str) -> str:
    """A new key of ``tenant`` with ``scopes``; its Bearer token."""
    with write_transaction(engine) as conn:
        token: str = create_key(conn, tenant.id, list(scopes))["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ingest(
    client: httpx.Client, tenant: TenantCtx, lines: list[tuple[str, dict[str, Any]]]
) -> None:
    body = "\n".join(json.dumps({"kind": k, "data": d}) for k, d in lines).encode()
    response = client.post("/v1/import", content=body, headers=tenant.headers)
    assert response.status_code == 200, response.text


def fetch(client: httpx.Client, token: str, **params: Any) -> dict[str, Any]:
    """A successful call, its body validated against the seed's schema."""
    query = {("from" if k == "from_" else k): v for k, v in params.items()}
    response = client.get(PATH, params=query, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    jsonschema.validate(body, RESPONSE_SCHEMA)
    return body


def fail(
    client: httpx.Client, status: int, token: str | None = None, **params: Any
) -> dict[str, Any]:
    """A failing call: its status, the problem shape, and the body."""
    query = {("from" if k == "from_" else k): v for k, v in params.items()}
    response = client.get(PATH, params=query, headers=bearer(token) if token else {})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    jsonschema.validate(body, ERROR_SCHEMA)
    assert body["status"] == status
    return body


def rows(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The data points as tuples in the seed's field order."""
    return [
        (
            p["date"],
            p["currency_code"],
            p["revenue"],
            p["churn_revenue"],
            p["expansion_revenue"],
            p["new_revenue"],
        )
        for p in body["data"]
    ]
