from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from billstats.db import tables as t


def insert_key(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(t.api_keys).values(**row))


def get_key(conn: Connection, key_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(t.api_keys).where(t.api_keys.c.key_id == key_id)).mappings().first()
    return dict(row) if row else None


def list_keys(conn: Connection, tenant_id: int) -> list[dict[str, Any]]:
    stmt = (
        select(t.api_keys)
        .where(t.api_keys.c.tenant_id == tenant_id)
        .order_by(t.api_keys.c.created_at)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def revoke_key(conn: Connection, tenant_id: int, key_id: str, at: datetime) -> bool:
    stmt = (
        update(t.api_keys)
        .where(
            t.api_keys.c.tenant_id == tenant_id,
            t.api_keys.c.key_id == key_id,
            t.api_keys.c.revoked_at.is_(None),
        )
        .values(revoked_at=at)
    )
    return conn.execute(stmt).rowcount > 0
