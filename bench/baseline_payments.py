"""Baselines of the payment figures: Pabbly's sales and devkit's payment statistics.

Payments and refunds are summed in SQL straight from their tables, grouped by UTC hour and
currency (one pass over the window's rows through the ``(tenant_id, created_at)`` indexes),
converted per local day and rounded once, as billstats defines them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, case, exists, func, or_, select

from bench.baseline import as_bool, hour_of, local_day_of_hour, tenant, window
from billstats.db import tables as t
from billstats.metrics.fx import Converter, load_converter
from billstats.metrics.pricing import round_minor
from billstats.money import minor_exponent


@dataclass
class _Sums:
    """Exact amounts per (currency, local day) and counts."""

    amounts: dict[tuple[str, date], int] = field(default_factory=lambda: defaultdict(int))
    count: int = 0

    def add(self, currency: str, day: date, amount: Any, count: Any) -> None:
        """``amount`` and ``count`` as the database sums them (PostgreSQL: ``numeric``)."""
        self.amounts[(currency, day)] += int(amount)
        self.count += int(count)

    def rounded(self, conv: Converter) -> int:
        total = conv.total((c, d, m) for (c, d), m in self.amounts.items())
        return round_minor(total, conv.reporting)


def sales(
    conn: Connection, tenant_id: int, first: date, last: date, now: datetime
) -> dict[str, int]:
    """Pabbly's sales, refund and affiliate figures over days ``first``..``last`` (live data,
    every product): counts, and amounts in reporting-currency micros."""
    ten = tenant(conn, tenant_id)
    start, end = window(first, last, ten.timezone, now)
    p, i, r = t.payments, t.invoices, t.refunds
    recurring = or_(p.c.subscription_id.is_not(None), i.c.subscription_id.is_not(None))
    hour = hour_of(conn, p.c.created_at)
    affiliated = p.c.affiliate_id.is_not(None)
    paid = (
        select(
            hour.label("hour"),
            p.c.currency,
            recurring.label("recurring"),
            func.count().label("n"),
            func.sum(p.c.amount).label("amount"),
            func.sum(p.c.fee_amount).label("fees"),
            func.sum(case((affiliated, p.c.amount), else_=0)).label("affiliate_amount"),
            func.sum(case((affiliated, p.c.affiliate_commission), else_=0)).label("commission"),
        )
        .select_from(p.outerjoin(i, and_(i.c.tenant_id == p.c.tenant_id, i.c.id == p.c.invoice_id)))
        .where(
            p.c.tenant_id == tenant_id,
            p.c.status == "succeeded",
            p.c.livemode == as_bool(True),
            p.c.created_at >= start,
            p.c.created_at < end,
        )
        .group_by(hour, p.c.currency, recurring)
    )
    sums: dict[str, _Sums] = defaultdict(_Sums)
    for row in conn.execute(paid):
        day = local_day_of_hour(row.hour, ten.timezone)
        kind = "recurring" if row.recurring else "onetime"
        sums[kind].add(row.currency, day, row.amount, row.n)
        sums["fees"].add(row.currency, day, row.fees, 0)
        sums["affiliate"].add(row.currency, day, row.affiliate_amount, 0)
        sums["commission"].add(row.currency, day, row.commission, 0)
    refund_hour = hour_of(conn, r.c.created_at)
    refunded = (
        select(refund_hour.label("hour"), p.c.currency, func.count().label("n"),
               func.sum(r.c.amount).label("amount"))
        .select_from(r.join(p, and_(p.c.tenant_id == r.c.tenant_id, p.c.id == r.c.payment_id)))
        .where(r.c.tenant_id == tenant_id, p.c.livemode == as_bool(True),
               r.c.created_at >= start, r.c.created_at < end)
        .group_by(refund_hour, p.c.currency)
    )  # fmt: skip
    for row in conn.execute(refunded):
        sums["refunds"].add(
            row.currency, local_day_of_hour(row.hour, ten.timezone), row.amount, row.n
        )
    distinct = conn.execute(
        select(
            func.count(p.c.customer_id.distinct()),
            func.count(p.c.affiliate_id.distinct()),
        ).where(
            p.c.tenant_id == tenant_id,
            p.c.status == "succeeded",
            p.c.livemode == as_bool(True),
            p.c.created_at >= start,
            p.c.created_at < end,
        )
    ).one()
    days = [d for s in sums.values() for (_, d) in s.amounts]
    conv = load_converter(
        conn,
        tenant_id,
        ten.currency,
        {c for s in sums.values() for (c, _) in s.amounts},
        min(days, default=first),
        max(days, default=last),
    )
    rounded = {k: s.rounded(conv) for k, s in sums.items()}
    get = rounded.get
    total = get("recurring", 0) + get("onetime", 0)
    return {
        "total_sales_count": sums["recurring"].count + sums["onetime"].count,
        "total_sales_amount": total,
        "total_recurring_sales_count": sums["recurring"].count,
        "total_recurring_sales_amount": get("recurring", 0),
        "total_onetime_sales_count": sums["onetime"].count,
        "total_onetime_sales_amount": get("onetime", 0),
        "total_refund_count": sums["refunds"].count,
        "total_refund_amount": get("refunds", 0),
        "total_paid_customer_count": distinct[0],
        "total_affiliate_count": distinct[1],
        "total_affiliate_sales_amount": get("affiliate", 0),
        "total_affiliate_commission_amount": get("commission", 0),
        "total_net_amount_via_affiliate": get("affiliate", 0) - get("commission", 0),
        "total_net_revenue": total - get("refunds", 0) - get("commission", 0) - get("fees", 0),
    }


def payment_stats(
    conn: Connection, tenant_id: int, test_mode: bool, now: datetime
) -> dict[str, Any]:
    """devkit's payment statistics as of ``now`` (``test_mode`` false: live records only)."""
    ten = tenant(conn, tenant_id)
    pr, v, p = t.products, t.subscription_versions, t.payments
    projects = conn.execute(
        select(
            func.count(),
            func.sum(case((pr.c.pp_configured == as_bool(True), 1), else_=0)),
            func.sum(case((pr.c.pp_test_credentials == as_bool(True), 1), else_=0)),
            func.sum(case((pr.c.pp_live_credentials == as_bool(True), 1), else_=0)),
        ).where(pr.c.tenant_id == tenant_id)
    ).one()
    later = v.alias("later")
    current = select(v.c.status).where(
        v.c.tenant_id == tenant_id,
        v.c.effective_at <= now,
        ~exists().where(
            later.c.tenant_id == v.c.tenant_id,
            later.c.subscription_id == v.c.subscription_id,
            later.c.effective_at <= now,
            or_(
                later.c.effective_at > v.c.effective_at,
                and_(later.c.effective_at == v.c.effective_at, later.c.version > v.c.version),
            ),
        ),
    )
    if not test_mode:
        current = current.where(v.c.livemode == as_bool(True))
    in_force = current.subquery()
    subscriptions = conn.execute(
        select(
            func.count(),
            func.sum(case((in_force.c.status.in_(("active", "trialing")), 1), else_=0)),
        )
    ).one()
    scope = [p.c.tenant_id == tenant_id, p.c.created_at <= now]
    if not test_mode:
        scope.append(p.c.livemode == as_bool(True))
    succeeded = p.c.status == "succeeded"
    counts = conn.execute(
        select(func.count(), func.sum(case((succeeded, 1), else_=0))).where(*scope)
    ).one()
    hour = hour_of(conn, p.c.created_at)
    revenue = _Sums()
    for row in conn.execute(
        select(hour.label("hour"), p.c.currency, func.sum(p.c.amount).label("amount"))
        .where(*scope, succeeded)
        .group_by(hour, p.c.currency)
    ):
        revenue.add(row.currency, local_day_of_hour(row.hour, ten.timezone), row.amount, 0)
    days = [d for _, d in revenue.amounts] or [now.date()]
    conv = load_converter(
        conn, tenant_id, ten.currency, {c for c, _ in revenue.amounts}, min(days), max(days)
    )
    cents = revenue.rounded(conv) // 10 ** (6 - minor_exponent(ten.currency))
    return {
        "total_projects": projects[0],
        "projects_with_config": int(projects[1] or 0),
        "projects_with_test": int(projects[2] or 0),
        "projects_with_live": int(projects[3] or 0),
        "total_subscriptions": subscriptions[0],
        "active_subscriptions": int(subscriptions[1] or 0),
        "total_payments": counts[0],
        "successful_payments": int(counts[1] or 0),
        "total_revenue_cents": cents,
        "currency": ten.currency.lower(),
    }
