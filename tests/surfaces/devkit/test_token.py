"""POST /api/v1/auth/token: the OAuth2 client credentials grant (RFC 6749 section 4.4)."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

import httpx
import jwt
import pytest
from sqlalchemy import Engine

from billstats.auth import oauth
from billstats.auth.service import revoke_key
from billstats.config import Settings
from billstats.db.dialect import write_transaction
from tests.conftest import TenantCtx
from tests.surfaces.devkit.conftest import STATS_URL, TOKEN_URL, bearer, new_key
from tests.surfaces.devkit.schemas import ACCESS_TOKEN, OAUTH_ERROR, validate

GRANT = "client_credentials"


def _form(key_id: str, secret: str, **extra: str) -> dict[str, str]:
    return {"grant_type": GRANT, "client_id": key_id, "client_secret": secret, **extra}


def _basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def _claims(engine: Engine, settings: Settings, token: str) -> dict[str, Any]:
    key = oauth.access_token_key(engine, settings)
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=["HS256"], audience=oauth.AUDIENCE, issuer=oauth.ISSUER
    )
    return claims


def _granted(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body: dict[str, Any] = response.json()
    validate(body, ACCESS_TOKEN)
    return body


def _oauth_error(response: httpx.Response, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    validate(body, OAUTH_ERROR)
    assert body["error"] == error
    assert response.headers["cache-control"] == "no-store"
    if status == 401:
        assert response.headers["www-authenticate"] == 'Basic realm="billstats"'
    description: str = body["error_description"]
    return description


def test_grant_in_form_body(
    engine: Engine, settings: Settings, http: httpx.Client, tenant: TenantCtx
) -> None:
    before = int(time.time())
    body = _granted(http.post(TOKEN_URL, data=_form(tenant.key_id, tenant.secret)))
    after = int(time.time())
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 1800
    header = jwt.get_unverified_header(body["access_token"])
    assert header == {"alg": "HS256", "typ": "at+jwt"}
    claims = _claims(engine, settings, body["access_token"])
    assert before <= claims["iat"] <= after
    assert claims["exp"] - claims["iat"] == 1800
    assert claims["sub"] == claims["client_id"] == tenant.key_id
    assert claims["tenant"] == tenant.id
    assert claims["scope"] == "admin"
    assert set(claims) == {"iss", "aud", "sub", "client_id", "tenant", "scope", "iat", "exp", "jti"}
    # The secret is nowhere in the token.
    assert tenant.secret not in jwt.decode(
        body["access_token"], options={"verify_signature": False}
    )


def test_grant_with_http_basic(http: httpx.Client, tenant: TenantCtx) -> None:
    headers = _basic(tenant.key_id, tenant.secret)
    body = _granted(http.post(TOKEN_URL, data={"grant_type": GRANT}, headers=headers))
    assert http.get(STATS_URL, headers=bearer(body["access_token"])).status_code == 200
    # client_id may repeat the Basic user name.
    again = {"grant_type": GRANT, "client_id": tenant.key_id}
    _granted(http.post(TOKEN_URL, data=again, headers=headers))


def test_each_grant_is_a_new_token(http: httpx.Client, tenant: TenantCtx) -> None:
    form = _form(tenant.key_id, tenant.secret)
    first = _granted(http.post(TOKEN_URL, data=form))["access_token"]
    second = _granted(http.post(TOKEN_URL, data=form))["access_token"]
    assert first != second  # distinct jti
    for token in (first, second):
        assert http.get(STATS_URL, headers=bearer(token)).status_code == 200


def test_requested_scope_narrows_the_token(
    engine: Engine, settings: Settings, http: httpx.Client, tenant: TenantCtx
) -> None:
    form = _form(tenant.key_id, tenant.secret, scope="ingest:write")
    token = _granted(http.post(TOKEN_URL, data=form))["access_token"]
    assert _claims(engine, settings, token)["scope"] == "ingest:write"
    denied = http.get(STATS_URL, headers=bearer(token))
    assert denied.status_code == 403
    assert denied.json() == {"detail": "this token lacks the 'analytics:read' scope"}
    form = _form(tenant.key_id, tenant.secret, scope="analytics:read")
    token = _granted(http.post(TOKEN_URL, data=form))["access_token"]
    assert http.get(STATS_URL, headers=bearer(token)).status_code == 200


def test_scope_beyond_the_key_is_refused(
    engine: Engine, http: httpx.Client, tenant: TenantCtx
) -> None:
    key_id, secret = new_key(engine, tenant.id, "analytics:read")
    form = _form(key_id, secret, scope="analytics:read admin")
    message = _oauth_error(http.post(TOKEN_URL, data=form), 400, "invalid_scope")
    assert message == "scope not granted to this client: admin"
    form = _form(key_id, secret, scope="billing:everything")
    _oauth_error(http.post(TOKEN_URL, data=form), 400, "invalid_scope")


def test_token_never_outlives_its_key(
    engine: Engine, settings: Settings, http: httpx.Client, tenant: TenantCtx
) -> None:
    expires = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    key_id, secret = new_key(engine, tenant.id, "analytics:read", expires_at=expires)
    body = _granted(http.post(TOKEN_URL, data=_form(key_id, secret)))
    assert 590 <= body["expires_in"] <= 600
    assert _claims(engine, settings, body["access_token"])["exp"] == int(expires.timestamp())


@pytest.mark.parametrize(
    ("form", "status", "error", "message"),
    [
        ({}, 400, "invalid_request", "grant_type is required"),
        ({"grant_type": ""}, 400, "invalid_request", "grant_type is required"),
        (
            {"grant_type": "password", "username": "u", "password": "p"},
            400,
            "unsupported_grant_type",
            "only grant_type=client_credentials is supported",
        ),
        (
            {"grant_type": "authorization_code", "code": "x"},
            400,
            "unsupported_grant_type",
            "only grant_type=client_credentials is supported",
        ),
        ({"grant_type": GRANT}, 401, "invalid_client", "client_id and client_secret are required"),
        (
            {"grant_type": GRANT, "client_id": "bk_nosuchkey0000000"},
            401,
            "invalid_client",
            "client_id and client_secret are required",
        ),
        (
            {"grant_type": GRANT, "client_id": "bk_nosuchkey0000000", "client_secret": "x"},
            401,
            "invalid_client",
            "client authentication failed: invalid API key",
        ),
    ],
    ids=["empty", "blank-grant", "password", "code", "no-client", "no-secret", "unknown-client"],
)
def test_rfc6749_errors(
    http: httpx.Client, form: dict[str, str], status: int, error: str, message: str
) -> None:
    assert _oauth_error(http.post(TOKEN_URL, data=form), status, error) == message


def test_wrong_secret(http: httpx.Client, tenant: TenantCtx) -> None:
    form = _form(tenant.key_id, tenant.secret[:-1] + ("A" if tenant.secret[-1] != "A" else "B"))
    message = _oauth_error(http.post(TOKEN_URL, data=form), 401, "invalid_client")
    assert message == "client authentication failed: invalid API key"
    bad_basic = _basic(tenant.key_id, "nope")
    _oauth_error(
        http.post(TOKEN_URL, data={"grant_type": GRANT}, headers=bad_basic), 401, "invalid_client"
    )


def test_revoked_and_expired_keys_get_no_token(
    engine: Engine, http: httpx.Client, tenant: TenantCtx
) -> None:
    key_id, secret = new_key(engine, tenant.id, "analytics:read")
    with write_transaction(engine) as conn:
        revoke_key(conn, tenant.id, key_id)
    message = _oauth_error(http.post(TOKEN_URL, data=_form(key_id, secret)), 401, "invalid_client")
    assert message == "client authentication failed: API key revoked"
    past = datetime.now(UTC) - timedelta(seconds=1)
    key_id, secret = new_key(engine, tenant.id, "analytics:read", expires_at=past)
    message = _oauth_error(http.post(TOKEN_URL, data=_form(key_id, secret)), 401, "invalid_client")
    assert message == "client authentication failed: API key expired"


def test_malformed_requests(http: httpx.Client, tenant: TenantCtx) -> None:
    form = _form(tenant.key_id, tenant.secret)
    # JSON instead of a form
    response = http.post(TOKEN_URL, json=form)
    message = _oauth_error(response, 400, "invalid_request")
    assert message == "the request body must be application/x-www-form-urlencoded"
    # a parameter twice
    body = f"grant_type={GRANT}&grant_type={GRANT}&client_id={tenant.key_id}"
    response = http.post(
        TOKEN_URL, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert (
        _oauth_error(response, 400, "invalid_request")
        == "parameter grant_type given more than once"
    )
    # credentials in the URL
    response = http.post(TOKEN_URL, params=form)
    message = _oauth_error(response, 400, "invalid_request")
    assert message == "send client credentials in the request body, never in the URL"
    # two authentication methods
    response = http.post(TOKEN_URL, data=form, headers=_basic(tenant.key_id, tenant.secret))
    assert (
        _oauth_error(response, 400, "invalid_request")
        == "use one client authentication method, not two"
    )
    # Basic user differs from client_id
    response = http.post(
        TOKEN_URL,
        data={"grant_type": GRANT, "client_id": "bk_someoneelse00000"},
        headers=_basic(tenant.key_id, tenant.secret),
    )
    _oauth_error(response, 400, "invalid_request")
    # not UTF-8
    response = http.post(
        TOKEN_URL,
        content=b"grant_type=\xff\xfe",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _oauth_error(response, 400, "invalid_request")
    # too large
    response = http.post(TOKEN_URL, data={**form, "padding": "x" * 20_000})
    assert _oauth_error(response, 400, "invalid_request") == "request body too large"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer abc",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
    ],
    ids=["bearer", "not-base64", "no-colon", "not-utf8"],
)
def test_bad_authorization_header(http: httpx.Client, header: str) -> None:
    response = http.post(TOKEN_URL, data={"grant_type": GRANT}, headers={"Authorization": header})
    _oauth_error(response, 401, "invalid_client")


def test_basic_credentials_are_form_decoded(http: httpx.Client, tenant: TenantCtx) -> None:
    """RFC 6749 2.3.1: the id and secret are form-encoded before Basic encoding."""
    headers = _basic(quote_plus(tenant.key_id), quote_plus(tenant.secret))
    _granted(http.post(TOKEN_URL, data={"grant_type": GRANT}, headers=headers))


def test_other_methods_are_fastapi_errors(http: httpx.Client) -> None:
    response = http.get(TOKEN_URL)
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}


def test_unknown_parameters_are_ignored(http: httpx.Client, tenant: TenantCtx) -> None:
    form = _form(tenant.key_id, tenant.secret, audience="x", resource="y")
    _granted(http.post(TOKEN_URL, data=form))
