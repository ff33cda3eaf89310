"""Endpoints of the vobiz-compatible surface (and the admin endpoints of its credentials)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from billstats.surfaces.vobiz import service
from billstats.surfaces.vobiz.admin import router as admin_router
from billstats.surfaces.vobiz.deps import PartnerAuth
from billstats.web.deps import Now, ReadConn
from billstats.web.responses import JSON

router = APIRouter(include_in_schema=True)
router.include_router(admin_router)

PREFIX = "/api/v1/partner"


@router.get(
    f"{PREFIX}/dashboard",
    response_class=JSON,
    tags=["vobiz"],
    summary="Partner dashboard: accounts, balances and the last 30 days of calls",
)
def dashboard(principal: PartnerAuth, conn: ReadConn, now: Now) -> JSON:
    return JSON(service.dashboard(conn, principal, now))


@router.get(
    f"{PREFIX}/analytics",
    response_class=JSON,
    tags=["vobiz"],
    summary="Partner analytics for from_date..to_date (inclusive, default the last 30 days)",
)
def analytics(
    principal: PartnerAuth,
    conn: ReadConn,
    now: Now,
    from_date: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    to_date: Annotated[str | None, Query(description="YYYY-MM-DD, inclusive")] = None,
) -> JSON:
    return JSON(service.analytics(conn, principal, now, from_date, to_date))
