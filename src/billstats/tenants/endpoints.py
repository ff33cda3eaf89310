from __future__ import annotations

from fastapi import APIRouter

from billstats.tenants import service
from billstats.web.deps import Analytics, ReadConn
from billstats.web.responses import JSON

router = APIRouter(prefix="/v1", tags=["tenant"])


@router.get("/tenant", response_class=JSON, summary="The tenant of the calling key")
def current_tenant(principal: Analytics, conn: ReadConn) -> JSON:
    return JSON(service.get(conn, principal.tenant_id).as_dict())
