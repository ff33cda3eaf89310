"""Helpers of the movement log, cohorts and customer metrics tests (no tests here): a client of
the frozen live server, tenants with keys, ingest through the API, calls that check the shape."""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import Engine

from billstats.auth.service import create_key
from billstats.db.dialect import write_transaction
from tests.conftest import TenantCtx, make_tenant

Lines = list[tuple[str, dict[str, Any]]]
ACTIVITIES = "/v1/metrics/activities"
COHORTS = "/v1/metrics/cohorts"


def key(engine: Engine, tenant: TenantCtx, *scopes: str) -> str:
    """A new key of ``tenant`` with ``scopes``; its Bearer token."""
    with write_transaction(engine) as conn:
        token: str = create_key(conn, tenant.id, list(scopes))["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ingest(client: httpx.Client, tenant: TenantCtx, lines: Lines) -> None:
    body = "\n".join(json.dumps({"kind": k, "data": d}) for k, d in lines).encode()
    response = client.post("/v1/import", content=body, headers=tenant.headers)
    assert response.status_code == 200, response.text


def analyst(
    engine: Engine, client: httpx.Client, lines: Lines, *, timezone: str, currency: str
) -> tuple[TenantCtx, str]:
    """A new tenant holding ``lines``, and a token with only ``analytics:read``."""
    tenant = make_tenant(engine, timezone=timezone, currency=currency)
    ingest(client, tenant, lines)
    return tenant, key(engine, tenant, "analytics:read")


def get(client: httpx.Client, token: str, path: str, **params: Any) -> dict[str, Any]:
    """A successful JSON call."""
    response = client.get(path, params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def fail(
    client: httpx.Client, status: int, token: str | None, path: str, **params: Any
) -> dict[str, Any]:
    """A failing call in the native error format; its ``error`` object."""
    headers = bearer(token) if token else {}
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) <= {"code", "message", "problems"}
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    return error


def every_page(client: httpx.Client, token: str, **params: Any) -> list[list[dict[str, Any]]]:
    """All pages of the log for ``params``, following ``next_cursor``."""
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = get(client, token, ACTIVITIES, **query)
        pages.append(body["data"])
        assert body["has_more"] == (body["next_cursor"] is not None)
        if not body["has_more"]:
            return pages
        cursor = body["next_cursor"]
        assert len(pages) < 10_000


def entry_tuple(e: dict[str, Any]) -> tuple[Any, ...]:
    """A log entry as (date, customer, name, currency, type, amount, before, after, subs)."""
    subs = tuple((s["id"], s["mrr_before"], s["mrr_after"]) for s in e["subscriptions"])
    return (
        e["date"],
        e["customer"]["id"],
        e["customer"]["name"],
        e["currency"],
        e["type"],
        e["amount"],
        e["mrr_before"],
        e["mrr_after"],
        subs,
    )
