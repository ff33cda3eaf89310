"""The queries behind the customer portal: one customer's records as of an instant.

Every query is scoped by tenant and customer (wallet transactions and payments through the
customer's own wallets and invoices) and uses the ``(tenant_id, customer_id ...)`` indexes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select

from billstats.db import tables as t

Row = dict[str, Any]


@dataclass(frozen=True)
class Amount:
    """An amount in micros of ``currency``."""

    currency: str
    micros: int


def load_customer(conn: Connection, tenant_id: int, customer_id: str) -> Row | None:
    c = t.customers
    row = conn.execute(
        select(c.c.id, c.c.currency, c.c.created_at).where(
            c.c.tenant_id == tenant_id, c.c.id == customer_id
        )
    ).first()
    return dict(row._mapping) if row is not None else None


def subscription_versions(
    conn: Connection, tenant_id: int, customer_id: str, now: datetime
) -> dict[str, list[Row]]:
    """Each of the customer's subscriptions: its versions in effect order, up to ``now``."""
    s, v = t.subscriptions, t.subscription_versions
    ids = select(s.c.id).where(s.c.tenant_id == tenant_id, s.c.customer_id == customer_id)
    query = (
        select(v)
        .where(
            v.c.tenant_id == tenant_id,
            v.c.subscription_id.in_(ids.scalar_subquery()),
            v.c.effective_at <= now,
        )
        .order_by(v.c.subscription_id, v.c.effective_at, v.c.version)
    )
    out: dict[str, list[Row]] = {}
    for row in conn.execute(query):
        out.setdefault(row.subscription_id, []).append(dict(row._mapping))
    return out


def load_plans(conn: Connection, tenant_id: int, plan_ids: Iterable[str]) -> dict[str, Row]:
    wanted = sorted(set(plan_ids))
    if not wanted:
        return {}
    p = t.plans
    rows = conn.execute(select(p).where(p.c.tenant_id == tenant_id, p.c.id.in_(wanted)))
    return {r.id: dict(r._mapping) for r in rows}


def usage_totals(
    conn: Connection,
    tenant_id: int,
    customer_id: str,
    subscription_id: str,
    start: datetime,
    until: datetime,
) -> dict[tuple[str | None, str], int]:
    """Usage quantity (micros) per (subscription_id or None, metric) with ``start <= timestamp
    <= until``, of events tied to ``subscription_id`` or to no subscription."""
    u = t.usage_events
    query = (
        select(u.c.subscription_id, u.c.metric_code, func.sum(u.c.quantity))
        .where(
            u.c.tenant_id == tenant_id,
            u.c.customer_id == customer_id,
            u.c.timestamp >= start,
            u.c.timestamp <= until,
            or_(u.c.subscription_id == subscription_id, u.c.subscription_id.is_(None)),
        )
        .group_by(u.c.subscription_id, u.c.metric_code)
    )
    return {(sub, metric): int(total) for sub, metric, total in conn.execute(query)}


def open_invoices(
    conn: Connection, tenant_id: int, customer_id: str, now: datetime
) -> list[Amount]:
    """The amount still due on each open invoice issued by ``now``: its total less the
    succeeded payments made on it by ``now`` (net of their refunds by ``now``), never below 0."""
    i, p, r = t.invoices, t.payments, t.refunds
    # By the customer index: the customer's open invoices, those issued by now, in id order.
    # Neither a condition on issued_at nor ORDER BY id is left to SQLite: either lets it walk
    # the tenant's invoices by the issue-date or primary-key index instead (all 614,270 of them
    # at scale 100: 80 ms for a customer with a handful).
    invoices = sorted(
        (
            row
            for row in conn.execute(
                select(i.c.id, i.c.currency, i.c.total, i.c.issued_at).where(
                    i.c.tenant_id == tenant_id,
                    i.c.customer_id == customer_id,
                    i.c.status == "open",
                )
            ).all()
            if row.issued_at <= now
        ),
        key=lambda row: str(row.id),
    )
    if not invoices:
        return []
    ids = [row.id for row in invoices]
    # The customer's succeeded payments on these invoices by now (by the customer index), then
    # their refunds by now (by the payment index): never a walk over the tenant's refunds.
    payments = conn.execute(
        select(p.c.id, p.c.invoice_id, p.c.amount).where(
            p.c.tenant_id == tenant_id,
            p.c.customer_id == customer_id,
            p.c.invoice_id.in_(ids),
            p.c.status == "succeeded",
            p.c.created_at <= now,
        )
    ).all()
    paid: dict[str, int] = {}
    invoice_of: dict[str, str] = {}
    for pid, invoice_id, amount in payments:
        paid[invoice_id] = paid.get(invoice_id, 0) + int(amount)
        invoice_of[pid] = invoice_id
    refunded: dict[str, int] = {}
    if invoice_of:
        refund_query = (
            select(r.c.payment_id, func.sum(r.c.amount))
            .where(
                r.c.tenant_id == tenant_id,
                r.c.payment_id.in_(sorted(invoice_of)),
                r.c.created_at <= now,
            )
            .group_by(r.c.payment_id)
        )
        for pid, total in conn.execute(refund_query):
            invoice_id = invoice_of[pid]
            refunded[invoice_id] = refunded.get(invoice_id, 0) + int(total)
    return [
        Amount(row.currency, max(0, row.total - paid.get(row.id, 0) + refunded.get(row.id, 0)))
        for row in invoices
    ]


def active_wallets(
    conn: Connection, tenant_id: int, customer_id: str, now: datetime
) -> list[Amount]:
    """Each active wallet's balance: the sum of its transactions made by ``now``."""
    w, x = t.wallets, t.wallet_transactions
    # By the customer index, sorted here (ORDER BY id would walk the tenant's wallets by key).
    wallets = sorted(
        conn.execute(
            select(w.c.id, w.c.currency).where(
                w.c.tenant_id == tenant_id, w.c.customer_id == customer_id, w.c.status == "active"
            )
        ).all(),
        key=lambda row: str(row.id),
    )
    if not wallets:
        return []
    query = (
        select(x.c.wallet_id, func.sum(x.c.amount))
        .where(
            x.c.tenant_id == tenant_id,
            x.c.wallet_id.in_([row.id for row in wallets]),
            x.c.created_at <= now,
        )
        .group_by(x.c.wallet_id)
    )
    balances = {wallet: int(total) for wallet, total in conn.execute(query)}
    return [Amount(row.currency, balances.get(row.id, 0)) for row in wallets]
