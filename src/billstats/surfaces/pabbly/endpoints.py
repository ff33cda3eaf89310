"""Endpoints of the pabbly-compatible surface (seed 000)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from billstats.surfaces.pabbly import service
from billstats.surfaces.pabbly.deps import Reader
from billstats.surfaces.pabbly.schemas import ErrorResponse, StatsRequest, StatsResponse
from billstats.web.deps import Now, ReadConn
from billstats.web.limits import SMALL_JSON_BYTES, capped_route
from billstats.web.openapi import error_responses

# The body is a few fields: read at most 64 KiB of it (413 beyond).
router = APIRouter(
    include_in_schema=True, tags=["pabbly"], route_class=capped_route(SMALL_JSON_BYTES)
)

_ERRORS = error_responses(
    ErrorResponse,
    [400, 401, 403, 404, 413, 422],
    descriptions={
        400: "bad interval, dates or body",
        413: "the body is over 64 KiB",
        403: "the key lacks analytics:read",
        404: "unknown product",
        422: "a needed exchange rate is missing",
    },
)


@router.post(
    "/api/v2/getdashboardstats",
    response_model=StatsResponse,
    responses=_ERRORS,
    summary="Dashboard stats (Pabbly Subscription Billing compatible)",
)
def get_dashboard_stats(
    body: StatsRequest, principal: Reader, conn: ReadConn, now: Now
) -> Response:
    content = service.dashboard_stats(conn, principal, body, now)
    return Response(content, media_type="application/json")
