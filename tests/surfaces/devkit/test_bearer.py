"""Bearer access tokens on GET /api/v1/payments/stats: every way in is refused but one.

Errors are FastAPI's: 401 ``{"detail": ...}`` with ``WWW-Authenticate: Bearer``, 422
``HTTPValidationError`` for a bad ``test_mode``.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import Engine

from billstats.auth import oauth
from billstats.auth.oauth import TokenRequest
from billstats.auth.service import revoke_key
from billstats.auth.signing import derive_key, signing_key
from billstats.config import Settings
from billstats.db.dialect import read_transaction, write_transaction
from tests.conftest import TenantCtx, make_tenant
from tests.surfaces.devkit.conftest import STATS_URL, Account, account, bearer, new_key
from tests.surfaces.devkit.schemas import HTTP_ERROR, HTTP_VALIDATION_ERROR, validate

INVALID = "Could not validate credentials"


def _unauthorized(response: httpx.Response, detail: str = INVALID) -> None:
    assert response.status_code == 401, response.text
    validate(response.json(), HTTP_ERROR)
    assert response.json() == {"detail": detail}
    assert response.headers["www-authenticate"] == "Bearer"


def _claims(acct: Account, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": oauth.ISSUER,
        "aud": oauth.AUDIENCE,
        "sub": acct.key_id,
        "client_id": acct.key_id,
        "tenant": acct.tenant.id,
        "scope": "analytics:read",
        "iat": now,
        "exp": now + 1800,
        "jti": "test",
        **changes,
    }
    return {k: v for k, v in claims.items() if v is not None}


def _sign(key: bytes, claims: dict[str, Any], **header: Any) -> str:
    headers = {"typ": oauth.HEADER_TYPE, **header}
    return jwt.encode(claims, key, algorithm=headers.pop("alg", "HS256"), headers=headers)


@pytest.fixture
def acct(engine: Engine, http: httpx.Client) -> Account:
    return account(engine, http)


@pytest.fixture
def access_key(engine: Engine, settings: Settings) -> bytes:
    return oauth.access_token_key(engine, settings)


def test_valid_token_and_forged_control(
    http: httpx.Client, acct: Account, access_key: bytes
) -> None:
    """The forging helper makes tokens the server accepts when nothing is wrong with them, so
    the refusals below are caused by the one thing each changes."""
    assert http.get(STATS_URL, headers=acct.headers).status_code == 200
    forged = _sign(access_key, _claims(acct))
    assert http.get(STATS_URL, headers=bearer(forged)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": ""}, {"Authorization": "Bearer"}],
    ids=["none", "empty", "no-token"],
)
def test_missing_token(http: httpx.Client, headers: dict[str, str]) -> None:
    _unauthorized(http.get(STATS_URL, headers=headers), "Not authenticated")


def test_other_schemes(http: httpx.Client, acct: Account) -> None:
    basic = base64.b64encode(f"{acct.key_id}:{acct.secret}".encode()).decode()
    _unauthorized(
        http.get(STATS_URL, headers={"Authorization": f"Basic {basic}"}), "Not authenticated"
    )
    _unauthorized(http.get(STATS_URL, headers={"Authorization": acct.token}), "Not authenticated")


def test_api_key_is_not_an_access_token(http: httpx.Client, acct: Account) -> None:
    _unauthorized(http.get(STATS_URL, headers=bearer(f"{acct.key_id}.{acct.secret}")))


def test_scheme_is_case_insensitive(http: httpx.Client, acct: Account) -> None:
    response = http.get(STATS_URL, headers={"Authorization": f"bearer {acct.token}"})
    assert response.status_code == 200


def _tamper_payload(token: str, **changes: Any) -> str:
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    raw = json.dumps(claims, separators=(",", ":")).encode()
    return ".".join([head, base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), signature])


def test_tampered_tokens(engine: Engine, http: httpx.Client, acct: Account) -> None:
    other = make_tenant(engine)
    # Claims changed, signature kept: the other tenant, more scopes, a later expiry.
    for changes in ({"tenant": other.id}, {"scope": "admin"}, {"exp": 4102444800}):
        _unauthorized(http.get(STATS_URL, headers=bearer(_tamper_payload(acct.token, **changes))))
    head, payload, signature = acct.token.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    _unauthorized(http.get(STATS_URL, headers=bearer(f"{head}.{payload}.{flipped}")))
    _unauthorized(http.get(STATS_URL, headers=bearer(f"{head}.{payload}")))
    _unauthorized(http.get(STATS_URL, headers=bearer("not-a-jwt")))
    _unauthorized(http.get(STATS_URL, headers=bearer(acct.token + "x" * 5000)))


def test_signed_with_another_key(
    engine: Engine, settings: Settings, http: httpx.Client, acct: Account
) -> None:
    claims = _claims(acct)
    master = signing_key(engine, settings)
    another_master = derive_key(b"x" * 48, oauth.KEY_PURPOSE)
    for key in (
        another_master,  # another server's access-token key
        master,  # the master key itself, not the derived one
        derive_key(master, "portal-token"),  # another token kind's key
        b"",
    ):
        _unauthorized(http.get(STATS_URL, headers=bearer(_sign(key or b"k" * 32, claims))))


@pytest.mark.parametrize(
    ("changes", "header"),
    [
        ({"aud": "billstats:portal-token"}, {}),
        ({"aud": ["billstats:oauth-access-token", "other"]}, {}),
        ({"iss": "someone-else"}, {}),
        ({}, {"typ": "JWT"}),
        ({}, {"alg": "HS512"}),
        ({"tenant": None}, {}),
        ({"sub": None}, {}),
        ({"scope": None}, {}),
        ({"exp": None}, {}),
        ({"iat": None}, {}),
        ({"jti": None}, {}),
        ({"tenant": "1"}, {}),
        ({"tenant": True}, {}),
        ({"scope": ["analytics:read"]}, {}),
        ({"exp": 4102444800.5}, {}),
        ({"sub": "bk_doesnotexist00000"}, {}),
    ],
    ids=[
        "portal-audience",
        "audience-list",
        "issuer",
        "typ",
        "HS512",
        "no-tenant",
        "no-sub",
        "no-scope",
        "no-exp",
        "no-iat",
        "no-jti",
        "tenant-string",
        "tenant-bool",
        "scope-list",
        "exp-float",
        "unknown-key",
    ],
)
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_not_an_access_token(
    http: httpx.Client,
    acct: Account,
    access_key: bytes,
    changes: dict[str, Any],
    header: dict[str, Any],
) -> None:
    """Right key, but the claims or header of something else."""
    token = _sign(access_key, _claims(acct, **changes), **header)
    _unauthorized(http.get(STATS_URL, headers=bearer(token)))


def test_unsigned_token(http: httpx.Client, acct: Account) -> None:
    token = jwt.encode(_claims(acct), None, algorithm="none", headers={"typ": oauth.HEADER_TYPE})
    _unauthorized(http.get(STATS_URL, headers=bearer(token)))


def test_tenant_claim_must_match_the_key(
    engine: Engine, http: httpx.Client, acct: Account, access_key: bytes
) -> None:
    """Even a correctly signed token naming another tenant than its key's gets nothing."""
    other = account(engine, http)
    token = _sign(access_key, _claims(acct, tenant=other.tenant.id))
    _unauthorized(http.get(STATS_URL, headers=bearer(token)))


