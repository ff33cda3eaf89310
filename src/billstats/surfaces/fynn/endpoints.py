"""Endpoints of the fynn-compatible surface (seed 002)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from billstats.surfaces.fynn import service
from billstats.surfaces.fynn.errors import MEDIA_TYPE
from billstats.surfaces.fynn.schemas import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_PAGE,
    Problem7807,
    RevenueResponse,
    parse_query,
)
from billstats.web.deps import Analytics, Now, ReadConn
from billstats.web.openapi import error_responses
from billstats.web.responses import JSON

router = APIRouter(include_in_schema=True, tags=["fynn"])

_ERRORS = error_responses(
    Problem7807,
    [400, 401, 403, 422],
    media_type=MEDIA_TYPE,
    descriptions={
        400: "invalid query parameters (violations name each)",
        403: "the key lacks analytics:read",
        422: "a needed exchange rate is missing",
    },
)


@router.get(
    "/analytics/subscription-revenue",
    response_model=RevenueResponse,
    responses=_ERRORS,
    summary="Get series data for subscription (Fynn compatible)",
    description="One data point per currency and day: MRR at the end of the day and the day's "
    "new, expansion and churn MRR (docs/metrics.md).",
)
def subscription_revenue(
    principal: Analytics,
    conn: ReadConn,
    now: Now,
    from_: Annotated[str | None, Query(alias="from", description="YYYY-MM-DD")] = None,
    to: Annotated[str | None, Query(description="YYYY-MM-DD (included)")] = None,
    currency: Annotated[str | None, Query(description="ISO 4217 code")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> JSON:
    query = parse_query(from_, to, currency, page, limit)
    return JSON(service.subscription_revenue(conn, principal, query, now))
