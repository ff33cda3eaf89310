from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, insert, select

from billstats.db import tables as t
from billstats.tenants.schemas import Tenant


def _tenant(row: object) -> Tenant:
    return Tenant(id=row.id, name=row.name, timezone=row.timezone, currency=row.currency)  # type: ignore[attr-defined]


def create(conn: Connection, name: str, timezone: str, currency: str) -> Tenant:
    result = conn.execute(
        insert(t.tenants)
        .values(name=name, timezone=timezone, currency=currency, created_at=datetime.now(UTC))
        .returning(t.tenants.c.id)
    )
    return Tenant(id=int(result.scalar_one()), name=name, timezone=timezone, currency=currency)


def get(conn: Connection, tenant_id: int) -> Tenant | None:
    row = conn.execute(select(t.tenants).where(t.tenants.c.id == tenant_id)).first()
    return _tenant(row) if row else None


def by_name(conn: Connection, name: str) -> Tenant | None:
    row = conn.execute(select(t.tenants).where(t.tenants.c.name == name)).first()
    return _tenant(row) if row else None


def list_all(conn: Connection) -> list[Tenant]:
    return [_tenant(r) for r in conn.execute(select(t.tenants).order_by(t.tenants.c.id))]
