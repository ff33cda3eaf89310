"""API keys over HTTP: 401s, scopes, revocation, expiry, and how secrets are stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine, select

from billstats.auth import service as auth_service
from billstats.auth.secrets import hash_secret, verify_secret
from billstats.db import tables as t
from billstats.db.dialect import read_transaction, write_transaction
from billstats.errors import NotFound, ValidationFailed
from tests.conftest import LiveServer, TenantCtx, make_tenant

ENDPOINTS = [
    ("GET", "/v1/customers"),
    ("GET", "/v1/customers/c1"),
    ("PUT", "/v1/customers/c1"),
    ("GET", "/v1/fx_rates/EUR/2025-01-01"),
    ("PUT", "/v1/fx_rates/EUR/2025-01-01"),
    ("GET", "/v1/subscriptions/s1/history"),
    ("POST", "/v1/import"),
    ("GET", "/v1/tenant"),
]
BODY = b'{"name": "C", "created_at": "2025-01-01T00:00:00Z"}'
MISSING = "missing Authorization header (Bearer <key_id>.<secret>)"
MALFORMED = "expected Authorization: Bearer <key_id>.<secret>"


@pytest.fixture
def anon(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        yield client


def _call(
    client: httpx.Client, method: str, path: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    content = BODY if method in ("PUT", "POST") else None
    return client.request(method, path, content=content, headers=headers)


def _assert_401(response: httpx.Response, message: str) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"error": {"code": "unauthorized", "message": message}}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_missing_authorization_is_401_everywhere(
    anon: httpx.Client, method: str, path: str
) -> None:
    _assert_401(_call(anon, method, path), MISSING)


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer no-dot-here",
        "Token a.b",
        "bk_x.y",
        "Bearer\t.",
    ],
)
def test_garbled_authorization_is_401(anon: httpx.Client, header: str) -> None:
    _assert_401(anon.get("/v1/customers", headers={"Authorization": header}), MALFORMED)


def test_wrong_secret_or_unknown_key_is_401(anon: httpx.Client, tenant: TenantCtx) -> None:
    for token in (
        f"{tenant.key_id}.{tenant.secret}x",
        f"{tenant.key_id}.",
        f"{tenant.key_id}.{tenant.secret[:-1]}",
        f"bk_doesnotexist0000.{tenant.secret}",
        f"{'k' * 65}.{tenant.secret}",
        f".{tenant.secret}",
    ):
        _assert_401(anon.get("/v1/customers", headers=_bearer(token)), "invalid API key")
    ok = anon.get("/v1/customers", headers=_bearer(tenant.token))
    assert ok.status_code == 200


def test_scheme_is_case_insensitive(anon: httpx.Client, tenant: TenantCtx) -> None:
    response = anon.get("/v1/customers", headers={"Authorization": f"bearer {tenant.token}"})
    assert response.status_code == 200


def test_revoked_key_is_refused_at_once(
    anon: httpx.Client, engine: Engine, tenant: TenantCtx
) -> None:
    assert anon.get("/v1/customers", headers=tenant.headers).status_code == 200
    with write_transaction(engine) as conn:
        auth_service.revoke_key(conn, tenant.id, tenant.key_id)
    for method, path in ENDPOINTS:
        _assert_401(_call(anon, method, path, tenant.headers), "API key revoked")
    with pytest.raises(NotFound), write_transaction(engine) as conn:
        auth_service.revoke_key(conn, tenant.id, tenant.key_id)  # already revoked


def test_revoking_one_key_leaves_the_others(
    anon: httpx.Client, engine: Engine, tenant: TenantCtx
) -> None:
    with write_transaction(engine) as conn:
        second = auth_service.create_key(conn, tenant.id, ["admin"])
        auth_service.revoke_key(conn, tenant.id, tenant.key_id)
    assert anon.get("/v1/customers", headers=_bearer(second["token"])).status_code == 200


def test_key_of_another_tenant_cannot_be_revoked_through_mine(
    engine: Engine, anon: httpx.Client, tenant: TenantCtx
) -> None:
    other = make_tenant(engine)
    with pytest.raises(NotFound), write_transaction(engine) as conn:
        auth_service.revoke_key(conn, tenant.id, other.key_id)
    assert anon.get("/v1/customers", headers=other.headers).status_code == 200


def test_expired_key_is_401(anon: httpx.Client, engine: Engine, tenant: TenantCtx) -> None:
    now = datetime.now(UTC)
    with write_transaction(engine) as conn:
        expired = auth_service.create_key(
            conn, tenant.id, ["admin"], expires_at=now - timedelta(seconds=1)
        )
        valid = auth_service.create_key(
            conn, tenant.id, ["admin"], expires_at=now + timedelta(hours=1)
        )
    _assert_401(anon.get("/v1/customers", headers=_bearer(expired["token"])), "API key expired")
    assert anon.get("/v1/customers", headers=_bearer(valid["token"])).status_code == 200


def test_expiry_is_compared_as_an_instant(engine: Engine, tenant: TenantCtx) -> None:
    """An expiry given with an offset is stored as the same instant."""
    from datetime import timezone

    at = datetime(2030, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    with write_transaction(engine) as conn:
        key = auth_service.create_key(conn, tenant.id, ["admin"], expires_at=at)
    with read_transaction(engine) as conn:
        before = datetime(2029, 12, 31, 23, 59, 59, tzinfo=UTC)
        principal = auth_service.authenticate_key(conn, key["key_id"], key["secret"], now=before)
        assert principal.tenant_id == tenant.id
        with pytest.raises(Exception, match="API key expired"):
            auth_service.authenticate_key(
                conn, key["key_id"], key["secret"], now=datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
            )


WRITES = [
    ("PUT", "/v1/customers/c1"),
    ("PUT", "/v1/fx_rates/EUR/2025-01-01"),
    ("POST", "/v1/import"),
]
READS = [
    ("GET", "/v1/customers"),
    ("GET", "/v1/customers/c1"),
    ("GET", "/v1/subscriptions/s1/history"),
    ("GET", "/v1/tenant"),
]


@pytest.mark.parametrize("method, path", WRITES)
def test_read_only_key_cannot_write(
    anon: httpx.Client, engine: Engine, method: str, path: str
) -> None:
    reader = make_tenant(engine, scopes=("analytics:read",))
    response = _call(anon, method, path, reader.headers)
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": "this key lacks the 'ingest:write' scope"}
    }


@pytest.mark.parametrize("method, path", READS)
def test_write_only_key_cannot_read(
    anon: httpx.Client, engine: Engine, method: str, path: str
) -> None:
    writer = make_tenant(engine, scopes=("ingest:write",))
    response = _call(anon, method, path, writer.headers)
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": "this key lacks the 'analytics:read' scope"}
    }


def test_scopes_allow_what_they_name(anon: httpx.Client, engine: Engine) -> None:
    writer = make_tenant(engine, scopes=("ingest:write",))
    put = anon.put("/v1/affiliates/a1", json={"name": "A"}, headers=writer.headers)
    assert (put.status_code, put.json()["result"]) == (201, "created")
    # A read-only key of the same tenant sees it.
    with write_transaction(engine) as conn:
        reader = auth_service.create_key(conn, writer.id, ["analytics:read"])
    got = anon.get("/v1/affiliates/a1", headers=_bearer(reader["token"]))
    assert got.json() == {"id": "a1", "name": "A"}
    both = make_tenant(engine, scopes=("analytics:read", "ingest:write"))
    assert (
        anon.put("/v1/affiliates/a1", json={"name": "A"}, headers=both.headers).status_code == 201
    )
    assert anon.get("/v1/affiliates", headers=both.headers).status_code == 200


def test_forbidden_write_writes_nothing(anon: httpx.Client, engine: Engine) -> None:
    reader = make_tenant(engine, scopes=("analytics:read",))
    anon.put("/v1/affiliates/a1", json={"name": "A"}, headers=reader.headers)
    assert anon.get("/v1/affiliates/a1", headers=reader.headers).status_code == 404


def test_secret_is_stored_only_as_a_hash(engine: Engine, tenant: TenantCtx) -> None:
    with read_transaction(engine) as conn:
        row = (
            conn.execute(select(t.api_keys).where(t.api_keys.c.key_id == tenant.key_id))
            .mappings()
            .one()
        )
    assert row["tenant_id"] == tenant.id
    assert row["secret_hash"] != tenant.secret
    assert row["secret_hash"].startswith("sha256$")
    assert row["secret_hash"] == hash_secret(tenant.secret)
    assert len(row["secret_hash"]) == len("sha256$") + 64
    assert all(tenant.secret not in str(value) for value in row.values())
    assert tenant.token == f"{tenant.key_id}.{tenant.secret}"


def test_key_shape(engine: Engine, tenant: TenantCtx) -> None:
    with write_transaction(engine) as conn:
        key = auth_service.create_key(
            conn, tenant.id, ["ingest:write", "analytics:read", "ingest:write"], name="ci"
        )
    assert set(key) == {"tenant_id", "key_id", "secret", "token", "scopes", "expires_at"}
    assert key["key_id"].startswith("bk_") and len(key["key_id"]) == 19
    assert len(key["secret"]) >= 43  # 256 random bits, url-safe base64
    assert key["scopes"] == ["analytics:read", "ingest:write"]
    assert key["expires_at"] is None
    with read_transaction(engine) as conn:
        listed = auth_service.list_keys(conn, tenant.id)
    assert [k["key_id"] for k in listed] == [tenant.key_id, key["key_id"]]
    described = listed[1]
    assert set(described) == {
        "key_id",
        "tenant_id",
        "name",
        "scopes",
        "created_at",
        "expires_at",
        "revoked_at",
    }
    assert (described["name"], described["scopes"], described["revoked_at"]) == (
        "ci",
        ["analytics:read", "ingest:write"],
        None,
    )
    assert datetime.fromisoformat(described["created_at"]).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "scopes, kwargs, path, code",
    [
        ([], {}, "scopes", "invalid_scope"),
        (["root"], {}, "scopes", "invalid_scope"),
        (["admin", "write"], {}, "scopes", "invalid_scope"),
        (["admin"], {"expires_at": datetime(2030, 1, 1)}, "expires_at", "naive"),
        (["admin"], {"name": "n" * 201}, "name", "invalid"),
        (["admin"], {"name": "a\x00b"}, "name", "invalid"),
    ],
)
def test_create_key_validation(
    engine: Engine,
    tenant: TenantCtx,
    scopes: list[str],
    kwargs: dict[str, object],
    path: str,
    code: str,
) -> None:
    with pytest.raises(ValidationFailed) as caught, write_transaction(engine) as conn:
        auth_service.create_key(conn, tenant.id, scopes, **kwargs)  # type: ignore[arg-type]
    assert [(p.path, p.code) for p in caught.value.problems] == [(path, code)]
    with read_transaction(engine) as conn:
        assert len(auth_service.list_keys(conn, tenant.id)) == 1


def test_verify_secret() -> None:
    stored = hash_secret("s3cret")
    assert verify_secret("s3cret", stored)
    assert not verify_secret("s3cret ", stored)
    assert not verify_secret("s3cret", stored.replace("sha256$", "md5$"))
    assert not verify_secret("s3cret", "plain-text")


def test_parse_bearer() -> None:
    assert auth_service.parse_bearer("Bearer bk_abc.def.ghi") == ("bk_abc", "def.ghi")
    assert auth_service.parse_bearer("bearer   bk_abc.def") == ("bk_abc", "def")
