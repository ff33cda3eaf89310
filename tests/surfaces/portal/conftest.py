"""Fixtures of the portal tests: a live server whose clock the test sets, and data helpers.

``portal_server`` is the real app on uvicorn (like ``live_server``) with one dependency
overridden: the request's "now" (``billstats.surfaces.portal.deps.current_time``) reads
``CLOCK``.  Tests set ``clock.now``; unset, the real time is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from billstats.config import Settings
from billstats.surfaces.portal.deps import current_time
from tests.conftest import LiveServer, TenantCtx, make_tenant


@dataclass
class Clock:
    now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now or datetime.now(UTC)


CLOCK = Clock()


@pytest.fixture(scope="session")
def portal_server(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    server = LiveServer(settings, engine)
    server.app.dependency_overrides[current_time] = CLOCK
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clock() -> Iterator[Clock]:
    CLOCK.now = None
    yield CLOCK
    CLOCK.now = None


@pytest.fixture
def client(portal_server: LiveServer, clock: Clock) -> Iterator[httpx.Client]:
    """A client without credentials (the portal token travels in the query)."""
    with httpx.Client(base_url=portal_server.url, timeout=60) as c:
        yield c


@pytest.fixture
def other_tenant(engine: Engine) -> TenantCtx:
    return make_tenant(engine)


def put(client: httpx.Client, tenant: TenantCtx, kind: str, id: str, data: dict[str, Any]) -> None:
    response = client.put(f"/v1/{kind}/{id}", json=data, headers=tenant.headers)
    assert response.status_code in (200, 201), response.text


def load(
    client: httpx.Client, tenant: TenantCtx, records: list[tuple[str, str, dict[str, Any]]]
) -> None:
    for kind, id, data in records:
        put(client, tenant, kind, id, data)


def issue(
    client: httpx.Client, tenant: TenantCtx, customer_id: str, **params: Any
) -> dict[str, Any]:
    response = client.post(
        f"/v1/customers/{customer_id}/portal_token", params=params, headers=tenant.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def dashboard(client: httpx.Client, token: str) -> httpx.Response:
    return client.get("/portal/dashboard_summary", params={"token": token})
