"""Partner credentials: issue (admin endpoint and service), storage, authentication, revocation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from billstats.auth import partner_credentials as pc
from billstats.auth import secrets as auth_secrets
from billstats.auth.secrets import verify_secret
from billstats.db import tables as t
from billstats.db.dialect import read_transaction, write_transaction
from billstats.errors import BillstatsError, NotFound
from tests.conftest import TenantCtx, make_tenant

PARTNER = {"name": "P", "slug": "p", "created_at": "2026-01-01T00:00:00Z"}
DASHBOARD = "/api/v1/partner/dashboard"


def _partner(http: httpx.Client, tenant: TenantCtx, partner_id: str = "p1") -> None:
    response = http.put(f"/v1/partners/{partner_id}", json=PARTNER, headers=tenant.headers)
    assert response.status_code == 201, response.text


def _stored(engine: Engine, auth_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        table = t.partner_credentials
        row = conn.execute(select(table).where(table.c.auth_id == auth_id)).mappings().one()
        return dict(row)


@pytest.fixture
def partner_tenant(engine: Engine, http: httpx.Client) -> TenantCtx:
    tenant = make_tenant(engine)
    _partner(http, tenant)
    return tenant


def test_issue_over_http(engine: Engine, http: httpx.Client, partner_tenant: TenantCtx) -> None:
    before = datetime.now(UTC)
    response = http.post("/v1/partners/p1/credentials", headers=partner_tenant.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"auth_id", "token", "tenant_id", "partner_id", "created_at", "revoked_at"}
    assert re.fullmatch(r"PA_[A-Z0-9]{8}", body["auth_id"])
    assert (body["tenant_id"], body["partner_id"], body["revoked_at"]) == (
        partner_tenant.id,
        "p1",
        None,
    )
    assert len(body["token"]) >= 40
    assert before <= datetime.fromisoformat(body["created_at"]) <= datetime.now(UTC)
    # only a hash of the token is stored
    row = _stored(engine, body["auth_id"])
    assert row["token_hash"].startswith("sha256$") and body["token"] not in row["token_hash"]
    assert verify_secret(body["token"], row["token_hash"])
    assert (row["tenant_id"], row["partner_id"]) == (partner_tenant.id, "p1")
    # and it works on the partner endpoints
    headers = {"X-Auth-ID": body["auth_id"], "X-Auth-Token": body["token"]}
    assert http.get(DASHBOARD, headers=headers).status_code == 200
    # every issue is a new pair
    again = http.post("/v1/partners/p1/credentials", headers=partner_tenant.headers).json()
    assert again["auth_id"] != body["auth_id"] and again["token"] != body["token"]


def test_list_and_revoke_over_http(http: httpx.Client, partner_tenant: TenantCtx) -> None:
    h = partner_tenant.headers
    first = http.post("/v1/partners/p1/credentials", headers=h).json()
    second = http.post("/v1/partners/p1/credentials", headers=h).json()
    listed = http.get("/v1/partners/p1/credentials", headers=h)
    assert listed.status_code == 200
    items = listed.json()["data"]
    assert {i["auth_id"] for i in items} == {first["auth_id"], second["auth_id"]}
    assert all("token" not in i and "token_hash" not in i for i in items)

    gone = http.delete(f"/v1/partners/p1/credentials/{first['auth_id']}", headers=h)
    assert gone.status_code == 200
    assert gone.json()["auth_id"] == first["auth_id"] and gone.json()["revoked"] is True
    items = {
        i["auth_id"]: i for i in http.get("/v1/partners/p1/credentials", headers=h).json()["data"]
    }
    assert items[first["auth_id"]]["revoked_at"] is not None
    assert items[second["auth_id"]]["revoked_at"] is None
    # revoking again, or under another partner, is a 404
    again = http.delete(f"/v1/partners/p1/credentials/{first['auth_id']}", headers=h)
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"
    _partner(http, partner_tenant, "p2")
    other = http.delete(f"/v1/partners/p2/credentials/{second['auth_id']}", headers=h)
    assert other.status_code == 404
    assert (
        http.get(
            DASHBOARD, headers={"X-Auth-ID": second["auth_id"], "X-Auth-Token": second["token"]}
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/partners/nope/credentials"),
        ("GET", "/v1/partners/nope/credentials"),
        ("POST", "/v1/partners/" + "x" * 129 + "/credentials"),
        ("POST", "/v1/partners/p1%00/credentials"),
        ("DELETE", "/v1/partners/p1/credentials/PA_AAAAAAAA"),
        ("DELETE", "/v1/partners/p1/credentials/PA_%00"),
        ("DELETE", "/v1/partners/p1%00/credentials/PA_AAAAAAAA"),
    ],
)
def test_unknown_partner_or_credential_is_404_in_the_native_format(
    http: httpx.Client, partner_tenant: TenantCtx, method: str, path: str
) -> None:
    response = http.request(method, path, headers=partner_tenant.headers)
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"
    assert set(response.json()) == {"error"}


def test_admin_scope_required(
    engine: Engine, http: httpx.Client, partner_tenant: TenantCtx
) -> None:
    from billstats.auth.service import create_key

    with write_transaction(engine) as conn:
        key = create_key(conn, partner_tenant.id, ["analytics:read", "ingest:write"])
    headers = {"Authorization": f"Bearer {key['token']}"}
    for method, path in [
        ("POST", "/v1/partners/p1/credentials"),
        ("GET", "/v1/partners/p1/credentials"),
        ("DELETE", "/v1/partners/p1/credentials/PA_AAAAAAAA"),
    ]:
        response = http.request(method, path, headers=headers)
        assert response.status_code == 403, (method, path, response.text)
        assert http.request(method, path).status_code == 401


def test_another_tenants_partner_is_unknown(
    engine: Engine, http: httpx.Client, partner_tenant: TenantCtx
) -> None:
    other = make_tenant(engine)
    response = http.post("/v1/partners/p1/credentials", headers=other.headers)
    assert response.status_code == 404


def test_auth_id_collisions_are_retried(engine: Engine, partner_tenant: TenantCtx) -> None:
    with write_transaction(engine) as conn:
        taken = pc.create_credentials(conn, partner_tenant.id, "p1")["auth_id"]
    ids: Iterator[str] = iter([taken, taken, "PA_FRESH001"])
    with write_transaction(engine) as conn:
        made = pc.create_credentials(conn, partner_tenant.id, "p1", make_auth_id=lambda: next(ids))
    assert made["auth_id"] == "PA_FRESH001"
    assert _stored(engine, taken)["tenant_id"] == partner_tenant.id  # untouched


def test_auth_id_exhaustion_is_an_error_not_a_500(
    engine: Engine, partner_tenant: TenantCtx
) -> None:
    with write_transaction(engine) as conn:
        taken = pc.create_credentials(conn, partner_tenant.id, "p1")["auth_id"]
    with pytest.raises(BillstatsError) as info, write_transaction(engine) as conn:
        pc.create_credentials(conn, partner_tenant.id, "p1", make_auth_id=lambda: taken)
    assert (info.value.status_code, info.value.code) == (503, "auth_id_exhausted")


def test_auth_ids_are_well_formed() -> None:
    ids = {pc.new_auth_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(pc.AUTH_ID_PATTERN.fullmatch(i) for i in ids)
    assert set("".join(i[3:] for i in ids)) == set(pc.AUTH_ID_ALPHABET)


def test_authenticate(engine: Engine, partner_tenant: TenantCtx) -> None:
    with write_transaction(engine) as conn:
        made = pc.create_credentials(conn, partner_tenant.id, "p1")
    with read_transaction(engine) as conn:
        principal = pc.authenticate(conn, made["auth_id"], made["token"])
        assert (principal.tenant_id, principal.partner_id) == (partner_tenant.id, "p1")
        assert (principal.credential, principal.credential_id) == ("partner", made["auth_id"])
        assert principal.scopes == frozenset() and not principal.allows("analytics:read")
        for auth_id, token in [
            (made["auth_id"], made["token"][:-1]),
            (made["auth_id"], ""),
            (made["auth_id"], None),
            (None, made["token"]),
            ("PA_NOSUCH00", made["token"]),
            ("pa_" + made["auth_id"][3:], made["token"]),
        ]:
            with pytest.raises(pc.InvalidCredentials):
                pc.authenticate(conn, auth_id, token)
    with write_transaction(engine) as conn:
        pc.revoke_credentials(conn, partner_tenant.id, made["auth_id"])
    with read_transaction(engine) as conn, pytest.raises(pc.InvalidCredentials):
        pc.authenticate(conn, made["auth_id"], made["token"])


def test_unknown_ids_are_compared_against_a_dummy_hash(
    engine: Engine, partner_tenant: TenantCtx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every failure costs one constant-time comparison, so timing does not reveal which
    auth ids exist (a malformed or unknown id is checked against a dummy hash)."""
    with write_transaction(engine) as conn:
        made = pc.create_credentials(conn, partner_tenant.id, "p1")
    seen: list[str] = []
    real = auth_secrets.verify_secret

    def spy(secret: str, stored: str) -> bool:
        seen.append(stored)
        return real(secret, stored)

    monkeypatch.setattr(pc, "verify_secret", spy)
    stored = _stored(engine, made["auth_id"])["token_hash"]
    with read_transaction(engine) as conn:
        for auth_id in ("PA_NOSUCH00", "garbage", "", made["auth_id"]):
            with pytest.raises(pc.InvalidCredentials):
                pc.authenticate(conn, auth_id, "wrong-token")
    assert seen == [pc._DUMMY_HASH, pc._DUMMY_HASH, pc._DUMMY_HASH, stored]


def test_service_errors(engine: Engine, partner_tenant: TenantCtx) -> None:
    with write_transaction(engine) as conn:
        with pytest.raises(NotFound):
            pc.create_credentials(conn, partner_tenant.id, "nope")
        with pytest.raises(NotFound):
            pc.list_credentials(conn, partner_tenant.id, "nope")
        with pytest.raises(NotFound):
            pc.revoke_credentials(conn, partner_tenant.id, "PA_AAAAAAAA")
        assert pc.list_credentials(conn, partner_tenant.id) == []
