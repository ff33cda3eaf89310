"""Dependencies of the vobiz-compatible surface: partner credentials and the clock."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from billstats.auth import partner_credentials
from billstats.auth.principal import Principal
from billstats.web.deps import ReadConn


def partner_principal(
    conn: ReadConn,
    x_auth_id: Annotated[str | None, Header(alias="X-Auth-ID")] = None,
    x_auth_token: Annotated[str | None, Header(alias="X-Auth-Token")] = None,
) -> Principal:
    """The partner behind ``X-Auth-ID`` / ``X-Auth-Token`` (401 INVALID_CREDENTIALS if none)."""
    return partner_credentials.authenticate(conn, x_auth_id, x_auth_token)


PartnerAuth = Annotated[Principal, Depends(partner_principal)]
