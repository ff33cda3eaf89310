"""Endpoints of the portal surface.

- ``GET /portal/dashboard_summary?token=``: the customer dashboard (portal token in the query);
- ``POST /v1/customers/{customer_id}/portal_token`` (admin key): issue a portal token.  Under
  ``/v1`` it answers in the native error format.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request

from billstats.auth.portal_tokens import MAX_TTL_HOURS
from billstats.errors import Problem, ValidationFailed
from billstats.surfaces.portal import service
from billstats.surfaces.portal.deps import PortalCustomer, PortalKey
from billstats.surfaces.portal.schemas import (
    PortalDashboardSummaryResponse,
    PortalDetail,
    PortalTokenRequest,
    PortalTokenResponse,
    PortalValidation,
)
from billstats.web.deps import Admin, Now, ReadConn
from billstats.web.limits import SMALL_JSON_BYTES, capped_route
from billstats.web.openapi import error_responses, native_errors
from billstats.web.responses import JSON

# Bodies (of the token request) are a few bytes: read at most 64 KiB (413 beyond).
router = APIRouter(include_in_schema=True, route_class=capped_route(SMALL_JSON_BYTES))


@router.get(
    "/portal/dashboard_summary",
    tags=["portal"],
    summary="Get portal dashboard summary",
    response_class=JSON,
    responses={
        200: {"model": PortalDashboardSummaryResponse, "description": "Successful Response"},
        **error_responses(
            PortalDetail,
            [401, 422],
            descriptions={
                401: "Invalid or expired portal token",
                422: "an invalid parameter, or a needed exchange rate is missing",
            },
            models={422: PortalValidation},
        ),
    },
)
def dashboard_summary(principal: PortalCustomer, now: Now, conn: ReadConn) -> JSON:
    """Aggregated dashboard: billing, charges, usage, actions."""
    return JSON(service.dashboard_summary(conn, principal, now))


@router.post(
    "/v1/customers/{customer_id}/portal_token",
    tags=["portal"],
    summary="Issue a portal token for a customer",
    response_class=JSON,
    responses={
        200: {"model": PortalTokenResponse, "description": "The token and its URL"},
        **native_errors(400, 404, 413, 422),
    },
)
def create_portal_token(
    customer_id: str,
    request: Request,
    principal: Admin,
    key: PortalKey,
    now: Now,
    conn: ReadConn,
    ttl_hours: Annotated[int | None, Query(ge=1, le=MAX_TTL_HOURS)] = None,
    body: Annotated[PortalTokenRequest | None, Body()] = None,
) -> JSON:
    """A signed token for one customer of the key's tenant (12 hours unless ``ttl_hours``, in
    the query or the JSON body, says otherwise): ``{token, expires_at, portal_url}``."""
    hours = ttl_hours
    if body is not None and body.ttl_hours is not None:
        if hours is not None and hours != body.ttl_hours:
            raise ValidationFailed(
                [Problem("ttl_hours", "conflict", "ttl_hours differs in query and body")],
                "conflicting ttl_hours",
            )
        hours = body.ttl_hours
    out = service.issue_portal_token(
        conn,
        key,
        principal.tenant_id,
        customer_id,
        ttl_hours=hours,
        now=now,
        base_url=str(request.base_url),
    )
    return JSON(out)
