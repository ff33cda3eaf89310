"""Load the demo data into a tenant through the regular ingest path, and issue an admin key.

Re-running with the same parameters re-imports the same records, which the idempotent engine
reports as unchanged.  Data generated for another anchor date, seed or scale would clash with
what is stored (append-only call records, usage events and wallet transactions cannot change),
so in that case the tenant is left exactly as it is and served as it stands.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from billstats.auth.service import create_key
from billstats.db import tables as t
from billstats.db.dialect import read_transaction, write_transaction
from billstats.demo.config import TENANT_CURRENCY, TENANT_TIMEZONE, DemoConfig
from billstats.demo.customers import simulate
from billstats.demo.stream import iter_records
from billstats.ingest.kinds import KINDS
from billstats.ingest.service import import_records
from billstats.tenants import repository as tenant_repo
from billstats.tenants.service import create_tenant

DEFAULT_TENANT = "demo"


@dataclass
class DemoLoad:
    tenant_id: int
    tenant_name: str
    tenant_created: bool
    imported: bool
    seconds: float
    summary: dict[str, Any] | None = None
    note: str | None = None
    key: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "tenant_name": self.tenant_name,
            "tenant_created": self.tenant_created,
            "imported": self.imported,
            "load_seconds": round(self.seconds, 2),
            "import": self.summary,
            "note": self.note,
        }


def ensure_tenant(engine: Engine, name: str) -> tuple[int, bool]:
    """The tenant's id, creating it (America/New_York, USD) when missing."""
    with write_transaction(engine) as conn:
        found = tenant_repo.by_name(conn, name)
        if found is not None:
            return found.id, False
        return create_tenant(conn, name, TENANT_TIMEZONE, TENANT_CURRENCY).id, True


def stored_matches(conn: Connection, tenant_id: int, config: DemoConfig) -> tuple[bool, str]:
    """Whether the tenant's data is what ``config`` generates (or nothing yet); and a reason."""
    customers = conn.execute(
        select(func.count()).select_from(t.customers).where(t.customers.c.tenant_id == tenant_id)
    ).scalar_one()
    if customers == 0:
        return True, "empty"
    last_fx = conn.execute(
        select(func.max(t.fx_rates.c.day)).where(t.fx_rates.c.tenant_id == tenant_id)
    ).scalar()
    if last_fx != config.anchor:
        when = last_fx.isoformat() if last_fx is not None else "an unknown date"
        return False, f"it holds data generated for anchor date {when}"
    expected = config.n_customers + config.n_partner_accounts
    if customers != expected:
        return False, f"it holds {customers} customers, this run would generate {expected}"
    if config.n_customers:
        kind = KINDS["customers"]
        data = dict(simulate(config, 1).customer_record()["data"])
        key = {"id": data.pop("id")}
        wanted = kind.pack(kind.schema.model_validate(data), {"tenant_id": tenant_id, **key})
        row = (
            conn.execute(
                select(t.customers).where(
                    t.customers.c.tenant_id == tenant_id, t.customers.c.id == key["id"]
                )
            )
            .mappings()
            .first()
        )
        if row is None or any(row[k] != v for k, v in wanted.items()):
            return False, "it holds data generated with another seed"
    return True, "same parameters"


def load_demo(
    engine: Engine,
    config: DemoConfig,
    *,
    tenant_name: str = DEFAULT_TENANT,
    chunk_size: int = 5000,
    progress: Callable[[int], None] | None = None,
    issue_key: bool = True,
) -> DemoLoad:
    """Create or reuse the demo tenant, import the demo stream, issue a fresh admin key."""
    started = time.monotonic()
    tenant_id, created = ensure_tenant(engine, tenant_name)
    with read_transaction(engine) as conn:
        same, reason = stored_matches(conn, tenant_id, config)
    result = DemoLoad(tenant_id, tenant_name, created, imported=same, seconds=0.0)
    if same:
        with write_transaction(engine) as conn:
            result.summary = import_records(
                conn, tenant_id, iter_records(config), chunk_size=chunk_size, progress=progress
            )
    else:
        result.note = (
            f"tenant {tenant_name!r} was left unchanged: {reason}, not with "
            f"{config.describe()}. Use another --tenant-name for fresh data."
        )
    result.seconds = time.monotonic() - started
    if issue_key:
        with write_transaction(engine) as conn:
            result.key = create_key(conn, tenant_id, ["admin"], name="demo")
    return result
