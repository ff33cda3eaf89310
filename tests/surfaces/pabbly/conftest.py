"""Fixtures of the pabbly surface tests: a server with a frozen clock, tenants, keys, ingest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from billstats.auth.service import create_key
from billstats.db.dialect import write_transaction
from tests.conftest import Frozen, TenantCtx, make_tenant

PATH = "/api/v2/getdashboardstats"


@pytest.fixture
def client(frozen: Frozen) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=frozen.url, timeout=60) as c:
        yield c


@dataclass
class Key:
    key_id: str
    secret: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.key_id, self.secret)


def issue_key(engine: Engine, tenant: TenantCtx, *scopes: str) -> Key:
    with write_transaction(engine) as conn:
        key = create_key(conn, tenant.id, list(scopes))
    return Key(key["key_id"], key["secret"])


def reader(engine: Engine, tenant: TenantCtx) -> Key:
    """A key with only the analytics:read scope, as a dashboard client would hold."""
    return issue_key(engine, tenant, "analytics:read")


def new_tenant(engine: Engine, timezone: str = "UTC", currency: str = "USD") -> TenantCtx:
    return make_tenant(engine, timezone=timezone, currency=currency)


def ingest(
    client: httpx.Client, tenant: TenantCtx, records: list[tuple[str, dict[str, Any]]]
) -> None:
    """Load records through the native bulk import (admin key); fails loudly on any problem."""
    body = "\n".join(json.dumps({"kind": kind, "data": data}) for kind, data in records)
    response = client.post(
        "/v1/import",
        content=body.encode(),
        headers={**tenant.headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text


def stats(client: httpx.Client, key: Key, **body: Any) -> httpx.Response:
    return client.post(PATH, json=body, auth=key.auth)


def decimal_json(response: httpx.Response) -> Any:
    """The body with JSON numbers parsed exactly (decimals as Decimal)."""
    return json.loads(response.text, parse_float=Decimal)
