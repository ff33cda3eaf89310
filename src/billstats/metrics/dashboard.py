"""The dashboard summary of a window: sales, refunds, customers, MRR, churn, affiliates,
rebills and missed invoices, in the tenant's reporting currency.

Each amount is the exact sum of its records, each group of records converted with the
``fx_rates`` of its local day, rounded once (half-even) to the reporting currency's minor unit.
Figures defined from other figures (total sales, net revenue, net via affiliates, ARPU) are
computed from those rounded figures, so the numbers a user sees add up exactly.
Definitions: ``docs/metrics.md``, "Pabbly".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.errors import NotFound
from billstats.ingest.schemas.common import ID_PATTERN
from billstats.metrics import derived, rollup_flows, shared_rates
from billstats.metrics.attribution import SUBSCRIBED, Attribution
from billstats.metrics.calendar import Span, local_date
from billstats.metrics.dashboard_shared import customers, invoice_figures_fast, payers
from billstats.metrics.flow_series import (
    AFFILIATE_SALES,
    COMMISSIONS,
    FEES,
    NOTHING,
    ONETIME,
    RECURRING,
    REFUNDS,
    Whole,
    flow_series,
)
from billstats.metrics.fx import RATE_SCALE
from billstats.metrics.invoices import invoice_figures
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.mrr_shared import phase_index
from billstats.metrics.pricing import round_minor_scaled
from billstats.metrics.rollup_days import split as span_days
from billstats.metrics.sales import Sales, refunds, sales
from billstats.metrics.tally import Tally
from billstats.money import MICROS
from billstats.tenants.schemas import Tenant

_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True)
class Dashboard:
    """Counts, and amounts in micros of ``currency`` (rounded to its minor unit)."""

    currency: str
    customers: int
    paid_customers: int
    onetime_count: int
    onetime_amount: int
    recurring_count: int
    recurring_amount: int
    refund_count: int
    refund_amount: int
    cancelled_count: int
    cancelled_amount: int
    mrr: int
    fees: int
    affiliate_sales_amount: int
    affiliate_commission: int
    affiliate_count: int
    rebill_amount: int
    rebill_subscriptions: int
    missed_amount: int
    missed_count: int

    @property
    def sales_count(self) -> int:
        return self.onetime_count + self.recurring_count

    @property
    def sales_amount(self) -> int:
        return self.onetime_amount + self.recurring_amount

    @property
    def net_revenue(self) -> int:
        """Sales less refunds, affiliate commissions and payment fees."""
        return self.sales_amount - self.refund_amount - self.affiliate_commission - self.fees

    @property
    def net_via_affiliates(self) -> int:
        return self.affiliate_sales_amount - self.affiliate_commission

    @property
    def arpu(self) -> Fraction | None:
        """Net revenue per customer, in currency units (None without customers)."""
        if not self.customers:
            return None
        return Fraction(self.net_revenue, self.customers * MICROS)


def require_product(conn: Connection, tenant_id: int, product_id: str) -> None:
    p = t.products
    found = (
        _ID.fullmatch(product_id)
        and conn.execute(
            select(p.c.id).where(p.c.tenant_id == tenant_id, p.c.id == product_id)
        ).first()
    )
    if not found:
        raise NotFound(f"no product {product_id!r}")


def dashboard(
    conn: Connection,
    tenant: Tenant,
    span: Span,
    now: datetime,
    *,
    product_id: str | None = None,
) -> Dashboard:
    """The live-data dashboard of ``span`` (one product, or all when ``product_id`` is None).

    MRR is read at the last instant of the span and converted on that instant's local day.
    """
    if product_id is not None:
        require_product(conn, tenant.id, product_id)
    tz = tenant.zone
    history = MrrHistory.load(conn, tenant.id, livemode=True, product_id=product_id)
    attribution = Attribution(history)
    whole = NOTHING  # the figures of whole days not in the tallies (flow_series.FIGURES order)
    if product_id is None:  # daily roll-ups and shared indexes: no walk over the window's rows
        paid, refunded, whole = _sales_from_rollups(conn, tenant, span, tz)
        invoices = invoice_figures_fast(conn, tenant.id, span, tz, now)
        paid_customers, customers = _customer_counts(conn, tenant.id, history, span)
    else:  # each record judged by its subscription's product at its instant
        paid = sales(conn, tenant.id, span, tz, attribution)
        refunded = refunds(conn, tenant.id, span, tz, attribution)
        invoices = invoice_figures(conn, tenant.id, span, tz, attribution, now)
        paid_customers = len(paid.customers)
        customers = attribution.count_subscribed_with(span, paid.customers)

    cancelled = history.cancelled(span, tz)
    close = span.end - timedelta(microseconds=1)
    mrr = Tally()
    for currency, micros in history.mrr_at(close).items():
        mrr.add(currency, local_date(close, tz), micros)

    converter = shared_rates.converter(conn, derived.snapshot(conn, tenant.id), tenant.currency)

    def amount(tally: Tally, figure: int | None = None) -> int:
        """The tally's total (plus ``figure``'s whole days), rounded once."""
        scaled = converter.total_scaled(tally.entries())
        if figure is not None:
            scaled += whole.scaled[figure]
        return round_minor_scaled(scaled, RATE_SCALE, tenant.currency)

    return Dashboard(
        currency=tenant.currency,
        customers=customers,
        paid_customers=paid_customers,
        onetime_count=paid.onetime.count + whole.counts[ONETIME],
        onetime_amount=amount(paid.onetime, ONETIME),
        recurring_count=paid.recurring.count + whole.counts[RECURRING],
        recurring_amount=amount(paid.recurring, RECURRING),
        refund_count=refunded.count + whole.counts[REFUNDS],
        refund_amount=amount(refunded, REFUNDS),
        cancelled_count=cancelled.count,
        cancelled_amount=amount(cancelled),
        mrr=amount(mrr),
        fees=amount(paid.fees, FEES),
        affiliate_sales_amount=amount(paid.affiliate_sales, AFFILIATE_SALES),
        affiliate_commission=amount(paid.commissions, COMMISSIONS),
        affiliate_count=len(paid.affiliates),
        rebill_amount=amount(invoices.rebills),
        rebill_subscriptions=invoices.subscriptions_rebilled,
        missed_amount=amount(invoices.missed),
        missed_count=invoices.missed.count,
    )


def _sales_from_rollups(
    conn: Connection, tenant: Tenant, span: Span, tz: ZoneInfo
) -> tuple[Sales, Tally, Whole]:
    """Live sales and refunds of ``span`` (every product): the figures of its whole days from the
    running totals (``flow_series``), the tallies of the pieces of days at its edges from the
    records; when a whole day lacks a rate, every day in the tallies (whose conversion raises
    the missing-rate error).  The customers are left out (``_customer_counts``)."""
    days = span_days(span, tz)
    whole: Whole | None = NOTHING
    if days.first is not None and days.last is not None:
        series = flow_series(conn, tenant.id, True, tenant.currency, True)
        whole = series.whole(days.first, days.last)
    if whole is None:
        f = rollup_flows.flows(conn, tenant.id, span, tz, True)
        whole = NOTHING
    else:
        f = rollup_flows.pieces(conn, tenant.id, days, tz, True)
        if days.first is not None and days.last is not None:
            found = rollup_flows.flow_days(conn, tenant.id, True)
            f.affiliates.update(rollup_flows.affiliates(found, days.first, days.last))
    paid = Sales(
        onetime=f.onetime,
        recurring=f.recurring,
        fees=f.fees,
        affiliate_sales=f.affiliate_sales,
        commissions=f.commissions,
        affiliates=f.affiliates,
    )
    return paid, f.refunds, whole


def _customer_counts(
    conn: Connection, tenant_id: int, history: MrrHistory, span: Span
) -> tuple[int, int]:
    """Live customers of ``span`` (every product): those with a succeeded payment, and those
    with a payment or a subscription (``Attribution.subscribed_customers``), counted on the
    shared indexes without building either set."""
    paid = payers(conn, derived.snapshot(conn, tenant_id), True)
    paying = paid.count(span.start, span.end)
    if history.source is None:
        return paying, Attribution(history).count_subscribed_with(
            span, paid.among(span.start, span.end)
        )
    index = phase_index(history.source, history.segments, history.scope, SUBSCRIBED)
    counter = customers(history.source, history.scope, index, paid)
    return paying, counter.count(index, paid, span.start, span.end)
