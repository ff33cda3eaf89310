"""Endpoints of the vobiz-compatible surface (and the admin endpoints of its credentials)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from billstats.surfaces.vobiz import service
from billstats.surfaces.vobiz.admin import router as admin_router
from billstats.surfaces.vobiz.deps import PartnerAuth
from billstats.web.deps import Now, ReadConn
from billstats.web.openapi import error_responses
from billstats.web.responses import JSON

router = APIRouter(include_in_schema=True)
router.include_router(admin_router)

PREFIX = "/api/v1/partner"


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: dict[str, Any]


class VobizError(BaseModel):
    """The vendor's error body (``surfaces/vobiz/errors.py``)."""

    status: str
    error: ErrorDetail
    timestamp: str
    requestId: str


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return error_responses(
        VobizError,
        [401, *codes],
        descriptions={
            400: "INVALID_DATE_RANGE: a malformed date, from_date after to_date, too long a window",
            401: "INVALID_CREDENTIALS: missing, unknown or revoked X-Auth-ID / X-Auth-Token",
            422: "VALIDATION_ERROR (a malformed request) or a missing exchange rate",
        },
    )


@router.get(
    f"{PREFIX}/dashboard",
    response_class=JSON,
    tags=["vobiz"],
    summary="Partner dashboard: accounts, balances and the last 30 days of calls",
    responses=_errors(422),
)
def dashboard(principal: PartnerAuth, conn: ReadConn, now: Now) -> JSON:
    return JSON(service.dashboard(conn, principal, now))


@router.get(
    f"{PREFIX}/analytics",
    response_class=JSON,
    tags=["vobiz"],
    summary="Partner analytics for from_date..to_date (inclusive, default the last 30 days)",
    responses=_errors(400, 422),
)
def analytics(
    principal: PartnerAuth,
    conn: ReadConn,
    now: Now,
    from_date: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    to_date: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
) -> JSON:
    return JSON(service.analytics(conn, principal, now, from_date, to_date))
