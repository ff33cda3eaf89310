"""Native admin endpoints that manage partner credentials (``/v1``, native error format)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from billstats.auth import partner_credentials
from billstats.web.deps import Admin, ReadConn, WriteConn
from billstats.web.openapi import native_errors
from billstats.web.responses import JSON

router = APIRouter(prefix="/v1", tags=["partner credentials"])


class PartnerCredential(BaseModel):
    auth_id: str
    tenant_id: int
    partner_id: str
    created_at: str
    revoked_at: str | None


class IssuedCredential(PartnerCredential):
    token: str


class CredentialList(BaseModel):
    data: list[PartnerCredential]


class Revoked(BaseModel):
    auth_id: str
    revoked: bool
    revoked_at: str


@router.post(
    "/partners/{partner_id}/credentials",
    response_class=JSON,
    status_code=201,
    response_model=IssuedCredential,
    responses=native_errors(404),
    summary="Issue an X-Auth-ID / X-Auth-Token pair for a partner (the token is shown once)",
)
def create_credentials(partner_id: str, principal: Admin, conn: WriteConn) -> JSON:
    return JSON(partner_credentials.create_credentials(conn, principal.tenant_id, partner_id), 201)


@router.get(
    "/partners/{partner_id}/credentials",
    response_class=JSON,
    response_model=CredentialList,
    responses=native_errors(404),
    summary="List a partner's credentials (never their tokens)",
)
def list_credentials(partner_id: str, principal: Admin, conn: ReadConn) -> JSON:
    items = partner_credentials.list_credentials(conn, principal.tenant_id, partner_id)
    return JSON({"data": items})


@router.delete(
    "/partners/{partner_id}/credentials/{auth_id}",
    response_class=JSON,
    response_model=Revoked,
    responses=native_errors(404),
    summary="Revoke a partner credential at once",
)
def revoke_credentials(partner_id: str, auth_id: str, principal: Admin, conn: WriteConn) -> JSON:
    return JSON(
        partner_credentials.revoke_credentials(
            conn, principal.tenant_id, auth_id, partner_id=partner_id
        )
    )
