"""Shared indexes behind the Pabbly dashboard without a product filter (per data revision).

Counts of *distinct* things in a window (paying customers, rebilled subscriptions, customers
with a subscription) cannot be summed from daily roll-ups.  These indexes hold, per mode, the
instants and values of the records concerned in compact arrays, sorted once per revision; a
window then costs a bisection and the distinct values of its records (a window reaching the
latest record takes each value's latest instant instead, so even "all time" reads only one
entry per value).  Unpaid invoices are few: they are kept whole, and a window filters them.

Each function returns what the walk over the raw rows in :mod:`billstats.metrics.sales` and
:mod:`billstats.metrics.invoices` returns.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Sequence
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from billstats.db import tables as t
from billstats.metrics import derived
from billstats.metrics.calendar import Span, local_date
from billstats.metrics.invoices import CYCLE, UNPAID, InvoiceFigures, invoice_figures
from billstats.metrics.mrr_shared import Source, SubscribedIndex, micros
from billstats.metrics.mrr_timeline import Scope
from billstats.metrics.rollup_days import split
from billstats.metrics.rollup_flows import add, everything, merge


class Distinct:
    """Records (instant, value) sorted by instant: the distinct values of a window."""

    def __init__(self, rows: Sequence[tuple[datetime, Hashable]]) -> None:
        self.values: list[Hashable] = []
        index: dict[Hashable, int] = {}
        self.instants = array("q")
        self.who = array("q")
        last: dict[int, int] = {}
        for at, value in rows:
            i = index.get(value)
            if i is None:
                i = index[value] = len(self.values)
                self.values.append(value)
            us = micros(at)
            self.instants.append(us)
            self.who.append(i)
            last[i] = us
        latest = sorted((us, i) for i, us in last.items())
        self.last_instants = array("q", (us for us, _ in latest))
        self.last_who = array("q", (i for _, i in latest))

    def among(self, start: datetime, end: datetime) -> set[Any]:
        """The distinct values of the records with ``start <= instant < end``."""
        lo, hi = bisect_left(self.instants, micros(start)), bisect_left(self.instants, micros(end))
        if lo >= hi:
            return set()
        if hi == len(self.instants):  # every later record is in: each value's latest instant
            found = set(self.last_who[bisect_left(self.last_instants, micros(start)) :])
        else:
            found = set(self.who[lo:hi])
        return set(map(self.values.__getitem__, found))

    def reaches_end(self, start: datetime, end: datetime) -> bool:
        """Whether every record from ``start`` on is before ``end`` (and there is one)."""
        lo, hi = bisect_left(self.instants, micros(start)), bisect_left(self.instants, micros(end))
        return lo < hi == len(self.instants)

    def count(self, start: datetime, end: datetime) -> int:
        """How many distinct values :meth:`among` finds (without building them)."""
        lo, hi = bisect_left(self.instants, micros(start)), bisect_left(self.instants, micros(end))
        if lo >= hi:
            return 0
        if hi == len(self.instants):  # each value whose latest instant is in
            return len(self.last_instants) - bisect_left(self.last_instants, micros(start))
        return len(set(self.who[lo:hi]))

    @property
    def nbytes(self) -> int:
        return 16 * len(self.instants) + 16 * len(self.last_instants) + 80 * len(self.values)


class Customers:
    """Counts the customers with a subscription (``index``: the subscribed segments by end) or a
    payment (``paid``) in a window that reaches the latest payment, without building either set.

    In such a window a customer paid iff its latest payment is at or after the start, and it had
    a subscription iff a segment ends after the start, unless each of those starts at or after
    the window's end (``SubscribedIndex.late``: the few segments that start in the future).  So,
    per customer, the later of its latest segment end and just after its latest payment, sorted:
    a bisection counts the customers past the start, less the late ones that did not pay.
    """

    def __init__(self, index: SubscribedIndex, paid: Distinct) -> None:
        latest = {c: index.ends[p[-1]] for c, p in index.positions.items()}
        self.paid_last: dict[str, int] = {}
        for us, i in zip(paid.last_instants, paid.last_who, strict=True):
            customer = cast(str, paid.values[i])
            self.paid_last[customer] = us
            latest[customer] = max(latest.get(customer, us + 1), us + 1)
        self.keys = array("q", sorted(latest.values()))

    def count(self, index: SubscribedIndex, paid: Distinct, start: datetime, end: datetime) -> int:
        """``len(subscribed customers of the window | payers of the window)``."""
        if not paid.reaches_end(start, end):
            return index.count_with(start, end, paid.among(start, end))
        first, last = micros(start), micros(end)
        late = index.late(bisect_right(index.ends, first), first, last)
        if late is None:
            return index.count_with(start, end, paid.among(start, end))
        unpaid_late = sum(1 for c in late if self.paid_last.get(c, first - 1) < first)
        return len(self.keys) - bisect_right(self.keys, first) - unpaid_late

    @property
    def nbytes(self) -> int:
        return 8 * len(self.keys) + 100 * len(self.paid_last) + 64


def customers(source: Source, scope: Scope, index: SubscribedIndex, paid: Distinct) -> Customers:
    """The :class:`Customers` of ``index`` (the subscribed segments of the history at ``source``
    under ``scope``) and ``paid`` (the payers of the same snapshot and ``scope``'s mode), shared
    per revision."""

    def build() -> tuple[Customers, int]:
        made = Customers(index, paid)
        return made, made.nbytes

    return derived.derived(source.snap, ("dashboard.customers", source.epoch, scope), build)


def _distinct(conn: Connection, snap: derived.Snapshot, name: Hashable, stmt: Any) -> Distinct:
    def build() -> tuple[Distinct, int]:
        made = Distinct([(at, value) for at, value in conn.execute(stmt)])
        return made, made.nbytes + 64

    return derived.from_database(conn, snap, name, build)


def payers(conn: Connection, snap: derived.Snapshot, livemode: bool) -> Distinct:
    """Customers of succeeded payments by ``created_at``."""
    p = t.payments
    stmt = (
        select(p.c.created_at, p.c.customer_id)
        .where(p.c.tenant_id == snap.tenant_id, p.c.status == "succeeded")
        .where(p.c.livemode.is_(livemode))
        .order_by(p.c.created_at)
    )
    return _distinct(conn, snap, ("dashboard.payers", livemode), stmt)


def rebilled(conn: Connection, snap: derived.Snapshot, livemode: bool) -> Distinct:
    """Subscriptions (or None) of ``subscription_cycle`` invoices by ``issued_at``."""
    i = t.invoices
    stmt = (
        select(i.c.issued_at, i.c.subscription_id)
        .where(i.c.tenant_id == snap.tenant_id, i.c.billing_reason == CYCLE)
        .where(i.c.livemode.is_(livemode))
        .order_by(i.c.issued_at)
    )
    return _distinct(conn, snap, ("dashboard.rebilled", livemode), stmt)


Unpaid = list[tuple[datetime, datetime, str, int]]  # (issued_at, due, currency, total)


def unpaid(conn: Connection, snap: derived.Snapshot, livemode: bool) -> Unpaid:
    """Open and uncollectible invoices by ``issued_at``, with their due instant."""
    i = t.invoices

    def build() -> tuple[Unpaid, int]:
        stmt = (
            select(
                i.c.issued_at,
                func.coalesce(i.c.due_at, i.c.issued_at),
                i.c.currency,
                i.c.total,
            )
            .where(i.c.tenant_id == snap.tenant_id, i.c.status.in_(UNPAID))
            .where(i.c.livemode.is_(livemode))
            .order_by(i.c.issued_at)
        )
        rows: Unpaid = [tuple(r) for r in conn.execute(stmt)]
        return rows, 200 * len(rows) + 64

    return derived.from_database(conn, snap, ("dashboard.unpaid", livemode), build)


def invoice_figures_fast(
    conn: Connection, tenant_id: int, span: Span, tz: ZoneInfo, now: datetime
) -> InvoiceFigures:
    """``invoices.invoice_figures`` of live data without a product filter: rebill amounts from
    the ``invoice_days`` roll-up (raw rows at the span's edges), rebilled subscriptions and
    missed invoices from the shared indexes."""
    snap = derived.snapshot(conn, tenant_id)
    out = InvoiceFigures()
    parts = split(span, tz)
    if parts.first is not None:
        d = t.invoice_days
        stmt = (
            select(d.c.currency, d.c.day, func.sum(d.c.invoices), func.sum(d.c.total))
            .where(d.c.tenant_id == tenant_id, d.c.day >= parts.first, d.c.day <= parts.last)
            .where(d.c.livemode.is_(True), d.c.billing_reason == CYCLE)
            .group_by(d.c.currency, d.c.day)
        )
        for currency, day, n, total in conn.execute(stmt):
            add(out.rebills, currency, day, int(total), int(n))
    for piece in parts.pieces:
        merge(
            out.rebills, invoice_figures(conn, tenant_id, piece, tz, everything(True), now).rebills
        )
    out.rebilled_count = rebilled(conn, snap, True).count(span.start, span.end)
    rows = unpaid(conn, snap, True)
    lo = bisect_left(rows, span.start, key=lambda r: r[0])
    hi = bisect_left(rows, span.end, key=lambda r: r[0])
    for issued_at, due, currency, total in rows[lo:hi]:
        if due < now:
            out.missed.add(currency, local_date(issued_at, tz), total)
    return out
