"""How the devkit-compatible surface renders errors.

The original is a FastAPI service: errors are ``{"detail": "..."}`` (401 with
``WWW-Authenticate: Bearer``), request validation errors FastAPI's ``HTTPValidationError``
(``{"detail": [{"loc", "msg", "type", ...}]}``).  The token endpoint answers its own errors in
OAuth2 terms (RFC 6749 section 5.2): ``{"error": "...", "error_description": "..."}``.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from billstats.auth.oauth import OAuthError
from billstats.errors import BillstatsError
from billstats.web.errors import ErrorFormat
from billstats.web.responses import JSON

# Token responses, successful or not, must not be cached (RFC 6749 section 5.1).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def render(_request: Request, exc: BillstatsError) -> Response:
    headers = dict(exc.headers)
    if isinstance(exc, OAuthError):
        body = {"error": exc.code, "error_description": exc.message}
        return JSON(body, exc.status_code, headers={**headers, **NO_STORE})
    return JSON({"detail": exc.message}, exc.status_code, headers=headers or None)


def render_validation(_request: Request, exc: RequestValidationError) -> Response:
    return JSON({"detail": jsonable_encoder(exc.errors())}, 422)


FORMAT = ErrorFormat(
    prefixes=("/api/v1/payments/", "/api/v1/auth/"),
    render=render,
    render_validation=render_validation,
)
