"""Portal tokens: a signed, expiring credential for one customer of one tenant.

A portal token is a JWT (HS256) signed with a sub-key of the server's signing key
(``derive_key(signing_key(...), "portal-token")``), so no other token billstats signs can pass
for one.  On top of the key, the audience (``billstats:portal``), issuer and ``typ`` claim must
match.  The token carries the tenant id (``tid``), the customer id (``sub``), ``iat`` and
``exp``; nothing is stored, so a token is valid until it expires (12 hours by default).

Expiry is checked against the caller's clock (``now``), never pyjwt's, so that tests and the
request share one notion of the current time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import Engine

from billstats.auth import jwt_codec
from billstats.auth.jwt_codec import ALGORITHM, ISSUER, is_int
from billstats.auth.signing import derive_key, signing_key
from billstats.config import Settings
from billstats.errors import BillstatsError, Problem, ValidationFailed

PURPOSE = "portal-token"
AUDIENCE = "billstats:portal"
TOKEN_TYPE = "portal"
DEFAULT_TTL_HOURS = 12
MAX_TTL_HOURS = 720  # 30 days
_REQUIRED = ["exp", "iat", "sub", "aud", "iss", "tid", "typ"]


class InvalidPortalToken(BillstatsError):
    def __init__(self) -> None:
        super().__init__("Invalid portal token", 401, "invalid_portal_token")


class ExpiredPortalToken(BillstatsError):
    def __init__(self) -> None:
        super().__init__("Portal token has expired", 401, "portal_token_expired")


@dataclass(frozen=True)
class PortalClaims:
    """What a valid token grants: one customer of one tenant, until ``expires_at``."""

    tenant_id: int
    customer_id: str
    expires_at: datetime


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def portal_key(engine: Engine, settings: Settings) -> bytes:
    """The key that signs and checks portal tokens (derived, so it signs nothing else)."""
    return derive_key(signing_key(engine, settings), PURPOSE)


def ttl_from_hours(hours: int | None) -> timedelta:
    """A token lifetime: ``hours`` whole hours, 1 to 720 (default 12)."""
    if hours is None:
        return timedelta(hours=DEFAULT_TTL_HOURS)
    if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_TTL_HOURS:
        raise ValidationFailed(
            [
                Problem(
                    "ttl_hours",
                    "invalid_ttl",
                    f"ttl_hours must be a whole number of hours from 1 to {MAX_TTL_HOURS}",
                )
            ],
            "invalid ttl_hours",
        )
    return timedelta(hours=hours)


def issue(
    key: bytes,
    tenant_id: int,
    customer_id: str,
    *,
    now: datetime | None = None,
    ttl: timedelta = timedelta(hours=DEFAULT_TTL_HOURS),
) -> IssuedToken:
    """Sign a token for ``customer_id`` of ``tenant_id``, valid from ``now`` for ``ttl``.

    Times are whole seconds (JWT ``NumericDate``); ``expires_at`` is exactly the token's ``exp``.
    """
    if ttl <= timedelta(0):
        raise ValueError("a token's lifetime must be positive")
    issued = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    expires = issued + ttl
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "typ": TOKEN_TYPE,
        "tid": tenant_id,
        "sub": customer_id,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": secrets.token_urlsafe(12),
    }
    token = jwt.encode(claims, key, algorithm=ALGORITHM)
    return IssuedToken(token, datetime.fromtimestamp(claims["exp"], UTC))


def verify(key: bytes, token: str, *, now: datetime | None = None) -> PortalClaims:
    """The claims of a genuine, unexpired portal token.

    Raises ``InvalidPortalToken`` for anything not signed by ``key`` as a portal token (another
    key, another kind of token, a tampered or malformed one) and ``ExpiredPortalToken`` for a
    genuine one at or past its expiry.
    """
    try:
        _, claims = jwt_codec.decode(token, key, audience=AUDIENCE, required=_REQUIRED)
    except jwt_codec.BadToken:
        raise InvalidPortalToken() from None
    tenant_id, customer_id, exp = claims["tid"], claims["sub"], claims["exp"]
    if (
        claims["typ"] != TOKEN_TYPE
        or not is_int(tenant_id)
        or not isinstance(customer_id, str)
        or not customer_id
        or not is_int(exp)
    ):
        raise InvalidPortalToken()
    try:
        expires_at = datetime.fromtimestamp(exp, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidPortalToken() from None
    if (now or datetime.now(UTC)) >= expires_at:
        raise ExpiredPortalToken()
    return PortalClaims(tenant_id, customer_id, expires_at)
