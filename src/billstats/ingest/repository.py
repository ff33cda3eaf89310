"""SQL for ingest: every statement is scoped by tenant."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    delete,
    func,
    select,
)

from billstats.db import dialect
from billstats.db import tables as t
from billstats.db.dialect import MAX_IN_PARAMS, insert_ignore, rows_by_keys

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
    found = rows_by_keys(conn, table, tenant_id, key_cols, keys)
    if key_cols == ("id",):
        return {(row["id"],): row for row in found}
    return {tuple(row[c] for c in key_cols): row for row in found}


def existing_ids(conn: Connection, table: Table, tenant_id: int, ids: Iterable[str]) -> set[str]:
    found = rows_by_keys(conn, table, tenant_id, ("id",), [(i,) for i in set(ids)], ("id",))
    return {row["id"] for row in found}


def insert_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    dialect.insert_rows(conn, table, rows)


def update_rows(
    conn: Connection, table: Table, key_cols: tuple[str, ...], rows: Sequence[Row]
) -> None:
    dialect.update_rows(conn, table, key_cols, rows)


def insert_new_only(conn: Connection, table: Table, rows: Sequence[Row]) -> int:
    return insert_ignore(conn, table, rows)


# -- invoice lines ------------------------------------------------------------------------------


def fetch_lines(
    conn: Connection, tenant_id: int, invoice_ids: Sequence[str]
) -> dict[str, list[Row]]:
    found = rows_by_keys(
        conn, t.invoice_lines, tenant_id, ("invoice_id",), [(i,) for i in invoice_ids]
    )
    found.sort(key=lambda line: (line["invoice_id"], line["line_no"]))
    out: dict[str, list[Row]] = {}
    for line in found:
        del line["tenant_id"]
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


def list_versions(conn: Connection, tenant_id: int, sub_id: str) -> list[Row]:
    v = t.subscription_versions
    stmt = (
        select(v)
        .where(v.c.tenant_id == tenant_id, v.c.subscription_id == sub_id)
        .order_by(v.c.effective_at, v.c.version)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


# -- cross-record checks ------------------------------------------------------------------------


def refund_totals(conn: Connection, tenant_id: int, payment_ids: Sequence[str]) -> dict[str, int]:
    # Summed in Python: Python integers cannot overflow, SQLite's 64-bit sum() can.
    found = rows_by_keys(
        conn, t.refunds, tenant_id, ("payment_id",), [(p,) for p in payment_ids],
        ("payment_id", "amount"),
    )  # fmt: skip
    out: dict[str, int] = {}
    for row in found:
        pid = row["payment_id"]
        out[pid] = out.get(pid, 0) + int(row["amount"])
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
