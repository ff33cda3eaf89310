"""Request parsing and authentication of the devkit surface: token requests and bearer tokens."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated
from urllib.parse import parse_qsl, unquote_plus

from fastapi import Depends, Request
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2

from billstats.auth import oauth
from billstats.auth.oauth import OAuthError, TokenRequest
from billstats.auth.principal import Principal
from billstats.errors import Forbidden, Unauthorized
from billstats.web.deps import EngineDep, ReadConn, SettingsDep

TOKEN_PATH = "/api/v1/auth/token"
READ_SCOPE = "analytics:read"
# A token request is a few hundred bytes.
MAX_TOKEN_REQUEST_BYTES = 16 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"
_PARAMS = ("grant_type", "client_id", "client_secret", "scope")

# Documents the flow in OpenAPI (the docs' "Authorize" button); the header is parsed below.
_scheme = OAuth2(
    flows=OAuthFlows(clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_PATH)),
    scheme_name="OAuth2ClientCredentials",
    auto_error=False,
)


def access_key(engine: EngineDep, settings: SettingsDep) -> bytes:
    return oauth.access_token_key(engine, settings)


AccessKey = Annotated[bytes, Depends(access_key)]


# -- token requests (RFC 6749 sections 2.3.1 and 4.4.2) ------------------------------------------


async def token_request(request: Request) -> TokenRequest:
    if "client_secret" in request.query_params:
        raise OAuthError(
            "invalid_request", "send client credentials in the request body, never in the URL"
        )
    params = _form(await _body(request), request.headers.get("content-type"))
    basic = _basic_credentials(request.headers.get("authorization"))
    client_id, client_secret = params.get("client_id"), params.get("client_secret")
    if basic is not None:
        if client_secret is not None:
            raise OAuthError("invalid_request", "use one client authentication method, not two")
        if client_id is not None and client_id != basic[0]:
            raise OAuthError("invalid_request", "client_id does not match the Authorization header")
        client_id, client_secret = basic
    return TokenRequest(params.get("grant_type"), client_id, client_secret, params.get("scope"))


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_TOKEN_REQUEST_BYTES:
        raise OAuthError("invalid_request", "request body too large")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_TOKEN_REQUEST_BYTES:
            raise OAuthError("invalid_request", "request body too large")
    return bytes(body)


def _form(body: bytes, content_type: str | None) -> dict[str, str]:
    media_type = (content_type or "").split(";")[0].strip().lower()
    if body and media_type != FORM_TYPE:
        raise OAuthError("invalid_request", f"the request body must be {FORM_TYPE}")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=32)
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", f"the request body is not valid {FORM_TYPE}") from None
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise OAuthError("invalid_request", f"parameter {name} given more than once")
        params[name] = value
    # Empty values count as absent (RFC 6749 section 3.1).
    return {name: params[name] for name in _PARAMS if params.get(name)}


def _basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(client_id, client_secret) from ``Authorization: Basic``; None without the header."""
    if not header:
        return None
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError("invalid_client", "client authentication must use HTTP Basic", 401)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", "malformed HTTP Basic credentials", 401) from None
    user, colon, password = decoded.partition(":")
    if not colon:
        raise OAuthError("invalid_client", "malformed HTTP Basic credentials", 401)
    # Client ids and secrets are form-encoded before Basic encoding (RFC 6749 section 2.3.1).
    return unquote_plus(user), unquote_plus(password)


TokenForm = Annotated[TokenRequest, Depends(token_request)]


# -- bearer access tokens ----------------------------------------------------------------------


def access_principal(
    conn: ReadConn,
    key: AccessKey,
    authorization: Annotated[str | None, Depends(_scheme)],
) -> Principal:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(oauth.NOT_AUTHENTICATED)
    principal = oauth.authenticate_token(conn, key, token.strip())
    if not principal.allows(READ_SCOPE):
        raise Forbidden(f"this token lacks the {READ_SCOPE!r} scope")
    return principal


Reader = Annotated[Principal, Depends(access_principal)]
