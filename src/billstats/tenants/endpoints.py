from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from billstats.tenants import service
from billstats.web.deps import Analytics, ReadConn
from billstats.web.openapi import native_errors
from billstats.web.responses import JSON

router = APIRouter(prefix="/v1", tags=["tenant"])


class TenantOut(BaseModel):
    tenant_id: int
    name: str
    timezone: str
    currency: str


@router.get(
    "/tenant",
    response_class=JSON,
    response_model=TenantOut,
    responses=native_errors(),
    summary="The tenant of the calling key",
)
def current_tenant(principal: Analytics, conn: ReadConn) -> JSON:
    return JSON(service.get(conn, principal.tenant_id).as_dict())
