"""Monthly cohorts by first payment, with customer and revenue retention per month since start.

- A customer's **cohort** is the calendar month (tenant zone) of its first succeeded payment in
  scope (live or test data; under a currency filter, its first payment in that currency; under a
  product or plan filter, its first payment attributed to it).  Payments before the cohorts shown
  still count: a customer who first paid before the first cohort month is in no cohort shown.
- **Month k** of a cohort is the k-th calendar month after the cohort month (month 0 is the
  cohort month itself), observed up to the end of the last month asked for or ``now``.
- A customer is **retained** in month k when it has a succeeded payment in scope in that month
  (payments, not MRR: the cohort is defined by payments, and one-time buyers count the same way).
  Month 0 retains every customer of the cohort.
- **Revenue** of month k: the cohort's succeeded payments created in that month (gross: fees and
  later refunds are not deducted), in the reporting currency (each payment converted with the
  ``fx_rates`` of its local day) or, under a currency filter, in that currency.

Retention ratios are exact (``Fraction``): retained ÷ cohort customers, revenue ÷ month-0
revenue; None for an empty cohort.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Select, and_, func, select

from billstats.db import tables as t
from billstats.metrics import derived, shared_rates
from billstats.metrics.calendar import local_date, month_index, month_start
from billstats.metrics.cohort_index import CohortIndex, cohort_index
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.tally import Tally

SUCCEEDED = "succeeded"

# Whether a payment (its subscription, or None, and its instant) counts under the filters.
Include = Callable[[str | None, datetime], bool]


@dataclass(frozen=True)
class Scope:
    """Which payments count."""

    livemode: bool = True
    currency: str | None = None  # only payments in this currency, values in it
    include: Include | None = None  # product / plan attribution; None: every payment


@dataclass
class Period:
    """Month ``index`` since a cohort's start: customers retained in it, and its revenue."""

    index: int
    month: date
    retained: int = 0
    revenue: Tally = field(default_factory=Tally)


@dataclass
class Cohort:
    month: date
    customers: int = 0
    periods: list[Period] = field(default_factory=list)


@dataclass(frozen=True)
class CohortTable:
    """Cohorts of months ``first``..``last`` (first days), with exact revenue per period."""

    currency: str
    cohorts: list[Cohort]
    revenue: dict[tuple[date, int], Fraction]  # (cohort month, period index) -> micros

    def revenue_of(self, cohort: Cohort, index: int) -> Fraction:
        return self.revenue.get((cohort.month, index), Fraction(0))


def _in_scope(tenant_id: int, scope: Scope) -> list[ColumnElement[bool]]:
    p = t.payments
    where = [p.c.tenant_id == tenant_id, p.c.status == SUCCEEDED, p.c.livemode.is_(scope.livemode)]
    if scope.currency is not None:
        where.append(p.c.currency == scope.currency)
    return where


def _payments(tenant_id: int, scope: Scope) -> Select[tuple[str, str, int, datetime, str | None]]:
    """Succeeded payments in scope, with the subscription each is tied to (its own, else its
    invoice's)."""
    p, i = t.payments, t.invoices
    return (
        select(
            p.c.customer_id,
            p.c.currency,
            p.c.amount,
            p.c.created_at,
            func.coalesce(p.c.subscription_id, i.c.subscription_id).label("subscription_id"),
        )
        .select_from(p.outerjoin(i, and_(i.c.tenant_id == p.c.tenant_id, i.c.id == p.c.invoice_id)))
        .where(*_in_scope(tenant_id, scope))
    )


def first_payments(
    conn: Connection, tenant_id: int, scope: Scope, until: datetime
) -> dict[str, datetime]:
    """Customer -> instant of its first succeeded payment in scope before ``until``."""
    p = t.payments
    if scope.include is None:  # one grouped query: a row per customer
        query = (
            select(p.c.customer_id, func.min(p.c.created_at))
            .where(*_in_scope(tenant_id, scope), p.c.created_at < until)
            .group_by(p.c.customer_id)
        )
        return {row[0]: row[1] for row in conn.execute(query)}
    out: dict[str, datetime] = {}
    for row in conn.execute(_payments(tenant_id, scope).where(p.c.created_at < until)):
        if scope.include(row.subscription_id, row.created_at):
            seen = out.get(row.customer_id)
            if seen is None or row.created_at < seen:
                out[row.customer_id] = row.created_at
    return out


