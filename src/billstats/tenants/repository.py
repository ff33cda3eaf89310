from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, select

from billstats.db import dialect
from billstats.db import tables as t
from billstats.tenants.schemas import Tenant


def _tenant(row: object) -> Tenant:
    return Tenant(id=row.id, name=row.name, timezone=row.timezone, currency=row.currency)  # type: ignore[attr-defined]


def create(conn: Connection, name: str, timezone: str, currency: str) -> Tenant | None:
    """The new tenant, or None when the name is taken (also by a concurrent transaction that
    committed first: the unique name decides, no error)."""
    stmt = (
        dialect.insert(conn, t.tenants)
        .values(name=name, timezone=timezone, currency=currency, created_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(t.tenants.c.id)
    )
    found = conn.execute(stmt).scalar_one_or_none()
    if found is None:
        return None
    return Tenant(id=int(found), name=name, timezone=timezone, currency=currency)


def get(conn: Connection, tenant_id: int) -> Tenant | None:
    row = conn.execute(select(t.tenants).where(t.tenants.c.id == tenant_id)).first()
    return _tenant(row) if row else None


def by_name(conn: Connection, name: str) -> Tenant | None:
    row = conn.execute(select(t.tenants).where(t.tenants.c.name == name)).first()
    return _tenant(row) if row else None


def list_all(conn: Connection) -> list[Tenant]:
    return [_tenant(r) for r in conn.execute(select(t.tenants).order_by(t.tenants.c.id))]
