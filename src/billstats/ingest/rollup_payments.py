"""The payment, refund and invoice roll-ups (``payment_days``, ``refund_days``,
``invoice_days``), kept by the ingest engine.

Each record contributes to one roll-up row:

- a payment to (local day of ``created_at``, currency, mode, status, *recurring*, affiliate):
  count, amount, fee and commission; *recurring* when it is tied to a subscription, its own
  ``subscription_id`` or its invoice's;
- a refund to (local day of its ``created_at``, its payment's currency and mode): count, amount;
- an invoice to (local day of ``issued_at``, currency, mode, status, billing reason): count,
  total.

A write adds the new contributions and takes back the old ones, and moves the contributions of
the records that depend on what changed: a payment's refunds when its currency or mode changes,
the payments of an invoice that gains or loses its subscription.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, select

from billstats.db import tables as t
from billstats.db.dialect import rows_by_keys
from billstats.ingest.rollup_sql import Sums, add_sums

if TYPE_CHECKING:
    from billstats.ingest.rollups import Rollups

Row = dict[str, Any]
PAYMENT_KEY = ("day", "currency", "livemode", "status", "recurring", "affiliate_id")
REFUND_KEY = ("day", "currency", "livemode")
INVOICE_KEY = ("day", "currency", "livemode", "status", "billing_reason")
EVENT_KEY = ("day", "currency", "livemode", "event")
UNPAID = ("open", "uncollectible")


def invoice_events(invoice: Row) -> list[tuple[str, datetime]]:
    """The events of an invoice with their instants (``invoice_event_days``); none for a
    draft."""
    status = invoice["status"]
    if status in ("draft", "void"):
        return []
    issued, paid = invoice["issued_at"], invoice["paid_at"]
    due = invoice["due_at"] or issued
    events = [("due", due)]
    if status in UNPAID:
        events.append(("overdue", due))
    elif status == "paid" and paid is not None:
        events += [("paid", paid), ("closed", max(issued, paid)), ("due_closed", max(due, paid))]
        if paid > due:
            events.append(("overdue", due))
        if paid < issued:  # paid before it was issued: readers check such days apart
            events.append(("prepaid", paid))
    return events


NO_AFFILIATE = ""


def _lookup(
    conn: Connection, tenant_id: int, table: Any, ids: Iterable[Any], cols: Sequence[str]
) -> dict[str, Row]:
    wanted = sorted({(i,) for i in ids if i is not None})
    found = rows_by_keys(conn, table, tenant_id, ("id",), wanted, ("id", *cols))
    return {row["id"]: row for row in found}


class Contributions:
    """Roll-up sums of payments and refunds, as stored now (invoices and payments looked up)."""

    def __init__(self, rollups: Rollups) -> None:
        self.r = rollups
        self.payments: Sums = defaultdict(lambda: [0, 0, 0, 0])
        self.refunds: Sums = defaultdict(lambda: [0, 0])
        self.invoices: Sums = defaultdict(lambda: [0, 0])
        self.events: Sums = defaultdict(lambda: [0, 0])

    def add_payments(self, rows: Sequence[Row], sign: int) -> None:
        invoices = _lookup(
            self.r.conn, self.r.tenant_id, t.invoices, (p["invoice_id"] for p in rows),
            ("subscription_id",),
        )  # fmt: skip
        days = self.r.days
        for p in rows:
            invoice = invoices.get(p["invoice_id"]) if p["invoice_id"] is not None else None
            recurring = p["subscription_id"] is not None or (
                invoice is not None and invoice["subscription_id"] is not None
            )
            key = (
                days(p["created_at"]),
                p["currency"],
                bool(p["livemode"]),
                p["status"],
                recurring,
                p["affiliate_id"] or NO_AFFILIATE,
            )
            s = self.payments[key]
            s[0] += sign
            s[1] += sign * p["amount"]
            s[2] += sign * p["fee_amount"]
            s[3] += sign * p["affiliate_commission"]

    def add_refunds(self, rows: Sequence[Row], sign: int, payments: Mapping[str, Row]) -> None:
        """``payments``: the refunded payments' currency and mode to take (by payment id)."""
        days = self.r.days
        for r in rows:
            p = payments[r["payment_id"]]
            s = self.refunds[(days(r["created_at"]), p["currency"], bool(p["livemode"]))]
            s[0] += sign
            s[1] += sign * r["amount"]

    def add_invoices(self, rows: Sequence[Row], sign: int, events: bool = True) -> None:
        days = self.r.days
        for i in rows:
            currency, live, total = i["currency"], bool(i["livemode"]), sign * i["total"]
            key = (days(i["issued_at"]), currency, live, i["status"], i["billing_reason"])
            s = self.invoices[key]
            s[0] += sign
            s[1] += total
            if not events:
                continue
            for event, at in invoice_events(i):
                e = self.events[(days(at), currency, live, event)]
                e[0] += sign
                e[1] += total

    def write(self) -> None:
        conn, tenant = self.r.conn, self.r.tenant_id
        add_sums(conn, t.payment_days, tenant, PAYMENT_KEY, _nonzero(self.payments))
        add_sums(conn, t.refund_days, tenant, REFUND_KEY, _nonzero(self.refunds))
        add_sums(conn, t.invoice_days, tenant, INVOICE_KEY, _nonzero(self.invoices))
        add_sums(conn, t.invoice_event_days, tenant, EVENT_KEY, _nonzero(self.events))


def _nonzero(sums: Sums) -> Sums:
    return {k: v for k, v in sums.items() if any(v)}


def _payment_cols() -> list[str]:
    return [
        "customer_id", "invoice_id", "subscription_id", "amount", "currency", "status",
        "fee_amount", "affiliate_id", "affiliate_commission", "created_at", "livemode",
    ]  # fmt: skip


