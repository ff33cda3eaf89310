"""Helpers of the native metrics API tests: load a ledger, ask the API with a read-only key."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Engine

from billstats.auth.service import create_key
from billstats.db.dialect import write_transaction
from tests.conftest import Frozen, TenantCtx

Record = tuple[str, dict[str, Any]]


def ingest(client: httpx.Client, tenant: TenantCtx, records: list[Record]) -> None:
    """Load records through the native bulk import (admin key); fails loudly on any problem."""
    body = "\n".join(json.dumps({"kind": kind, "data": data}) for kind, data in records)
    response = client.post(
        "/v1/import",
        content=body.encode(),
        headers={**tenant.headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text


def reader(engine: Engine, tenant: TenantCtx, *scopes: str) -> dict[str, str]:
    """Headers of a key with only ``analytics:read`` (or the scopes given)."""
    with write_transaction(engine) as conn:
        key = create_key(conn, tenant.id, list(scopes or ("analytics:read",)))
    return {"Authorization": f"Bearer {key['token']}"}


class Api:
    """Asks ``/v1/metrics`` of a frozen server as one tenant's read-only key."""

    def __init__(self, frozen: Frozen, headers: dict[str, str], now: datetime) -> None:
        self.frozen = frozen
        self.headers = headers
        frozen.clock.now = now
        self.client = httpx.Client(base_url=frozen.url, timeout=60)

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.client.get(path, params=params, headers=self.headers)

    def metric(self, name: str, **params: str) -> dict[str, Any]:
        response = self.get(f"/v1/metrics/{name}", **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def several(self, names: str, **params: str) -> dict[str, Any]:
        response = self.get("/v1/metrics", metrics=names, **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def close(self) -> None:
        self.client.close()


def column(body: dict[str, Any], name: str) -> list[Any]:
    """One field's values across the entries, in bucket order."""
    return [entry[name] for entry in body["entries"]]