def cohort_table(
    conn: Connection,
    tenant_id: int,
    tz: ZoneInfo,
    reporting: str,
    first: date,
    last: date,
    until: datetime,
    scope: Scope,
) -> CohortTable:
    """Cohorts of the months of ``first``..``last`` observed up to ``until`` (exclusive; at
    most the end of ``last``'s month).  Every cohort month appears, empty or not.  Without a
    product or plan filter the figures come from the tenant's cohort index (shared per data
    revision); with one, from the payments, each judged by its subscription."""
    lo, hi = month_index(first), month_index(last)
    if scope.include is None:
        index = cohort_index(conn, tenant_id, tz, scope.livemode, scope.currency)
        cohorts = _from_index(index, lo, hi, until)
    else:
        cohorts = _from_payments(conn, tenant_id, tz, lo, hi, until, scope)
    currency = scope.currency or reporting
    converter = shared_rates.converter(conn, derived.snapshot(conn, tenant_id), currency)
    revenue = {
        (c.month, p.index): converter.total(p.revenue.entries())
        for c in cohorts
        for p in c.periods
        if p.revenue.count
    }
    return CohortTable(currency, cohorts, revenue)


def _periods(lo: int, hi: int) -> list[Cohort]:
    cohorts = [Cohort(month_start(m)) for m in range(lo, hi + 1)]
    for cohort in cohorts:
        start = month_index(cohort.month)
        cohort.periods = [Period(k, month_start(start + k)) for k in range(hi - start + 1)]
    return cohorts


def _from_index(index: CohortIndex, lo: int, hi: int, until: datetime) -> list[Cohort]:
    cohorts = _periods(lo, hi)
    last = index.last_month(until)  # months before it are whole; later ones are empty
    for cohort in cohorts:
        m0 = month_index(cohort.month)
        cohort.customers = index.size(m0, until)
        for period in cohort.periods:
            m = m0 + period.index
            facts = index.months.get((m0, m)) if m <= last else None
            if facts is None:
                continue
            period.retained = facts.retained(until)
            if m < last:  # a whole month: its sums as they are (a copy: the index is shared)
                period.revenue = Tally(facts.count, dict(facts.sums))
                continue
            for currency, day, micros in facts.revenue(until):
                period.revenue.add(currency, day, micros)
    return cohorts


def _from_payments(
    conn: Connection, tenant_id: int, tz: ZoneInfo, lo: int, hi: int, until: datetime, scope: Scope
) -> list[Cohort]:
    cohorts = _periods(lo, hi)
    firsts = first_payments(conn, tenant_id, scope, until)
    member: dict[str, int] = {}
    for cid, at in firsts.items():
        m = month_index(local_date(at, tz))
        if lo <= m <= hi:
            member[cid] = m
            cohorts[m - lo].customers += 1
    retained: set[tuple[str, int, int]] = set()
    window_start = min((firsts[c] for c in member), default=None)
    if window_start is not None:
        p = t.payments
        stmt = _payments(tenant_id, scope).where(
            p.c.created_at >= window_start, p.c.created_at < until
        )
        for row in conn.execute(stmt):
            m0 = member.get(row.customer_id)
            if m0 is None or (
                scope.include is not None and not scope.include(row.subscription_id, row.created_at)
            ):
                continue
            day = local_date(row.created_at, tz)
            periods = cohorts[m0 - lo].periods
            k = month_index(day) - m0
            if k >= len(periods):  # after the last month (``until`` reaches past it)
                continue
            period = periods[k]
            if (row.customer_id, m0, k) not in retained:
                retained.add((row.customer_id, m0, k))
                period.retained += 1
            period.revenue.add(row.currency, day, row.amount)
    return cohorts


def attributed(history: MrrHistory, product_id: str | None, plan_id: str | None) -> Include:
    """Payments of a product and/or plan: those tied to a subscription (directly or through
    their invoice) whose version in force at the payment's instant (its first version when the
    payment precedes its history) is on that product and plan, as sales are attributed."""

    def include(subscription_id: str | None, at: datetime) -> bool:
        segments = history.segments.get(subscription_id or "")
        if not segments:
            return False
        seg = next((s for s in segments if s.covers(at)), segments[0])
        return (product_id is None or seg.product_id == product_id) and (
            plan_id is None or seg.plan_id == plan_id
        )

    return include


def ratio(part: Fraction | int, whole: Fraction | int) -> Fraction | None:
    return Fraction(part) / Fraction(whole) if whole else None
