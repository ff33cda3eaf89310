"""``billstats tenant create`` / ``key create|list|revoke`` against the test database."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from billstats.cli.main import app
from billstats.config import Settings
from billstats.db import tables as t
from billstats.db.dialect import read_transaction


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> CliRunner:
    monkeypatch.setenv("BILLSTATS_DATABASE_URL", settings.database_url)
    return CliRunner()


def run(cli: CliRunner, *args: str, exit_code: int = 0) -> Any:
    result = cli.invoke(app, list(args))
    assert result.exit_code == exit_code, (result.output, result.exception)
    if exit_code == 0:
        return json.loads(result.stdout)
    return json.loads(result.stderr) if result.stderr.startswith("{") else result.output


def _name() -> str:
    return f"cli-{uuid.uuid4().hex[:10]}"


def test_tenant_key_lifecycle_end_to_end(
    cli: CliRunner, http: httpx.Client, engine: Engine
) -> None:
    name = _name()
    tenant = run(cli, "tenant", "create", name, "--timezone", "Europe/Berlin", "--currency", "eur")
    assert set(tenant) == {"tenant_id", "name", "timezone", "currency"}
    assert (tenant["name"], tenant["timezone"], tenant["currency"]) == (
        name,
        "Europe/Berlin",
        "EUR",
    )

    key = run(
        cli,
        "key",
        "create",
        "--tenant",
        name,
        "--scopes",
        "ingest:write,analytics:read",
        "--name",
        "ci",
    )
    assert set(key) >= {"tenant_id", "key_id", "secret", "token"}
    assert key["tenant_id"] == tenant["tenant_id"]
    assert key["token"] == f"{key['key_id']}.{key['secret']}"
    assert key["scopes"] == ["analytics:read", "ingest:write"]

    # The printed token works over HTTP, for this tenant.
    headers = {"Authorization": f"Bearer {key['token']}"}
    assert http.get("/v1/tenant", headers=headers).json() == tenant
    put = http.put("/v1/affiliates/a1", json={"name": "A"}, headers=headers)
    assert (put.status_code, put.json()["result"]) == (201, "created")

    # The secret is never stored or listed.
    with read_transaction(engine) as conn:
        stored = conn.execute(
            select(t.api_keys.c.secret_hash).where(t.api_keys.c.key_id == key["key_id"])
        ).scalar_one()
    assert stored.startswith("sha256$") and key["secret"] not in stored

    listed = run(cli, "key", "list", "--tenant", str(tenant["tenant_id"]))
    assert [k["key_id"] for k in listed] == [key["key_id"]]
    assert listed[0]["name"] == "ci"
    assert listed[0]["revoked_at"] is None
    assert key["secret"] not in json.dumps(listed)
    assert all("secret" not in field for field in listed[0])

    assert run(cli, "key", "revoke", key["key_id"], "--tenant", name) == {
        "key_id": key["key_id"],
        "revoked": True,
    }
    refused = http.get("/v1/tenant", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "API key revoked"
    assert run(cli, "key", "list", "--tenant", name)[0]["revoked_at"] is not None

    again = run(cli, "key", "revoke", key["key_id"], "--tenant", name, exit_code=1)
    assert again["error"]["code"] == "not_found"


def test_key_create_defaults_to_admin(cli: CliRunner, http: httpx.Client) -> None:
    name = _name()
    run(cli, "tenant", "create", name)
    key = run(cli, "key", "create", "--tenant", name)
    assert key["scopes"] == ["admin"]
    assert key["expires_at"] is None
    response = http.get("/v1/customers", headers={"Authorization": f"Bearer {key['token']}"})
    assert response.status_code == 200


def test_key_create_with_repeated_scope_options(cli: CliRunner, http: httpx.Client) -> None:
    name = _name()
    run(cli, "tenant", "create", name)
    key = run(cli, "key", "create", "--tenant", name, "--scope", "analytics:read")
    assert key["scopes"] == ["analytics:read"]
    headers = {"Authorization": f"Bearer {key['token']}"}
    assert http.get("/v1/customers", headers=headers).status_code == 200
    assert http.put("/v1/affiliates/a", json={"name": "A"}, headers=headers).status_code == 403


def test_expired_key_from_the_cli(cli: CliRunner, http: httpx.Client) -> None:
    name = _name()
    run(cli, "tenant", "create", name)
    key = run(cli, "key", "create", "--tenant", name, "--expires-at", "2020-01-01T00:00:00Z")
    assert key["expires_at"] == "2020-01-01T00:00:00+00:00"
    response = http.get("/v1/customers", headers={"Authorization": f"Bearer {key['token']}"})
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "API key expired"


@pytest.mark.parametrize(
    "args, code",
    [
        (["--scopes", "root"], "validation_error"),
        (["--expires-at", "2030-01-01T00:00:00"], "validation_error"),
    ],
)
def test_key_create_refuses_bad_input(cli: CliRunner, args: list[str], code: str) -> None:
    name = _name()
    run(cli, "tenant", "create", name)
    error = run(cli, "key", "create", "--tenant", name, *args, exit_code=2)
    assert error["error"]["code"] == code
    assert run(cli, "key", "list", "--tenant", name) == []


def test_key_create_refuses_unparseable_expiry(cli: CliRunner) -> None:
    name = _name()
    run(cli, "tenant", "create", name)
    result = cli.invoke(app, ["key", "create", "--tenant", name, "--expires-at", "soon"])
    assert result.exit_code == 2
    assert "--expires-at" in result.output
    assert run(cli, "key", "list", "--tenant", name) == []


def test_unknown_tenant(cli: CliRunner) -> None:
    error = run(cli, "key", "create", "--tenant", "no-such-tenant", exit_code=1)
    assert error == {"error": {"code": "not_found", "message": "no tenant 'no-such-tenant'"}}


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "America", "utc", "", "Europe/Berlin "])
def test_tenant_create_rejects_an_invalid_zone(cli: CliRunner, zone: str) -> None:
    name = _name()
    error = run(cli, "tenant", "create", name, "--timezone", zone, exit_code=2)
    assert error["error"]["code"] == "validation_error"
    assert [(p["path"], p["code"]) for p in error["error"]["problems"]] == [
        ("timezone", "invalid_timezone")
    ]
    assert run(cli, "key", "list", "--tenant", name, exit_code=1)["error"]["code"] == "not_found"


def test_tenant_create_twice_is_a_conflict(cli: CliRunner) -> None:
    name = _name()
    run(cli, "tenant", "create", name)
    error = run(cli, "tenant", "create", name, exit_code=2)
    assert error == {"error": {"code": "conflict", "message": f"a tenant named {name!r} exists"}}


def test_tenant_list_includes_created_tenants(cli: CliRunner) -> None:
    name = _name()
    created = run(cli, "tenant", "create", name, "--timezone", "Asia/Kolkata")
    listed = run(cli, "tenant", "list")
    assert created in listed