def _issue_at(engine: Engine, access_key: bytes, acct: Account, at: datetime) -> str:
    with read_transaction(engine) as conn:
        grant = oauth.issue_token(
            conn,
            access_key,
            TokenRequest("client_credentials", acct.key_id, acct.secret),
            now=at,
        )
    return grant.access_token


def test_expired_token(
    engine: Engine, http: httpx.Client, acct: Account, access_key: bytes
) -> None:
    now = datetime.now(UTC)
    fresh_enough = _issue_at(engine, access_key, acct, now - timedelta(minutes=29))
    assert http.get(STATS_URL, headers=bearer(fresh_enough)).status_code == 200
    stale = _issue_at(engine, access_key, acct, now - timedelta(minutes=30, seconds=1))
    _unauthorized(http.get(STATS_URL, headers=bearer(stale)), "Token has expired")


def test_revoked_key_stops_its_tokens(engine: Engine, http: httpx.Client, acct: Account) -> None:
    assert http.get(STATS_URL, headers=acct.headers).status_code == 200
    with write_transaction(engine) as conn:
        revoke_key(conn, acct.tenant.id, acct.key_id)
    _unauthorized(http.get(STATS_URL, headers=acct.headers), f"{INVALID}: the API key was revoked")


def test_scope_is_required(engine: Engine, http: httpx.Client, tenant: TenantCtx) -> None:
    key_id, secret = new_key(engine, tenant.id, "ingest:write")
    response = http.post(
        "/api/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": key_id, "client_secret": secret},
    )
    token = response.json()["access_token"]
    denied = http.get(STATS_URL, headers=bearer(token))
    assert denied.status_code == 403
    validate(denied.json(), HTTP_ERROR)
    assert denied.json() == {"detail": "this token lacks the 'analytics:read' scope"}


@pytest.mark.parametrize("value", ["maybe", "", "2", "truee", "yes please", "TRUE!"])
def test_bad_test_mode(http: httpx.Client, acct: Account, value: str) -> None:
    response = http.get(STATS_URL, params={"test_mode": value}, headers=acct.headers)
    assert response.status_code == 422, response.text
    body = response.json()
    validate(body, HTTP_VALIDATION_ERROR)
    assert len(body["detail"]) == 1
    error = body["detail"][0]
    assert (error["loc"], error["type"], error["input"]) == (
        ["query", "test_mode"],
        "bool_parsing",
        value,
    )
    assert error["msg"] == "Input should be a valid boolean, unable to interpret input"


def test_authentication_comes_before_validation(http: httpx.Client) -> None:
    """As in FastAPI: without a token, a bad parameter is still a 401."""
    _unauthorized(http.get(STATS_URL, params={"test_mode": "maybe"}), "Not authenticated")


def test_unknown_path_and_method(http: httpx.Client, acct: Account) -> None:
    missing = http.get("/api/v1/payments/statz", headers=acct.headers)
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
    wrong = http.post(STATS_URL, headers=acct.headers)
    assert (wrong.status_code, wrong.json()) == (405, {"detail": "Method Not Allowed"})
