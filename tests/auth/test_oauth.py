"""OAuth2 access tokens (billstats.auth.oauth) with an injected clock, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import Engine, update

from billstats.auth import oauth
from billstats.auth.oauth import OAuthError, TokenRequest
from billstats.auth.principal import Principal
from billstats.auth.service import create_key, revoke_key
from billstats.auth.signing import derive_key, signing_key
from billstats.config import Settings
from billstats.db import tables as t
from billstats.db.dialect import read_transaction, write_transaction
from billstats.errors import Unauthorized
from tests.conftest import TenantCtx

T0 = datetime(2031, 5, 6, 7, 8, 9, 500_000, tzinfo=UTC)  # a fraction of a second on purpose
SECOND = timedelta(seconds=1)


def _key(engine: Engine, tenant: TenantCtx, *scopes: str, **kwargs: object) -> TokenRequest:
    with write_transaction(engine) as conn:
        key = create_key(conn, tenant.id, list(scopes), **kwargs)  # type: ignore[arg-type]
    return TokenRequest("client_credentials", key["key_id"], key["secret"])


def _issue(
    engine: Engine, key: bytes, request: TokenRequest, now: datetime = T0
) -> oauth.AccessToken:
    with read_transaction(engine) as conn:
        return oauth.issue_token(conn, key, request, now)


def _check(engine: Engine, key: bytes, token: str, now: datetime) -> Principal:
    with read_transaction(engine) as conn:
        return oauth.authenticate_token(conn, key, token, now)


def _refused(engine: Engine, key: bytes, token: str | None, now: datetime, message: str) -> None:
    with read_transaction(engine) as conn, pytest.raises(Unauthorized) as caught:
        oauth.authenticate_token(conn, key, token, now)
    assert caught.value.message == message
    assert (caught.value.status_code, caught.value.headers) == (401, {"WWW-Authenticate": "Bearer"})


@pytest.fixture
def key(engine: Engine, settings: Settings) -> bytes:
    return oauth.access_token_key(engine, settings)


def test_key_is_derived_for_this_purpose_only(engine: Engine, settings: Settings) -> None:
    master = signing_key(engine, settings)
    key = oauth.access_token_key(engine, settings)
    assert key == derive_key(master, "oauth-access-token")
    assert key not in (master, derive_key(master, "portal-token"))


def test_token_is_valid_for_exactly_30_minutes(
    engine: Engine, tenant: TenantCtx, key: bytes
) -> None:
    request = _key(engine, tenant, "analytics:read")
    grant = _issue(engine, key, request)
    assert (grant.token_type, grant.expires_in) == ("bearer", 1800)
    claims = jwt.decode(grant.access_token, options={"verify_signature": False})
    # iat is T0 truncated to the second; exp 1800 s later.
    assert claims["iat"] == int(T0.timestamp()) and claims["exp"] == claims["iat"] + 1800
    issued = datetime.fromtimestamp(claims["iat"], UTC)
    principal = _check(engine, key, grant.access_token, T0)
    assert principal == Principal(
        tenant_id=tenant.id,
        scopes=frozenset({"analytics:read"}),
        credential="oauth",
        credential_id=request.client_id or "",
    )
    last_valid = issued + timedelta(minutes=30) - timedelta(microseconds=1)
    assert _check(engine, key, grant.access_token, last_valid).tenant_id == tenant.id
    _refused(engine, key, grant.access_token, issued + timedelta(minutes=30), "Token has expired")
    _refused(engine, key, grant.access_token, T0 + timedelta(days=400), "Token has expired")


def test_token_lifetime_is_capped_by_the_key(engine: Engine, tenant: TenantCtx, key: bytes) -> None:
    request = _key(engine, tenant, "analytics:read", expires_at=T0 + timedelta(minutes=10))
    grant = _issue(engine, key, request)
    # exp = the key's expiry (T0 + 600 s, truncated); iat = T0 truncated: 600 s.
    assert grant.expires_in == 600
    _check(engine, key, grant.access_token, T0 + timedelta(minutes=10) - SECOND)
    _refused(engine, key, grant.access_token, T0 + timedelta(minutes=10), "Token has expired")


def test_revocation_applies_to_issued_tokens_at_once(
    engine: Engine, tenant: TenantCtx, key: bytes
) -> None:
    request = _key(engine, tenant, "analytics:read")
    token = _issue(engine, key, request).access_token
    _check(engine, key, token, T0)
    with write_transaction(engine) as conn:
        revoke_key(conn, tenant.id, request.client_id or "")
    message = "Could not validate credentials: the API key was revoked"
    _refused(engine, key, token, T0 + SECOND, message)


def test_key_expiry_moved_earlier_applies_to_issued_tokens(
    engine: Engine, tenant: TenantCtx, key: bytes
) -> None:
    request = _key(engine, tenant, "analytics:read")
    token = _issue(engine, key, request).access_token
    keys = t.api_keys
    with write_transaction(engine) as conn:
        conn.execute(
            update(keys)
            .where(keys.c.key_id == request.client_id)
            .values(expires_at=T0 + timedelta(minutes=5))
        )
    _check(engine, key, token, T0 + timedelta(minutes=5) - SECOND)
    message = "Could not validate credentials: the API key has expired"
    _refused(engine, key, token, T0 + timedelta(minutes=5), message)


def test_token_signed_with_configured_secret_is_not_valid_under_stored_one(
    engine: Engine, settings: Settings, tenant: TenantCtx, key: bytes
) -> None:
    configured = Settings(database_url=settings.database_url, secret_key="c" * 40)
    other_key = oauth.access_token_key(engine, configured)
    assert other_key == derive_key(b"c" * 40, "oauth-access-token") != key
    request = _key(engine, tenant, "analytics:read")
    token = _issue(engine, other_key, request).access_token
    _check(engine, other_key, token, T0)
    _refused(engine, key, token, T0, "Could not validate credentials")


@pytest.mark.parametrize(
    ("key_scopes", "requested", "granted"),
    [
        (("analytics:read",), None, {"analytics:read"}),
        (("analytics:read", "ingest:write"), "analytics:read", {"analytics:read"}),
        (("analytics:read", "ingest:write"), "  ", {"analytics:read", "ingest:write"}),
        (("admin",), None, {"admin"}),
        (("admin",), "analytics:read", {"analytics:read"}),
        (("admin",), "ingest:write analytics:read", {"analytics:read", "ingest:write"}),
    ],
)
def test_scopes(
    engine: Engine,
    tenant: TenantCtx,
    key: bytes,
    key_scopes: tuple[str, ...],
    requested: str | None,
    granted: set[str],
) -> None:
    base = _key(engine, tenant, *key_scopes)
    request = TokenRequest(base.grant_type, base.client_id, base.client_secret, requested)
    token = _issue(engine, key, request).access_token
    assert _check(engine, key, token, T0).scopes == granted


@pytest.mark.parametrize(
    ("grant", "client_id", "secret", "scope", "status", "code", "message"),
    [
        (None, "x", "y", None, 400, "invalid_request", "grant_type is required"),
        ("refresh_token", "x", "y", None, 400, "unsupported_grant_type", None),
        ("client_credentials", None, "y", None, 401, "invalid_client", None),
        ("client_credentials", "KEY", None, None, 401, "invalid_client", None),
        ("client_credentials", "KEY", "wrong", None, 401, "invalid_client", None),
        ("client_credentials", "x" * 100, "y", None, 401, "invalid_client", None),
        ("client_credentials", "KEY", "SECRET", "admin", 400, "invalid_scope", None),
    ],
    ids=["no-grant", "refresh", "no-id", "no-secret", "bad-secret", "long-id", "scope"],
)
def test_grant_errors(
    engine: Engine,
    tenant: TenantCtx,
    key: bytes,
    grant: str | None,
    client_id: str | None,
    secret: str | None,
    scope: str | None,
    status: int,
    code: str,
    message: str | None,
) -> None:
    real = _key(engine, tenant, "analytics:read")
    client_id = real.client_id if client_id == "KEY" else client_id
    secret = real.client_secret if secret == "SECRET" else secret
    with read_transaction(engine) as conn, pytest.raises(OAuthError) as caught:
        oauth.issue_token(conn, key, TokenRequest(grant, client_id, secret, scope), T0)
    assert (caught.value.status_code, caught.value.code) == (status, code)
    if message:
        assert caught.value.message == message


def test_missing_or_foreign_tokens(engine: Engine, tenant: TenantCtx, key: bytes) -> None:
    _refused(engine, key, None, T0, "Not authenticated")
    _refused(engine, key, "", T0, "Not authenticated")
    _refused(engine, key, tenant.token, T0, "Could not validate credentials")
    other_kind = jwt.encode({"sub": tenant.key_id, "tenant": tenant.id}, key, algorithm="HS256")
    _refused(engine, key, other_kind, T0, "Could not validate credentials")
