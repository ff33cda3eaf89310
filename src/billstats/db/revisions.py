"""The tenant's data revision: one counter per tenant, raised by every write that changes data.

The ingest engine calls :func:`bump` in the transaction of every batch (a ``PUT`` or a bulk
import) that created or updated at least one record, so the new revision commits together with
the data; a batch that changes nothing leaves it alone.  Readers call :func:`current` in their
own transaction and key whatever they derive from the ledger by it
(:mod:`billstats.metrics.derived`): a derived value computed at revision *r* is only ever used
for a snapshot at revision *r*.

On PostgreSQL the bump takes the counter row's lock until the transaction ends; writers call it
last, just before committing, so concurrent ``PUT``\\s queue on it only for their commit.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.db.dialect import insert

_rev = t.data_revisions


def current(conn: Connection, tenant_id: int) -> int:
    """The tenant's revision as the transaction of ``conn`` sees it (0: nothing written yet)."""
    found = conn.execute(select(_rev.c.revision).where(_rev.c.tenant_id == tenant_id)).first()
    return int(found[0]) if found is not None else 0


def bump(conn: Connection, tenant_id: int) -> None:
    """Raise the tenant's revision by one, in the caller's transaction."""
    stmt = insert(conn, _rev).values(tenant_id=tenant_id, revision=1)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[_rev.c.tenant_id], set_={"revision": _rev.c.revision + 1}
        )
    )
