"""OAuth2 client credentials: API keys exchanged for short-lived signed access tokens.

``POST /api/v1/auth/token`` (RFC 6749 section 4.4) takes an API key as the client (``client_id`` =
key id, ``client_secret`` = its secret, in the form body or as HTTP Basic) and returns a JWT
(HS256) valid for 30 minutes, or less when the key itself expires sooner.

The token is signed with a sub-key derived for this one purpose from the server's signing key
(``billstats.auth.signing``), and it names its kind twice, in the header (``typ: at+jwt``,
RFC 9068) and in the audience: a portal token, a token signed with any other key, or any other
JWT never passes for an access token.  Only HS256 is accepted (no ``none``, no algorithm
switching).

Every use re-reads the API key: a token of a key that has since been revoked or has expired
stops working on its next request, like the key itself (tokens are not a way around
revocation).  The scopes a token grants are those it was issued with (the key's, or the subset
the client asked for), as far as the key still grants them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import Connection, Engine

from billstats.auth import jwt_codec, repository
from billstats.auth.jwt_codec import ALGORITHM, ISSUER, is_int
from billstats.auth.principal import SCOPES, Principal
from billstats.auth.service import authenticate_key
from billstats.auth.signing import derive_key, signing_key
from billstats.config import Settings
from billstats.errors import BillstatsError, Unauthorized

ACCESS_TOKEN_TTL = timedelta(minutes=30)
GRANT_TYPE = "client_credentials"
TOKEN_TYPE = "bearer"
HEADER_TYPE = "at+jwt"
AUDIENCE = "billstats:oauth-access-token"
KEY_PURPOSE = "oauth-access-token"

NOT_AUTHENTICATED = "Not authenticated"
INVALID_TOKEN = "Could not validate credentials"
EXPIRED_TOKEN = "Token has expired"


class OAuthError(BillstatsError):
    """A token endpoint error in RFC 6749 section 5.2 terms: ``code`` is the ``error`` value."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        headers = {"WWW-Authenticate": 'Basic realm="billstats"'} if status == 401 else {}
        super().__init__(description, status, code, headers=headers)


@dataclass(frozen=True)
class TokenRequest:
    """A token request's parameters, however the client sent its credentials."""

    grant_type: str | None
    client_id: str | None
    client_secret: str | None
    scope: str | None = None


@dataclass(frozen=True)
class AccessToken:
    access_token: str
    expires_in: int
    token_type: str = TOKEN_TYPE

    def as_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
        }


def access_token_key(engine: Engine, settings: Settings) -> bytes:
    """The key that signs and verifies access tokens (and nothing else)."""
    return derive_key(signing_key(engine, settings), KEY_PURPOSE)


def issue_token(
    conn: Connection, key: bytes, request: TokenRequest, now: datetime | None = None
) -> AccessToken:
    """Grant an access token for a valid API key (client credentials grant)."""
    if not request.grant_type:
        raise OAuthError("invalid_request", "grant_type is required")
    if request.grant_type != GRANT_TYPE:
        raise OAuthError(
            "unsupported_grant_type", f"only grant_type={GRANT_TYPE} is supported", 400
        )
    if not request.client_id or not request.client_secret:
        raise OAuthError("invalid_client", "client_id and client_secret are required", 401)
    now = now or datetime.now(UTC)
    try:
        principal = authenticate_key(conn, request.client_id, request.client_secret, now)
    except Unauthorized as exc:
        raise OAuthError("invalid_client", f"client authentication failed: {exc}", 401) from None
    scopes = _granted_scopes(principal.scopes, request.scope)
    issued = int(now.timestamp())
    expires = issued + int(ACCESS_TOKEN_TTL.total_seconds())
    row = repository.get_key(conn, request.client_id)
    assert row is not None  # authenticate_key just read it
    if row["expires_at"] is not None:
        # A token never outlives its key.
        expires = min(expires, int(row["expires_at"].timestamp()))
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": request.client_id,
        "client_id": request.client_id,
        "tenant": principal.tenant_id,
        "scope": " ".join(sorted(scopes)),
        "iat": issued,
        "exp": expires,
        "jti": secrets.token_urlsafe(16),
    }
    token = jwt.encode(claims, key, algorithm=ALGORITHM, headers={"typ": HEADER_TYPE})
    return AccessToken(token, max(0, expires - issued))


def _granted_scopes(key_scopes: frozenset[str], requested: str | None) -> frozenset[str]:
    """The key's scopes, or the requested subset of them (an admin key may narrow to any)."""
    if requested is None or not requested.strip():
        return key_scopes
    wanted = frozenset(requested.split())
    refused = sorted(wanted - _grantable(key_scopes))
    if refused:
        raise OAuthError("invalid_scope", f"scope not granted to this client: {' '.join(refused)}")
    return wanted


def _grantable(key_scopes: frozenset[str]) -> frozenset[str]:
    return frozenset(SCOPES) if "admin" in key_scopes else key_scopes


def authenticate_token(
    conn: Connection, key: bytes, token: str | None, now: datetime | None = None
) -> Principal:
    """The caller of a request bearing an access token; Unauthorized when it is not valid now."""
    if not token:
        raise Unauthorized(NOT_AUTHENTICATED)
    claims = _decode(key, token)
    now = now or datetime.now(UTC)
    if now.timestamp() >= claims["exp"]:
        raise Unauthorized(EXPIRED_TOKEN)
    row = repository.get_key(conn, claims["sub"])
    if row is None or row["tenant_id"] != claims["tenant"]:
        raise Unauthorized(INVALID_TOKEN)
    if row["revoked_at"] is not None:
        raise Unauthorized(f"{INVALID_TOKEN}: the API key was revoked")
    if row["expires_at"] is not None and row["expires_at"] <= now:
        raise Unauthorized(f"{INVALID_TOKEN}: the API key has expired")
    scopes = frozenset(claims["scope"].split()) & _grantable(frozenset(row["scopes"].split()))
    return Principal(
        tenant_id=row["tenant_id"],
        scopes=scopes,
        credential="oauth",
        credential_id=claims["sub"],
    )


def _decode(key: bytes, token: str) -> dict[str, Any]:
    required = ["iss", "aud", "sub", "tenant", "scope", "iat", "exp", "jti"]
    try:
        header, claims = jwt_codec.decode(token, key, audience=AUDIENCE, required=required)
    except jwt_codec.BadToken:
        raise Unauthorized(INVALID_TOKEN) from None
    well_typed = (
        header.get("typ") == HEADER_TYPE
        and isinstance(claims["sub"], str)
        and is_int(claims["tenant"])
        and isinstance(claims["scope"], str)
        and is_int(claims["iat"])
        and is_int(claims["exp"])
    )
    if not well_typed:
        raise Unauthorized(INVALID_TOKEN)
    return claims
