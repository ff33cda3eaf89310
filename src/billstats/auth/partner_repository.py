"""SQL of partner credentials (``partner_credentials``) and the partner look-up they need."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from billstats.db import tables as t
from billstats.db.dialect import insert_ignore

_creds = t.partner_credentials


def partner_exists(conn: Connection, tenant_id: int, partner_id: str) -> bool:
    stmt = select(t.partners.c.id).where(
        t.partners.c.tenant_id == tenant_id, t.partners.c.id == partner_id
    )
    return conn.execute(stmt).first() is not None


def insert_credential(conn: Connection, row: dict[str, Any]) -> bool:
    """Insert one credential; False (nothing written) when its auth id is already taken."""
    return insert_ignore(conn, _creds, [row]) == 1


def get_credential(conn: Connection, auth_id: str) -> dict[str, Any] | None:
    """A credential by its auth id, in any tenant (the headers carry no tenant)."""
    row = conn.execute(select(_creds).where(_creds.c.auth_id == auth_id)).mappings().first()
    return dict(row) if row else None


def list_credentials(
    conn: Connection, tenant_id: int, partner_id: str | None = None
) -> list[dict[str, Any]]:
    stmt = select(_creds).where(_creds.c.tenant_id == tenant_id)
    if partner_id is not None:
        stmt = stmt.where(_creds.c.partner_id == partner_id)
    stmt = stmt.order_by(_creds.c.partner_id, _creds.c.created_at, _creds.c.auth_id)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def revoke_credential(
    conn: Connection, tenant_id: int, partner_id: str | None, auth_id: str, at: datetime
) -> bool:
    """Revoke an active credential; False when there is none with that id (and partner)."""
    stmt = update(_creds).where(
        _creds.c.tenant_id == tenant_id,
        _creds.c.auth_id == auth_id,
        _creds.c.revoked_at.is_(None),
    )
    if partner_id is not None:
        stmt = stmt.where(_creds.c.partner_id == partner_id)
    return conn.execute(stmt.values(revoked_at=at)).rowcount > 0
