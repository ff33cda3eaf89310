"""Native metric ``invoices``: what was billed, paid and left unpaid in each bucket.

Flows (each invoice in the bucket of the tenant-local day of the instant named; amounts are
invoice totals, tax included, converted on that day):

- ``invoices_issued``: invoices issued in the bucket (any status but ``draft``);
- ``invoices_paid``: invoices with status ``paid`` whose ``paid_at`` is in the bucket;
- ``invoices_overdue``: invoices that fell overdue in the bucket: their due instant (``due_at``,
  or ``issued_at`` when they have none) is in it and they were unpaid then (``open`` or
  ``uncollectible`` now, or paid only after it).

Levels (read at the bucket's last instant that is not in the future, converted on its day):

- ``invoices_open``: outstanding invoices: issued by then and unpaid then (status ``open`` or
  ``uncollectible``, or ``paid`` later), whether due or not;
- ``overdue_balance``: the total of those already past due.

Invoices carry only their current status: a ``void`` invoice never counts as outstanding (when it
was voided is not recorded), an ``uncollectible`` one counts as outstanding from its issue on.
Filters: livemode, currency, product and plan (of the invoice's subscription at its issue
instant; invoices without a subscription count only unfiltered).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from billstats.db import tables as t
from billstats.metrics.calendar import Span, local_date
from billstats.metrics.native_support import (
    Buckets,
    Money,
    Part,
    covering,
    level_instants,
    record_scope,
)
from billstats.metrics.registry import Bucket, Context, Field, Metric, Row, register
from billstats.metrics.rollup_invoices import invoice_parts
from billstats.metrics.tally import Tally

DRAFT, PAID, VOID = "draft", "paid", "void"
UNPAID = ("open", "uncollectible")


@dataclass
class _Level:
    """Per currency, changes of a level at bucket indices (a difference array)."""

    micros: dict[str, list[int]] = field(default_factory=dict)
    counts: dict[str, list[int]] = field(default_factory=dict)

    def add(self, size: int, currency: str, lo: int, hi: int, total: int) -> None:
        if lo >= hi:
            return
        micros = self.micros.setdefault(currency, [0] * (size + 1))
        counts = self.counts.setdefault(currency, [0] * (size + 1))
        micros[lo] += total
        micros[hi] -= total
        counts[lo] += 1
        counts[hi] -= 1

    def tallies(self, ends: Sequence[datetime], ctx: Context) -> list[Tally]:
        out = [Tally() for _ in ends]
        days = [local_date(e - timedelta(microseconds=1), ctx.timezone) for e in ends]
        for currency, diffs in self.micros.items():
            counts = self.counts[currency]
            micros = n = 0
            for i, day in enumerate(days):
                micros += diffs[i]
                n += counts[i]
                if n:
                    out[i].count += n
                    out[i].sums[(currency, day)] += micros
                    out[i].counts[(currency, day)] += n
        return out


@dataclass
class InvoiceBuckets:
    issued: list[Part]
    paid: list[Part]
    overdue: list[Part]
    open: list[Part]
    past_due: list[Part]


def _rows(ctx: Context, span: Span) -> list[Any]:
    """The invoices a computation over ``span`` needs (in scope), loaded once per request."""
    key = ("native_invoices.rows", span.start, span.end)
    if key not in ctx.cache:
        i = t.invoices
        due = func.coalesce(i.c.due_at, i.c.issued_at).label("due")
        stmt = select(
            i.c.subscription_id,
            i.c.currency,
            i.c.status,
            i.c.total,
            i.c.issued_at,
            i.c.paid_at,
            due,
        ).where(
            i.c.tenant_id == ctx.tenant_id,
            i.c.livemode.is_(ctx.filters.livemode),
            i.c.issued_at < span.end,
            i.c.status != DRAFT,
            # issued in the range, or unpaid (now, or at some instant of the range)
            or_(i.c.issued_at >= span.start, i.c.status.in_(UNPAID), i.c.paid_at >= span.start),
        )
        if ctx.filters.currency is not None:
            stmt = stmt.where(i.c.currency == ctx.filters.currency)
        scope = record_scope(ctx)
        ctx.cache[key] = [
            row
            for row in ctx.conn.execute(stmt)
            if scope.includes(row.subscription_id, row.issued_at)
        ]
    rows: list[Any] = ctx.cache[key]
    return rows


def _load(ctx: Context, buckets: Sequence[Bucket]) -> tuple[Money, InvoiceBuckets]:
    if ctx.filters.product_id is None and ctx.filters.plan_id is None:
        # Every invoice of the mode counts: the daily roll-ups (rollup_invoices).
        found = invoice_parts(ctx, buckets)
        return Money(ctx), InvoiceBuckets(**found)
    return _load_rows(ctx, buckets)


def _load_rows(ctx: Context, buckets: Sequence[Bucket]) -> tuple[Money, InvoiceBuckets]:
    """The figures from the invoices themselves (each judged by its subscription's product or
    plan at its issue instant)."""
    span = covering(buckets, ctx.now)
    where = Buckets(buckets)
    size = len(buckets)
    flows = {name: [Tally() for _ in buckets] for name in ("issued", "paid", "overdue")}
    ends = level_instants(buckets, ctx.now)
    outstanding, past_due = _Level(), _Level()
    tz = ctx.timezone

    def flow(name: str, at: datetime, currency: str, total: int) -> None:
        if span.contains(at):
            index = where.index(local_date(at, tz))
            if index is not None:
                flows[name][index].add(currency, local_date(at, tz), total)

    for row in _rows(ctx, span):
        paid_at = row.paid_at if row.status == PAID else None
        if row.status == PAID and paid_at is None:
            continue  # cannot happen (ingest requires paid_at), but never guess an instant
        flow("issued", row.issued_at, row.currency, row.total)
        if paid_at is not None:
            flow("paid", paid_at, row.currency, row.total)
        unpaid_at_due = row.status in UNPAID or (paid_at is not None and paid_at > row.due)
        if unpaid_at_due:
            flow("overdue", row.due, row.currency, row.total)
        if row.status == VOID:
            continue
        # Outstanding at the last instant of bucket k (end e_k) iff issued_at < e_k <= paid_at.
        hi = size if paid_at is None else bisect_right(ends, paid_at)
        lo = bisect_right(ends, row.issued_at)
        outstanding.add(size, row.currency, lo, hi, row.total)
        past_due.add(size, row.currency, max(lo, bisect_right(ends, row.due)), hi, row.total)

    tallies = (
        flows["issued"],
        flows["paid"],
        flows["overdue"],
        outstanding.tallies(ends, ctx),
        past_due.tallies(ends, ctx),
    )
    return Money(ctx), InvoiceBuckets(*([Part(x) for x in found] for found in tallies))


def _invoices(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    money, b = _load(ctx, buckets)
    rows: list[Row] = []
    for k in range(len(buckets)):
        rows.append(
            {
                "invoices_issued": money.count_of(b.issued[k]),
                "invoices_issued_amount": money.amount_of(b.issued[k]),
                "invoices_paid": money.count_of(b.paid[k]),
                "invoices_paid_amount": money.amount_of(b.paid[k]),
                "invoices_open": money.count_of(b.open[k]),
                "invoices_open_amount": money.amount_of(b.open[k]),
                "invoices_overdue": money.count_of(b.overdue[k]),
                "invoices_overdue_amount": money.amount_of(b.overdue[k]),
                "overdue_balance": money.amount_of(b.past_due[k]),
            }
        )
    return rows


INVOICES = register(
    Metric(
        "invoices",
        "Invoices",
        (
            Field("invoices_issued", "count"),
            Field("invoices_issued_amount", "money"),
            Field("invoices_paid", "count"),
            Field("invoices_paid_amount", "money"),
            Field("invoices_open", "count"),
            Field("invoices_open_amount", "money"),
            Field("invoices_overdue", "count"),
            Field("invoices_overdue_amount", "money"),
            Field("overdue_balance", "money"),
        ),
        _invoices,
        "Invoices issued, paid and fallen overdue in the bucket; outstanding invoices and the "
        "overdue balance at its end.",
    )
)
