"""Portal tokens: signed for one customer of one tenant, expiring, and nothing else passes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import Engine

from billstats.auth import portal_tokens as pt
from billstats.auth.signing import derive_key, signing_key
from billstats.config import Settings
from billstats.errors import ValidationFailed

MASTER = b"m" * 48
KEY = derive_key(MASTER, "portal-token")
T0 = datetime(2025, 3, 10, 12, 0, 0, 123456, tzinfo=UTC)


def _claims(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": "billstats",
        "aud": "billstats:portal",
        "typ": "portal",
        "tid": 7,
        "sub": "cust-1",
        "iat": int(T0.timestamp()),
        "exp": int(T0.timestamp()) + 3600,
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def _sign(claims: dict[str, Any], key: bytes = KEY, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def test_round_trip_and_default_lifetime() -> None:
    issued = pt.issue(KEY, 7, "cust-1", now=T0)
    # Whole seconds: expires_at is exactly the token's exp, 12 hours after the issue second.
    assert issued.expires_at == datetime(2025, 3, 11, 0, 0, 0, tzinfo=UTC)
    claims = pt.verify(KEY, issued.token, now=T0)
    assert claims == pt.PortalClaims(7, "cust-1", issued.expires_at)
    payload = jwt.decode(issued.token, options={"verify_signature": False})
    assert payload["aud"] == "billstats:portal" and payload["typ"] == "portal"
    assert payload["exp"] - payload["iat"] == 12 * 3600
    # Two tokens for the same customer differ (jti), both valid.
    assert pt.issue(KEY, 7, "cust-1", now=T0).token != issued.token


def test_expiry_is_checked_against_the_given_clock() -> None:
    issued = pt.issue(KEY, 7, "cust-1", now=T0, ttl=timedelta(hours=2))
    last_valid = issued.expires_at - timedelta(microseconds=1)
    assert pt.verify(KEY, issued.token, now=last_valid).customer_id == "cust-1"
    with pytest.raises(pt.ExpiredPortalToken) as exc:
        pt.verify(KEY, issued.token, now=issued.expires_at)
    assert (exc.value.status_code, exc.value.message) == (401, "Portal token has expired")
    with pytest.raises(pt.ExpiredPortalToken):
        pt.verify(KEY, issued.token, now=issued.expires_at + timedelta(days=400))


def _tamper(token: str, **changes: Any) -> str:
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(changes)
    raw = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{raw}.{signature}"


BAD_TOKENS: dict[str, Callable[[], str]] = {
    "another_key": lambda: _sign(_claims(), derive_key(b"x" * 48, "portal-token")),
    "oauth_key_same_master": lambda: _sign(_claims(), derive_key(MASTER, "oauth-access-token")),
    "master_key_itself": lambda: _sign(_claims(), MASTER),
    "other_customer_tampered": lambda: _tamper(pt.issue(KEY, 7, "cust-1", now=T0).token, sub="b"),
    "other_tenant_tampered": lambda: _tamper(pt.issue(KEY, 7, "cust-1", now=T0).token, tid=8),
    "later_expiry_tampered": lambda: _tamper(
        pt.issue(KEY, 7, "cust-1", now=T0).token, exp=int(T0.timestamp()) + 10**6
    ),
    "alg_none": lambda: _none_token(),
    "hs512": lambda: _sign(_claims(), KEY, "HS512"),
    "wrong_audience": lambda: _sign(_claims(aud="billstats:oauth")),
    "no_audience": lambda: _sign(_claims(aud=None)),
    "wrong_issuer": lambda: _sign(_claims(iss="someone")),
    "wrong_type": lambda: _sign(_claims(typ="access")),
    "no_type": lambda: _sign(_claims(typ=None)),
    "no_tenant": lambda: _sign(_claims(tid=None)),
    "tenant_as_string": lambda: _sign(_claims(tid="7")),
    "tenant_as_bool": lambda: _sign(_claims(tid=True)),
    "no_customer": lambda: _sign(_claims(sub=None)),
    "empty_customer": lambda: _sign(_claims(sub="")),
    "no_expiry": lambda: _sign(_claims(exp=None)),
    "huge_expiry": lambda: _sign(_claims(exp=10**20)),
    "garbage": lambda: "not-a-token",
    "empty": lambda: "",
    "api_key_shape": lambda: "bk_0123456789abcdef.secret",
    "truncated_signature": lambda: pt.issue(KEY, 7, "cust-1", now=T0).token[:-4],
}


def _none_token() -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(_claims()).encode()).rstrip(b"=").decode()
    return f"{header}.{body}."


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the HS512 case
@pytest.mark.parametrize("name", sorted(BAD_TOKENS))
def test_nothing_but_a_genuine_portal_token_passes(name: str) -> None:
    token = BAD_TOKENS[name]()
    with pytest.raises(pt.InvalidPortalToken) as exc:
        pt.verify(KEY, token, now=T0)
    assert (exc.value.status_code, exc.value.message) == (401, "Invalid portal token")


def test_a_genuine_token_with_these_claims_passes() -> None:
    """The bad-token table is not vacuous: the same claims, signed right, are accepted."""
    assert pt.verify(KEY, _sign(_claims()), now=T0) == pt.PortalClaims(
        7, "cust-1", datetime.fromtimestamp(_claims()["exp"], UTC)
    )


@pytest.mark.parametrize("hours", [0, -1, 721, True, 1.5, "12"])
def test_ttl_bounds(hours: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        pt.ttl_from_hours(hours)
    assert exc.value.problems[0].path == "ttl_hours"


def test_ttl_values() -> None:
    assert pt.ttl_from_hours(None) == timedelta(hours=12)
    assert pt.ttl_from_hours(1) == timedelta(hours=1)
    assert pt.ttl_from_hours(720) == timedelta(days=30)


def test_portal_key_is_derived_from_the_configured_secret() -> None:
    secret = "s" * 40
    settings = Settings(database_url="sqlite://", secret_key=secret)
    engine_unused: Any = None
    key = pt.portal_key(engine_unused, settings)
    assert key == derive_key(secret.encode(), "portal-token")
    assert key != derive_key(secret.encode(), "oauth-access-token")
    other = pt.portal_key(engine_unused, Settings(database_url="sqlite://", secret_key="t" * 40))
    token = pt.issue(key, 1, "c", now=T0).token
    with pytest.raises(pt.InvalidPortalToken):
        pt.verify(other, token, now=T0)


def test_portal_key_from_the_stored_secret(engine: Engine, settings: Settings) -> None:
    """Without configuration the key derives from the generated, stored secret: stable."""
    key = pt.portal_key(engine, settings)
    assert key == derive_key(signing_key(engine, settings), "portal-token")
    assert pt.portal_key(engine, settings) == key
