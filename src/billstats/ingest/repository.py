"""SQL for ingest: every statement is scoped by tenant."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)

from billstats.db import tables as t
from billstats.db.dialect import MAX_IN_PARAMS, insert_ignore

Row = dict[str, Any]
KeyTuple = tuple[Any, ...]


def _chunks(items: Sequence[Any], size: int = MAX_IN_PARAMS // 2) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fetch_by_keys(
    conn: Connection,
    table: Table,
    tenant_id: int,
    key_cols: tuple[str, ...],
    keys: Sequence[KeyTuple],
) -> dict[KeyTuple, Row]:
    """Existing rows for these keys, as dicts keyed by the key tuple."""
    found: dict[KeyTuple, Row] = {}
    for part in _chunks(list(keys)):
        if len(key_cols) == 1:
            cond = table.c[key_cols[0]].in_([k[0] for k in part])
        else:
            cond = tuple_(*[table.c[c] for c in key_cols]).in_(list(part))
        stmt = select(table).where(table.c.tenant_id == tenant_id, cond)
        for row in conn.execute(stmt).mappings():
            found[tuple(row[c] for c in key_cols)] = dict(row)
    return found


def existing_ids(conn: Connection, table: Table, tenant_id: int, ids: Iterable[str]) -> set[str]:
    wanted = list(set(ids))
    found: set[str] = set()
    for part in _chunks(wanted):
        stmt = select(table.c.id).where(table.c.tenant_id == tenant_id, table.c.id.in_(part))
        found.update(conn.execute(stmt).scalars())
    return found


def insert_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    if rows:
        conn.execute(insert(table), list(rows))


def update_rows(
    conn: Connection, table: Table, key_cols: tuple[str, ...], rows: Sequence[Row]
) -> None:
    if not rows:
        return
    value_cols = [c for c in rows[0] if c not in key_cols and c != "tenant_id"]
    conds = [table.c.tenant_id == bindparam("k_tenant_id")]
    conds += [table.c[c] == bindparam(f"k_{c}") for c in key_cols]
    stmt = update(table).where(and_(*conds)).values({c: bindparam(f"v_{c}") for c in value_cols})
    params = [
        {
            "k_tenant_id": r["tenant_id"],
            **{f"k_{c}": r[c] for c in key_cols},
            **{f"v_{c}": r[c] for c in value_cols},
        }
        for r in rows
    ]
    conn.execute(stmt, params)


def insert_new_only(conn: Connection, table: Table, rows: Sequence[Row]) -> int:
    return insert_ignore(conn, table, rows)


# -- invoice lines ------------------------------------------------------------------------------


def fetch_lines(
    conn: Connection, tenant_id: int, invoice_ids: Sequence[str]
) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    cols = [c for c in t.invoice_lines.c if c.name not in ("tenant_id", "invoice_id")]
    for part in _chunks(list(invoice_ids)):
        stmt = (
            select(t.invoice_lines.c.invoice_id, *cols)
            .where(t.invoice_lines.c.tenant_id == tenant_id, t.invoice_lines.c.invoice_id.in_(part))
            .order_by(t.invoice_lines.c.invoice_id, t.invoice_lines.c.line_no)
        )
        for row in conn.execute(stmt).mappings():
            line = dict(row)
            out.setdefault(line.pop("invoice_id"), []).append(line)
    return out


def replace_lines(
    conn: Connection, tenant_id: int, lines_by_invoice: dict[str, list[Row]], *, fresh: bool
) -> None:
    if not lines_by_invoice:
        return
    if not fresh:
        for part in _chunks(list(lines_by_invoice)):
            conn.execute(
                delete(t.invoice_lines).where(
                    t.invoice_lines.c.tenant_id == tenant_id, t.invoice_lines.c.invoice_id.in_(part)
                )
            )
    rows = [
        {"tenant_id": tenant_id, "invoice_id": inv, **line}
        for inv, lines in lines_by_invoice.items()
        for line in lines
    ]
    insert_rows(conn, t.invoice_lines, rows)


# -- subscription versions ----------------------------------------------------------------------


def version_at(conn: Connection, tenant_id: int, sub_id: str, at: datetime) -> Row | None:
    v = t.subscription_versions
    stmt = (
        select(v)
        .where(v.c.tenant_id == tenant_id, v.c.subscription_id == sub_id, v.c.effective_at <= at)
        .order_by(v.c.effective_at.desc(), v.c.version.desc())
        .limit(1)
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def latest_version(conn: Connection, tenant_id: int, sub_id: str) -> Row | None:
    v = t.subscription_versions
    stmt = (
        select(v)
        .where(v.c.tenant_id == tenant_id, v.c.subscription_id == sub_id)
        .order_by(v.c.effective_at.desc(), v.c.version.desc())
        .limit(1)
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def max_version(conn: Connection, tenant_id: int, sub_id: str) -> int:
    v = t.subscription_versions
    stmt = select(func.max(v.c.version)).where(
        v.c.tenant_id == tenant_id, v.c.subscription_id == sub_id
    )
    return int(conn.execute(stmt).scalar() or 0)


def list_versions(conn: Connection, tenant_id: int, sub_id: str) -> list[Row]:
    v = t.subscription_versions
    stmt = (
        select(v)
        .where(v.c.tenant_id == tenant_id, v.c.subscription_id == sub_id)
        .order_by(v.c.effective_at, v.c.version)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


def save_current_subscription(conn: Connection, row: Row, *, exists: bool) -> None:
    if exists:
        update_rows(conn, t.subscriptions, ("id",), [row])
    else:
        insert_rows(conn, t.subscriptions, [row])


# -- cross-record checks ------------------------------------------------------------------------


def refund_totals(conn: Connection, tenant_id: int, payment_ids: Sequence[str]) -> dict[str, int]:
    # Summed in Python: Python integers cannot overflow, SQLite's 64-bit sum() can.
    r = t.refunds
    out: dict[str, int] = {}
    for part in _chunks(list(payment_ids)):
        stmt = select(r.c.payment_id, r.c.amount).where(
            r.c.tenant_id == tenant_id, r.c.payment_id.in_(part)
        )
        for pid, amount in conn.execute(stmt).all():
            out[pid] = out.get(pid, 0) + int(amount)
    return out


def plans_in_use(conn: Connection, tenant_id: int, plan_ids: Sequence[str]) -> dict[str, str]:
    """plan id -> currency of a subscription version that uses it."""
    v = t.subscription_versions
    out: dict[str, str] = {}
    for part in _chunks(list(plan_ids)):
        stmt = (
            select(v.c.plan_id, func.min(v.c.currency))
            .where(v.c.tenant_id == tenant_id, v.c.plan_id.in_(part))
            .group_by(v.c.plan_id)
        )
        out.update({plan_id: currency for plan_id, currency in conn.execute(stmt).all()})
    return out
