"""Portal authentication over HTTP: the token in the query, its errors, and issuing tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import Engine

from billstats.auth import portal_tokens as pt
from billstats.auth.signing import derive_key
from billstats.config import Settings
from tests.conftest import TenantCtx, make_tenant
from tests.surfaces.portal.builders import Ledger
from tests.surfaces.portal.conftest import Clock, dashboard, issue
from tests.surfaces.portal.schema import (
    DASHBOARD,
    HTTP_VALIDATION_ERROR,
    UNAUTHORIZED,
    validate,
)

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
INVALID = {"detail": "Invalid portal token"}
EXPIRED = {"detail": "Portal token has expired"}


@pytest.fixture
def customer(client: httpx.Client, tenant: TenantCtx) -> str:
    Ledger().customer("c").load(client, tenant)
    return "c"


def test_missing_token_is_fastapis_422(client: httpx.Client) -> None:
    response = client.get("/portal/dashboard_summary")
    assert response.status_code == 422
    body = response.json()
    validate(body, HTTP_VALIDATION_ERROR)
    assert body == {
        "detail": [
            {"type": "missing", "loc": ["query", "token"], "msg": "Field required", "input": None}
        ]
    }


@pytest.mark.parametrize(
    "token", ["", "x", "a.b.c", "bk_0123456789abcdef.secret", "eyJhbGciOiJIUzI1NiJ9.e30."]
)
def test_bad_token_is_401(client: httpx.Client, token: str) -> None:
    response = dashboard(client, token)
    assert (response.status_code, response.json()) == (401, INVALID)
    validate(response.json(), UNAUTHORIZED)


def test_expiry_follows_the_clock(
    client: httpx.Client, clock: Clock, tenant: TenantCtx, customer: str
) -> None:
    clock.now = NOW
    issued = issue(client, tenant, customer, ttl_hours=2)
    assert issued["expires_at"] == "2025-03-10T14:00:00+00:00"
    clock.now = NOW + timedelta(hours=2) - timedelta(seconds=1)
    assert dashboard(client, issued["token"]).status_code == 200
    clock.now = NOW + timedelta(hours=2)
    response = dashboard(client, issued["token"])
    assert (response.status_code, response.json()) == (401, EXPIRED)
    validate(response.json(), UNAUTHORIZED)


def test_default_lifetime_is_12_hours(
    client: httpx.Client, clock: Clock, tenant: TenantCtx, customer: str
) -> None:
    clock.now = NOW
    issued = issue(client, tenant, customer)
    assert set(issued) == {"token", "expires_at", "portal_url"}
    assert issued["expires_at"] == "2025-03-11T00:00:00+00:00"


def test_token_signed_elsewhere_or_tampered_is_refused(
    client: httpx.Client,
    clock: Clock,
    engine: Engine,
    settings: Settings,
    tenant: TenantCtx,
    customer: str,
) -> None:
    clock.now = NOW
    key = pt.portal_key(engine, settings)
    # The server's own key signs a token the server accepts ...
    good = pt.issue(key, tenant.id, customer, now=NOW).token
    assert dashboard(client, good).status_code == 200
    # ... but not one for a customer the tenant does not have, or signed by another key, or
    # by the same master key for another purpose.
    master_other = derive_key(b"another server" * 4, "portal-token")
    refused = [
        pt.issue(key, tenant.id, "no-such-customer", now=NOW).token,
        pt.issue(key, tenant.id + 10**6, customer, now=NOW).token,
        pt.issue(master_other, tenant.id, customer, now=NOW).token,
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
    ]
    for token in refused:
        response = dashboard(client, token)
        assert (response.status_code, response.json()) == (401, INVALID), token


def test_portal_token_is_not_an_api_key(
    client: httpx.Client, clock: Clock, tenant: TenantCtx, customer: str
) -> None:
    token = issue(client, tenant, customer)["token"]
    response = client.get("/v1/customers/c", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    # And an API key is not a portal token.
    assert dashboard(client, tenant.token).json() == INVALID


def test_unknown_portal_path_speaks_fastapi(client: httpx.Client) -> None:
    response = client.get("/portal/nothing_here")
    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


def test_portal_url_serves_the_dashboard(
    client: httpx.Client, clock: Clock, tenant: TenantCtx, customer: str
) -> None:
    clock.now = NOW
    issued = issue(client, tenant, customer)
    url = urlsplit(issued["portal_url"])
    assert f"{url.scheme}://{url.netloc}" == str(client.base_url).rstrip("/")
    assert url.path == "/portal/dashboard_summary"
    assert parse_qs(url.query) == {"token": [issued["token"]]}
    response = client.get(issued["portal_url"])
    assert response.status_code == 200
    validate(response.json(), DASHBOARD)


def _post(client: httpx.Client, tenant: TenantCtx, customer: str, **kwargs: Any) -> httpx.Response:
    return client.post(f"/v1/customers/{customer}/portal_token", headers=tenant.headers, **kwargs)


def test_ttl_in_query_or_body(
    client: httpx.Client, clock: Clock, tenant: TenantCtx, customer: str
) -> None:
    clock.now = NOW
    by_query = _post(client, tenant, customer, params={"ttl_hours": 24})
    assert by_query.json()["expires_at"] == "2025-03-11T12:00:00+00:00"
    by_body = _post(client, tenant, customer, json={"ttl_hours": 720})
    assert by_body.json()["expires_at"] == "2025-04-09T12:00:00+00:00"
    both = _post(client, tenant, customer, params={"ttl_hours": 3}, json={"ttl_hours": 3})
    assert both.json()["expires_at"] == "2025-03-10T15:00:00+00:00"
    empty_body = _post(client, tenant, customer, json={})
    assert empty_body.json()["expires_at"] == "2025-03-11T00:00:00+00:00"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"params": {"ttl_hours": 0}},
        {"params": {"ttl_hours": 721}},
        {"params": {"ttl_hours": "1.5"}},
        {"params": {"ttl_hours": "abc"}},
        {"json": {"ttl_hours": 0}},
        {"json": {"ttl_hours": 1.5}},
        {"json": {"ttl_hours": "12"}},
        {"json": {"ttl_hours": True}},
        {"json": {"ttl": 12}},
        {"json": [12]},
        {"params": {"ttl_hours": 2}, "json": {"ttl_hours": 3}},
    ],
)
def test_bad_ttl_is_a_native_422(
    client: httpx.Client, tenant: TenantCtx, customer: str, kwargs: dict[str, Any]
) -> None:
    response = _post(client, tenant, customer, **kwargs)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


def test_issuing_needs_an_admin_key_and_a_known_customer(
    client: httpx.Client, engine: Engine, tenant: TenantCtx, customer: str
) -> None:
    assert _post(client, tenant, customer).status_code == 200
    unknown = _post(client, tenant, "nobody")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    # Another tenant's admin key cannot issue tokens for this tenant's customer.
    other = make_tenant(engine)
    assert _post(client, other, customer).status_code == 404
    reader = make_tenant(engine, scopes=("analytics:read", "ingest:write"))
    Ledger().customer("c").load(client, reader)
    forbidden = _post(client, reader, "c")
    assert (forbidden.status_code, forbidden.json()["error"]["code"]) == (403, "forbidden")
    anonymous = client.post(f"/v1/customers/{customer}/portal_token")
    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "unauthorized")
