"""Fixtures of the portal tests: a live server whose clock the test sets, and data helpers.

``portal_server`` is the real app on uvicorn (like ``live_server``) with one dependency
overridden: the request's "now" (``billstats.surfaces.portal.deps.current_time``) reads
``CLOCK``.  Tests set ``clock.now``; unset, the real time is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import Clock, Frozen, TenantCtx
from tests.surfaces.portal.schema import (
    DASHBOARD,
    HTTP_VALIDATION_ERROR,
    UNAUTHORIZED,
    validate,
)


@pytest.fixture
def clock(frozen: Frozen) -> Clock:
    return frozen.clock


@pytest.fixture
def client(frozen: Frozen) -> Iterator[httpx.Client]:
    """A client without credentials (the portal token travels in the query)."""
    with httpx.Client(base_url=frozen.url, timeout=60) as c:
        yield c


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
    """``GET /portal/dashboard_summary?token=``; every answer is checked against the schema the
    vendor documents for its status (200, 401, 422)."""
    response = client.get("/portal/dashboard_summary", params={"token": token})
    schema = {200: DASHBOARD, 401: UNAUTHORIZED, 422: HTTP_VALIDATION_ERROR}.get(
        response.status_code
    )
    assert schema is not None, (response.status_code, response.text)
    validate(response.json(), schema)
    return response
