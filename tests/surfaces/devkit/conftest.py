"""Fixtures of the devkit surface tests: loading an account, getting access tokens."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from billstats.auth.service import create_key
from billstats.db.dialect import write_transaction
from tests.conftest import TenantCtx, make_tenant
from tests.surfaces.devkit import scenario
from tests.surfaces.devkit.schemas import ACCESS_TOKEN, validate

TOKEN_URL = "/api/v1/auth/token"
STATS_URL = "/api/v1/payments/stats"


def load(
    http: httpx.Client,
    tenant: TenantCtx,
    lines: Iterable[scenario.Line],
    changes: Iterable[tuple[str, dict[str, Any]]] = (),
) -> None:
    """Ingest records through the real API: one NDJSON import, then subscription changes."""
    body = "\n".join(json.dumps({"kind": k, "data": d}) for k, d in lines).encode()
    response = http.post(
        "/v1/import",
        content=body,
        headers={**tenant.headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    for sub_id, data in changes:
        put = http.put(f"/v1/subscriptions/{sub_id}", json=data, headers=tenant.headers)
        assert put.status_code == 200 and put.json()["result"] == "updated", put.text


def new_key(engine: Engine, tenant_id: int, *scopes: str, **kwargs: Any) -> tuple[str, str]:
    """(key_id, secret) of a fresh API key of the tenant."""
    with write_transaction(engine) as conn:
        key = create_key(conn, tenant_id, list(scopes), **kwargs)
    return key["key_id"], key["secret"]


def get_token(http: httpx.Client, key_id: str, secret: str) -> str:
    response = http.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "client_id": key_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    validate(body, ACCESS_TOKEN)
    token: str = body["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Account:
    """A tenant with data and an access token of an ``analytics:read`` key."""

    tenant: TenantCtx
    key_id: str
    secret: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def account(
    engine: Engine,
    http: httpx.Client,
    lines: Iterable[scenario.Line] = (),
    changes: Iterable[tuple[str, dict[str, Any]]] = (),
    **tenant_options: Any,
) -> Account:
    tenant = make_tenant(engine, **tenant_options)
    lines = list(lines)
    if lines:
        load(http, tenant, lines, changes)
    key_id, secret = new_key(engine, tenant.id, "analytics:read")
    return Account(tenant, key_id, secret, get_token(http, key_id, secret))


@pytest.fixture
def scenario_account(engine: Engine, http: httpx.Client) -> Account:
    """The hand-computed account of ``scenario`` (America/New_York, USD)."""
    return account(engine, http, scenario.LINES, scenario.CHANGES, timezone="America/New_York")
