"""Sales, fees, commissions and refunds of a span from the daily roll-ups.

The same tallies as :func:`billstats.metrics.sales.sales` and :func:`~billstats.metrics.sales.
refunds` without a product or plan filter (every record counts, by mode): whole local days
from ``payment_days`` / ``refund_days``, the pieces of days at the span's edges (``now``) from
the raw rows through those very functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from billstats.db import tables as t
from billstats.metrics import sales as raw
from billstats.metrics.attribution import Attribution
from billstats.metrics.calendar import Span
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.mrr_timeline import Scope
from billstats.metrics.rollup_days import split
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


def flows(conn: Connection, tenant_id: int, span: Span, tz: ZoneInfo, livemode: bool) -> Flows:
    """Succeeded payments created in ``span`` and refunds created in it, of one mode."""
    out = Flows()
    parts = split(span, tz)
    if parts.first is not None:
        p = t.payment_days
        affiliated = p.c.affiliate_id != ""
        keys = (p.c.day, p.c.currency, p.c.recurring, affiliated)
        where = (
            p.c.tenant_id == tenant_id,
            p.c.day >= parts.first,
            p.c.day <= parts.last,
            p.c.livemode.is_(livemode),
            p.c.status == SUCCEEDED,
        )
        stmt = (
            select(
                *keys,
                func.sum(p.c.payments),
                func.sum(p.c.amount),
                func.sum(p.c.fee_amount),
                func.sum(p.c.affiliate_commission),
            )
            .where(*where)
            .group_by(*keys)
        )
        for day, currency, recurring, affiliate, n, amount, fee, commission in conn.execute(stmt):
            n, amount, fee, commission = int(n), int(amount), int(fee), int(commission)
            add(out.recurring if recurring else out.onetime, currency, day, amount, n)
            add(out.fees, currency, day, fee, n)
            if affiliate:
                add(out.affiliate_sales, currency, day, amount, n)
                add(out.commissions, currency, day, commission, n)
        found = select(p.c.affiliate_id).where(*where, affiliated).distinct()
        out.affiliates.update(conn.execute(found).scalars())
        r = t.refund_days
        refunds = select(r.c.day, r.c.currency, r.c.refunds, r.c.amount).where(
            r.c.tenant_id == tenant_id,
            r.c.day >= parts.first,
            r.c.day <= parts.last,
            r.c.livemode.is_(livemode),
        )
        for day, currency, n, amount in conn.execute(refunds):
            add(out.refunds, currency, day, amount, n)
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
