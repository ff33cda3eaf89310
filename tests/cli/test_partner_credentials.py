"""``billstats partner credentials create|list|revoke`` against the test database."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from sqlalchemy import Engine, select

from billstats.auth.secrets import verify_secret
from billstats.db import tables as t
from tests.cli.conftest import Run
from tests.conftest import make_tenant

DASHBOARD = "/api/v1/partner/dashboard"
PARTNER = {"name": "P", "slug": "p", "created_at": "2026-01-01T00:00:00Z"}


def test_create_list_revoke(
    billstats: Callable[..., Run], engine: Engine, http: httpx.Client
) -> None:
    tenant = make_tenant(engine)
    assert http.put("/v1/partners/p1", json=PARTNER, headers=tenant.headers).status_code == 201

    made = billstats("partner", "credentials", "create", "--tenant", tenant.name, "p1")
    assert made.exit_code == 0, made.stderr
    cred = made.json()
    assert re.fullmatch(r"PA_[A-Z0-9]{8}", cred["auth_id"])
    assert (cred["tenant_id"], cred["partner_id"]) == (tenant.id, "p1")
    with engine.connect() as conn:
        table = t.partner_credentials
        stored = conn.execute(
            select(table.c.token_hash).where(table.c.auth_id == cred["auth_id"])
        ).scalar_one()
    assert cred["token"] not in stored and verify_secret(cred["token"], stored)
    headers = {"X-Auth-ID": cred["auth_id"], "X-Auth-Token": cred["token"]}
    assert http.get(DASHBOARD, headers=headers).status_code == 200

    # by tenant id as well as by name; with and without the partner filter
    for args in (("--tenant", str(tenant.id)), ("--tenant", tenant.name, "p1")):
        listed = billstats("partner", "credentials", "list", *args)
        assert listed.exit_code == 0, listed.stderr
        assert [c["auth_id"] for c in listed.json()] == [cred["auth_id"]]
        assert "token" not in listed.json()[0]

    revoked = billstats(
        "partner", "credentials", "revoke", "--tenant", tenant.name, cred["auth_id"]
    )
    assert revoked.exit_code == 0, revoked.stderr
    assert revoked.json()["revoked"] is True
    assert http.get(DASHBOARD, headers=headers).status_code == 401
    listed = billstats("partner", "credentials", "list", "--tenant", tenant.name)
    assert listed.json()[0]["revoked_at"] is not None


def test_errors(billstats: Callable[..., Run], engine: Engine) -> None:
    tenant = make_tenant(engine)
    unknown = billstats("partner", "credentials", "create", "--tenant", tenant.name, "nope")
    assert unknown.exit_code == 1
    assert unknown.error() == {
        "code": "not_found",
        "message": f"no partner 'nope' in tenant {tenant.id}",
    }
    again = billstats("partner", "credentials", "revoke", "--tenant", tenant.name, "PA_AAAAAAAA")
    assert again.exit_code == 1 and again.error()["code"] == "not_found"
    no_tenant = billstats("partner", "credentials", "list", "--tenant", "no-such-tenant")
    assert no_tenant.exit_code == 1 and no_tenant.error()["code"] == "not_found"
    missing = billstats("partner", "credentials", "create", "p1")
    assert missing.exit_code == 2  # --tenant is required