def payments_written(
    rollups: Rollups, old: Mapping[tuple[Any, ...], Row], new: Sequence[Row]
) -> None:
    sums = Contributions(rollups)
    before = [old[(p["id"],)] for p in new if (p["id"],) in old]
    sums.add_payments(before, -1)
    sums.add_payments(new, +1)
    # Refunds of payments whose currency or mode changed move with them.
    moved = {
        p["id"]: (old[(p["id"],)], p)
        for p in new
        if (p["id"],) in old
        and (old[(p["id"],)]["currency"], bool(old[(p["id"],)]["livemode"]))
        != (p["currency"], bool(p["livemode"]))
    }
    if moved:
        refunds = _refunds_of(rollups, sorted(moved))
        sums.add_refunds(refunds, -1, {k: v[0] for k, v in moved.items()})
        sums.add_refunds(refunds, +1, {k: v[1] for k, v in moved.items()})
    sums.write()


def _refunds_of(rollups: Rollups, payment_ids: Sequence[str]) -> list[Row]:
    return rows_by_keys(
        rollups.conn, t.refunds, rollups.tenant_id, ("payment_id",), [(p,) for p in payment_ids],
        ("id", "payment_id", "amount", "created_at"),
    )  # fmt: skip


def refunds_written(
    rollups: Rollups, old: Mapping[tuple[Any, ...], Row], new: Sequence[Row]
) -> None:
    sums = Contributions(rollups)
    before = [old[(r["id"],)] for r in new if (r["id"],) in old]
    payments = _lookup(
        rollups.conn, rollups.tenant_id, t.payments,
        (r["payment_id"] for r in (*before, *new)), ("currency", "livemode"),
    )  # fmt: skip
    sums.add_refunds(before, -1, payments)
    sums.add_refunds(new, +1, payments)
    sums.write()


def invoices_written(
    rollups: Rollups, old: Mapping[tuple[Any, ...], Row], new: Sequence[Row]
) -> None:
    """The invoices' own roll-up; payments of an invoice that gains or loses its subscription
    change *recurring*."""
    theirs = Contributions(rollups)
    theirs.add_invoices([old[(i["id"],)] for i in new if (i["id"],) in old], -1)
    theirs.add_invoices(new, +1)
    theirs.write()
    flipped = sorted(
        i["id"]
        for i in new
        if (i["id"],) in old
        and (old[(i["id"],)]["subscription_id"] is None) != (i["subscription_id"] is None)
    )
    if not flipped:
        return
    payments = rows_by_keys(
        rollups.conn, t.payments, rollups.tenant_id, ("invoice_id",), [(i,) for i in flipped],
        ("id", *_payment_cols()),
    )  # fmt: skip
    own = [x for x in payments if x["subscription_id"] is None]
    if not own:
        return
    now_recurring = {i["id"]: i["subscription_id"] is not None for i in new}
    sums = Contributions(rollups)
    # The invoices are stored with their new subscription already: the new contributions.
    sums.add_payments(own, +1)
    days = rollups.days
    for x in own:  # ... and the old ones, with the opposite *recurring*
        key = (
            days(x["created_at"]),
            x["currency"],
            bool(x["livemode"]),
            x["status"],
            not now_recurring[x["invoice_id"]],
            x["affiliate_id"] or NO_AFFILIATE,
        )
        s = sums.payments[key]
        s[0] -= 1
        s[1] -= x["amount"]
        s[2] -= x["fee_amount"]
        s[3] -= x["affiliate_commission"]
    sums.write()


def rebuild_payments(rollups: Rollups) -> None:
    """Recompute the payment and refund roll-ups of the tenant from its raw rows."""
    conn, tenant = rollups.conn, rollups.tenant_id
    for table in (t.payment_days, t.refund_days):
        conn.execute(delete(table).where(table.c.tenant_id == tenant))
    p, r = t.payments, t.refunds
    sums = Contributions(rollups)
    stmt = select(p.c.id, *[p.c[c] for c in _payment_cols()]).where(p.c.tenant_id == tenant)
    batch: list[Row] = []
    for row in conn.execute(stmt.execution_options(yield_per=20_000)).mappings():
        batch.append(dict(row))
        if len(batch) >= 20_000:
            sums.add_payments(batch, +1)
            batch = []
    sums.add_payments(batch, +1)
    payments = {
        pid: {"currency": cur, "livemode": live}
        for pid, cur, live in conn.execute(
            select(p.c.id, p.c.currency, p.c.livemode).where(p.c.tenant_id == tenant)
        )
    }
    refunds = [
        dict(row)
        for row in conn.execute(
            select(r.c.payment_id, r.c.amount, r.c.created_at).where(r.c.tenant_id == tenant)
        ).mappings()
    ]
    sums.add_refunds(refunds, +1, payments)
    sums.write()


def rebuild_invoices(rollups: Rollups, events: bool = True) -> None:
    """Recompute the invoice roll-ups of the tenant from its raw rows (``events``: the event
    roll-up too)."""
    conn, tenant = rollups.conn, rollups.tenant_id
    tables = (t.invoice_days, t.invoice_event_days) if events else (t.invoice_days,)
    for table in tables:
        conn.execute(delete(table).where(table.c.tenant_id == tenant))
    i = t.invoices
    names = ("issued_at", "currency", "livemode", "status", "billing_reason", "total")
    cols = [i.c[c] for c in (*names, "paid_at", "due_at")]
    stmt = select(*cols).where(i.c.tenant_id == tenant)
    sums = Contributions(rollups)
    sums.add_invoices([dict(row) for row in conn.execute(stmt).mappings()], +1, events)
    sums.write()
