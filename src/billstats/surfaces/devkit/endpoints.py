"""Endpoints of the devkit-compatible surface: the OAuth2 token and the payment statistics."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from billstats.auth import oauth
from billstats.surfaces.devkit import service
from billstats.surfaces.devkit.deps import TOKEN_PATH, AccessKey, Reader, TokenForm
from billstats.surfaces.devkit.errors import NO_STORE
from billstats.surfaces.devkit.schemas import (
    AccessTokenResponse,
    Detail,
    DetailOrValidation,
    OAuthErrorResponse,
    PaymentStats,
)
from billstats.web.deps import Now, ReadConn
from billstats.web.openapi import error_responses
from billstats.web.responses import JSON

router = APIRouter(tags=["devkit"])

_TOKEN_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": [oauth.GRANT_TYPE]},
                        "client_id": {"type": "string", "description": "API key id"},
                        "client_secret": {"type": "string", "description": "API key secret"},
                        "scope": {"type": "string", "description": "optional, space-separated"},
                    },
                }
            }
        },
    }
}


@router.post(
    TOKEN_PATH,
    response_model=AccessTokenResponse,
    summary="Get an access token (OAuth2 client credentials)",
    openapi_extra=_TOKEN_FORM,
    responses=error_responses(
        OAuthErrorResponse,
        [400, 401],
        descriptions={
            400: "invalid_request, unsupported_grant_type or invalid_scope",
            401: "invalid_client: unknown client or wrong secret",
        },
        models={429: Detail, 503: Detail},
    ),
)
def token(form: TokenForm, conn: ReadConn, key: AccessKey) -> JSON:
    grant = oauth.issue_token(conn, key, form)
    return JSON(grant.as_dict(), headers=NO_STORE)


@router.get(
    "/api/v1/payments/stats",
    response_model=PaymentStats,
    responses=error_responses(
        Detail,
        [401, 403, 422],
        descriptions={
            401: "missing, invalid or expired access token",
            403: "the token lacks analytics:read",
            422: "an invalid parameter, or a needed exchange rate is missing",
        },
        models={422: DetailOrValidation},
    ),
    summary="Get Payment Statistics",
)
def payment_stats(
    principal: Reader,
    conn: ReadConn,
    now: Now,
    test_mode: Annotated[
        bool, Query(description="Include test mode data; false for live mode only")
    ] = True,
) -> Any:
    return service.payment_stats(conn, principal, test_mode, now)
