"""Dependencies of the portal surface: the clock, the portal signing key, the portal principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from billstats.auth import portal_tokens
from billstats.auth.portal_tokens import InvalidPortalToken
from billstats.auth.principal import Principal
from billstats.db.dialect import read_transaction
from billstats.metrics.portal_data import load_customer
from billstats.web.deps import EngineDep, Now, SettingsDep


def portal_signing_key(engine: EngineDep, settings: SettingsDep) -> bytes:
    return portal_tokens.portal_key(engine, settings)


PortalKey = Annotated[bytes, Depends(portal_signing_key)]


def portal_principal(
    token: Annotated[str, Query(title="Token")],
    key: PortalKey,
    engine: EngineDep,
    now: Now,
) -> Principal:
    """The customer a portal token names; 401 for a bad or expired token or a customer that is
    no longer there."""
    claims = portal_tokens.verify(key, token, now=now)
    with read_transaction(engine) as conn:
        if load_customer(conn, claims.tenant_id, claims.customer_id) is None:
            raise InvalidPortalToken()
    return Principal(
        tenant_id=claims.tenant_id,
        scopes=frozenset(),
        credential="portal",
        credential_id=f"portal:{claims.customer_id}",
        customer_id=claims.customer_id,
    )


PortalCustomer = Annotated[Principal, Depends(portal_principal)]
