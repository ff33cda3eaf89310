"""Every error case, in the surface's problem-details shape."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Engine, update

from billstats.db import tables as t
from billstats.db.dialect import write_transaction
from tests.conftest import TenantCtx
from tests.surfaces.fynn.conftest import PATH, Frozen, fail, fetch, key, new_tenant


@pytest.fixture
def tenant_and_token(engine: Engine, frozen: Frozen) -> tuple[TenantCtx, str]:
    tenant = new_tenant(engine)
    return tenant, key(engine, tenant, "analytics:read")


def test_missing_credentials(client: httpx.Client) -> None:
    response = client.get(PATH)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = fail(client, 401)
    assert body["title"] == "An error occurred"
    assert "Authorization" in body["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer bk_nope.secret",
        "Bearer not-a-token",
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer .",
    ],
)
def test_bad_credentials(client: httpx.Client, header: str) -> None:
    response = client.get(PATH, headers={"Authorization": header})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 401


def test_wrong_secret(client: httpx.Client, tenant_and_token: tuple[TenantCtx, str]) -> None:
    _, token = tenant_and_token
    key_id = token.partition(".")[0]
    fail(client, 401, f"{key_id}.wrong-secret")


def test_revoked_key(
    client: httpx.Client, engine: Engine, tenant_and_token: tuple[TenantCtx, str]
) -> None:
    _, token = tenant_and_token
    fetch(client, token)
    with write_transaction(engine) as conn:
        conn.execute(
            update(t.api_keys)
            .where(t.api_keys.c.key_id == token.partition(".")[0])
            .values(revoked_at=datetime.now(UTC))
        )
    fail(client, 401, token)


def test_key_without_analytics_scope(
    client: httpx.Client, engine: Engine, tenant_and_token: tuple[TenantCtx, str]
) -> None:
    tenant, _ = tenant_and_token
    body = fail(client, 403, key(engine, tenant, "ingest:write"))
    assert "analytics:read" in body["detail"]
    fetch(client, key(engine, tenant, "admin"))  # admin implies analytics:read


@pytest.mark.parametrize(
    ("params", "path", "fragment"),
    [
        ({"from_": "2024-02-30"}, "from", "not a date"),
        ({"from_": "2024-2-1"}, "from", "not a date"),
        ({"to": "20240201"}, "to", "not a date"),
        ({"to": "2024-02-01T00:00:00"}, "to", "not a date"),
        ({"to": ""}, "to", "not a date"),
        ({"from_": "1969-12-31"}, "from", "between"),
        ({"to": "2200-01-01"}, "to", "between"),
        ({"from_": "2024-02-02", "to": "2024-02-01"}, "from", "after"),
        ({"currency": "EURO"}, "currency", "ISO 4217"),
        ({"currency": "ZZZ"}, "currency", "ISO 4217"),
        ({"currency": "€"}, "currency", "ISO 4217"),
        ({"limit": "0"}, "limit", "greater than or equal to 1"),
        ({"limit": "101"}, "limit", "less than or equal to 100"),
        ({"limit": "ten"}, "limit", "integer"),
        ({"page": "0"}, "page", "greater than or equal to 1"),
        ({"page": "-1"}, "page", "greater than or equal to 1"),
        ({"page": "1.5"}, "page", "integer"),
    ],
)
def test_invalid_query(
    client: httpx.Client,
    tenant_and_token: tuple[TenantCtx, str],
    params: dict[str, str],
    path: str,
    fragment: str,
) -> None:
    _, token = tenant_and_token
    body = fail(client, 400, token, **params)
    assert body["title"] == "Validation Failed"
    assert [v["propertyPath"] for v in body["violations"]] == [path]
    assert fragment in body["violations"][0]["title"]
    assert body["detail"].startswith(f"{path}: ")


def test_every_problem_at_once(
    client: httpx.Client, tenant_and_token: tuple[TenantCtx, str]
) -> None:
    _, token = tenant_and_token
    body = fail(client, 400, token, from_="nope", to="2024-13-01", currency="x")
    assert [v["propertyPath"] for v in body["violations"]] == ["from", "to", "currency"]


def test_unauthenticated_beats_invalid_query(client: httpx.Client) -> None:
    fail(client, 401, None, from_="nope")
    fail(client, 401, None, limit="0")
    fail(client, 401, "bk_nope.secret", page="x")


def test_unknown_path_and_method(
    client: httpx.Client, tenant_and_token: tuple[TenantCtx, str]
) -> None:
    _, token = tenant_and_token
    missing = client.get("/analytics/nope", headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["status"] == 404
    post = client.post(PATH, headers={"Authorization": f"Bearer {token}"})
    assert post.status_code == 405
    assert post.json() == {
        "type": "https://tools.ietf.org/html/rfc2616#section-10",
        "title": "An error occurred",
        "status": 405,
        "detail": "Method Not Allowed",
    }
