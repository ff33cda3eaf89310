"""Sales, fees, commissions and refunds of a span from the daily roll-ups.

The same tallies as :func:`billstats.metrics.sales.sales` and :func:`~billstats.metrics.sales.
refunds` without a product or plan filter (every record counts, by mode): whole local days
from ``payment_days`` / ``refund_days`` (read once per data revision, sorted by day:
:class:`FlowDays`), the pieces of days at the span's edges (``now``) from the raw rows through
those very functions.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from billstats.db import tables as t
from billstats.metrics import derived
from billstats.metrics import sales as raw
from billstats.metrics.attribution import Attribution
from billstats.metrics.calendar import Span
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.mrr_timeline import Scope
from billstats.metrics.rollup_days import SpanDays, split
from billstats.metrics.tally import Tally

SUCCEEDED = "succeeded"


@dataclass
class Flows:
    """The tallies of :class:`~billstats.metrics.sales.Sales` and the refunds; ``affiliates``:
    the distinct affiliates of the sales."""

    onetime: Tally = field(default_factory=Tally)
    recurring: Tally = field(default_factory=Tally)
    fees: Tally = field(default_factory=Tally)
    affiliate_sales: Tally = field(default_factory=Tally)
    commissions: Tally = field(default_factory=Tally)
    refunds: Tally = field(default_factory=Tally)
    affiliates: set[str] = field(default_factory=set)


def add(tally: Tally, currency: str, day: date, micros: int, count: int) -> None:
    """``count`` records summing to ``micros`` (as ``count`` calls of ``Tally.add`` would)."""
    tally.count += count
    tally.sums[(currency, day)] += micros
    tally.counts[(currency, day)] += count


def merge(into: Tally, tally: Tally) -> None:
    into.count += tally.count
    for key, micros in tally.sums.items():
        into.sums[key] += micros
    for key, n in tally.counts.items():
        into.counts[key] += n


def everything(livemode: bool) -> Attribution:
    """Record attribution without a product filter: every record of the mode counts."""
    return Attribution(MrrHistory({}, Scope(livemode)))


@dataclass(frozen=True)
class FlowDays:
    """The roll-ups of one mode, grouped as :func:`flows` adds them, sorted by day (loaded once
    per data revision: a span's whole days are a slice found by bisection, not a query)."""

    payment_days: list[date]
    payments: list[tuple[date, str, bool, bool, int, int, int, int]]
    refund_days: list[date]
    refunds: list[tuple[date, str, int, int]]
    affiliate_days: list[date]
    affiliates: list[str]  # the affiliate of each (day, affiliate) with a sale that day

    @property
    def nbytes(self) -> int:
        return 200 * len(self.payments) + 150 * len(self.refunds) + 120 * len(self.affiliates)


def flow_days(conn: Connection, tenant_id: int, livemode: bool) -> FlowDays:
    """The tenant's :class:`FlowDays` at the transaction's revision (cached per revision)."""
    snap = derived.snapshot(conn, tenant_id)

    def build() -> tuple[FlowDays, int]:
        p = t.payment_days
        affiliated = p.c.affiliate_id != ""
        keys = (p.c.day, p.c.currency, p.c.recurring, affiliated)
        where = (p.c.tenant_id == tenant_id, p.c.livemode.is_(livemode), p.c.status == SUCCEEDED)
        sums = (
            func.sum(p.c.payments),
            func.sum(p.c.amount),
            func.sum(p.c.fee_amount),
            func.sum(p.c.affiliate_commission),
        )
        stmt = select(*keys, *sums).where(*where).group_by(*keys).order_by(*keys)
        payments = [
            (day, cur, bool(rec), bool(aff), int(n), int(amount), int(fee), int(commission))
            for day, cur, rec, aff, n, amount, fee, commission in conn.execute(stmt)
        ]
        found = (
            select(p.c.day, p.c.affiliate_id)
            .where(*where, affiliated)
            .distinct()
            .order_by(p.c.day, p.c.affiliate_id)
        )
        affiliates = [(day, a) for day, a in conn.execute(found)]
        r = t.refund_days
        stmt_r = (
            select(r.c.day, r.c.currency, r.c.refunds, r.c.amount)
            .where(r.c.tenant_id == tenant_id, r.c.livemode.is_(livemode))
            .order_by(r.c.day)
        )
        refunds = [(day, cur, int(n), int(amount)) for day, cur, n, amount in conn.execute(stmt_r)]
        days = FlowDays(
            [row[0] for row in payments],
            payments,
            [row[0] for row in refunds],
            refunds,
            [day for day, _ in affiliates],
            [a for _, a in affiliates],
        )
        return days, days.nbytes

    return derived.from_database(conn, snap, ("rollup_flows.days", livemode), build)


def affiliates(found: FlowDays, first: date, last: date) -> list[str]:
    """The affiliates with a sale on the days ``first``..``last`` (repeated once per day)."""
    lo = bisect_left(found.affiliate_days, first)
    hi = bisect_right(found.affiliate_days, last)
    return found.affiliates[lo:hi]


def flows(conn: Connection, tenant_id: int, span: Span, tz: ZoneInfo, livemode: bool) -> Flows:
    """Succeeded payments created in ``span`` and refunds created in it, of one mode."""
    out = Flows()
    parts = split(span, tz)
    if parts.first is not None and parts.last is not None:
        found = flow_days(conn, tenant_id, livemode)
        first, last = parts.first, parts.last
        lo = bisect_left(found.payment_days, first)
        hi = bisect_right(found.payment_days, last)
        for day, currency, recurring, affiliate, n, amount, fee, commission in found.payments[
            lo:hi
        ]:
            add(out.recurring if recurring else out.onetime, currency, day, amount, n)
            add(out.fees, currency, day, fee, n)
            if affiliate:
                add(out.affiliate_sales, currency, day, amount, n)
                add(out.commissions, currency, day, commission, n)
        out.affiliates.update(affiliates(found, first, last))
        lo = bisect_left(found.refund_days, first)
        hi = bisect_right(found.refund_days, last)
        for day, currency, n, amount in found.refunds[lo:hi]:
            add(out.refunds, currency, day, amount, n)
    return pieces(conn, tenant_id, parts, tz, livemode, out)


def pieces(
    conn: Connection,
    tenant_id: int,
    parts: SpanDays,
    tz: ZoneInfo,
    livemode: bool,
    out: Flows | None = None,
) -> Flows:
    """The records of the pieces of days at a span's edges (from the raw rows), added to
    ``out`` (a new :class:`Flows` when None)."""
    out = Flows() if out is None else out
    scope = everything(livemode)
    for piece in parts.pieces:
        paid = raw.sales(conn, tenant_id, piece, tz, scope)
        for mine, theirs in (
            (out.onetime, paid.onetime),
            (out.recurring, paid.recurring),
            (out.fees, paid.fees),
            (out.affiliate_sales, paid.affiliate_sales),
            (out.commissions, paid.commissions),
        ):
            merge(mine, theirs)
        out.affiliates |= paid.affiliates
        merge(out.refunds, raw.refunds(conn, tenant_id, piece, tz, scope))
    return out
