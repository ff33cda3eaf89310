"""Fixtures of the vobiz surface tests: a pinned clock, ingest, partner credentials."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from billstats.auth import partner_credentials
from billstats.db.dialect import write_transaction
from billstats.demo.catalog import PARTNER_ID
from billstats.demo.config import DemoConfig
from billstats.demo.load import load_demo
from billstats.web.deps import current_time
from tests.conftest import LiveServer, TenantCtx, make_tenant
from tests.surfaces.vobiz import scenario

DASHBOARD = "/api/v1/partner/dashboard"
ANALYTICS = "/api/v1/partner/analytics"


def load(http: httpx.Client, tenant: TenantCtx, lines: Iterable[scenario.Line]) -> None:
    """Ingest records through the real API (one all-or-nothing NDJSON import)."""
    body = "\n".join(json.dumps({"kind": k, "data": d}) for k, d in lines).encode()
    response = http.post(
        "/v1/import",
        content=body,
        headers={**tenant.headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text


@dataclass(frozen=True)
class Credential:
    auth_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Auth-ID": self.auth_id, "X-Auth-Token": self.token}


def issue(http: httpx.Client, tenant: TenantCtx, partner_id: str) -> Credential:
    """Partner credentials from the admin endpoint."""
    response = http.post(f"/v1/partners/{partner_id}/credentials", headers=tenant.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    return Credential(body["auth_id"], body["token"])


@pytest.fixture
def pin_clock(live_server: LiveServer) -> Iterator[Callable[[datetime], None]]:
    """``pin_clock(at)``: the server's "now" for the partner endpoints (restored afterwards)."""
    overrides: dict[Any, Any] = live_server.app.dependency_overrides

    def pin(at: datetime) -> None:
        overrides[current_time] = lambda: at

    pin(scenario.NOW)
    yield pin
    overrides.pop(current_time, None)


@dataclass
class World:
    """The scenario's tenant with credentials of its two partners."""

    tenant: TenantCtx
    p1: Credential
    p2: Credential


@pytest.fixture
def world(engine: Engine, http: httpx.Client, pin_clock: Callable[[datetime], None]) -> World:
    tenant = make_tenant(engine, timezone=scenario.TIMEZONE)
    load(http, tenant, scenario.LINES)
    return World(tenant, issue(http, tenant, "p1"), issue(http, tenant, "p2"))


DEMO_ANCHOR = date(2026, 4, 15)
# Noon in New York on the demo's anchor day: the dashboard covers 2026-03-16 .. 2026-04-15.
DEMO_NOW = datetime(2026, 4, 15, 16, 0, tzinfo=UTC)
# `billstats demo --scale 0.02` with a few more partner accounts.
DEMO_CONFIG = DemoConfig(scale=0.02, anchor=DEMO_ANCHOR, partner_accounts=4)


@dataclass(frozen=True)
class Demo:
    tenant_id: int
    credential: Credential


@pytest.fixture(scope="module")
def demo(engine: Engine) -> Demo:
    """A small demo tenant loaded through ``billstats.demo`` and its partner's credentials."""
    loaded = load_demo(engine, DEMO_CONFIG, tenant_name=f"demo-{uuid.uuid4().hex[:10]}")
    assert loaded.imported and loaded.note is None
    with write_transaction(engine) as conn:
        made = partner_credentials.create_credentials(conn, loaded.tenant_id, PARTNER_ID)
    return Demo(loaded.tenant_id, Credential(made["auth_id"], made["token"]))
