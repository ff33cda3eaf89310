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
from billstats.metrics.attribution import Attribution
from billstats.metrics.calendar import Span, local_date
from billstats.metrics.dashboard_shared import invoice_figures_fast, payers
from billstats.metrics.invoices import invoice_figures
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.sales import Sales, refunds, sales
from billstats.metrics.tally import Tally, rounded
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
    if product_id is None:  # daily roll-ups and shared indexes: no walk over the window's rows
        paid, refunded = _sales_from_rollups(conn, tenant.id, span, tz)
        invoices = invoice_figures_fast(conn, tenant.id, span, tz, now)
    else:  # each record judged by its subscription's product at its instant
        paid = sales(conn, tenant.id, span, tz, attribution)
        refunded = refunds(conn, tenant.id, span, tz, attribution)
        invoices = invoice_figures(conn, tenant.id, span, tz, attribution, now)

    cancelled = history.cancelled(span, tz)
    close = span.end - timedelta(microseconds=1)
    mrr = Tally()
    for currency, micros in history.mrr_at(close).items():
        mrr.add(currency, local_date(close, tz), micros)

    converter = shared_rates.converter(conn, derived.snapshot(conn, tenant.id), tenant.currency)

    def amount(tally: Tally) -> int:
        return rounded(converter, tally.entries())

    return Dashboard(
        currency=tenant.currency,
        customers=attribution.count_subscribed_with(span, paid.customers),
        paid_customers=len(paid.customers),
        onetime_count=paid.onetime.count,
        onetime_amount=amount(paid.onetime),
        recurring_count=paid.recurring.count,
        recurring_amount=amount(paid.recurring),
        refund_count=refunded.count,
        refund_amount=amount(refunded),
        cancelled_count=cancelled.count,
        cancelled_amount=amount(cancelled),
        mrr=amount(mrr),
        fees=amount(paid.fees),
        affiliate_sales_amount=amount(paid.affiliate_sales),
        affiliate_commission=amount(paid.commissions),
        affiliate_count=len(paid.affiliates),
        rebill_amount=amount(invoices.rebills),
        rebill_subscriptions=invoices.subscriptions_rebilled,
        missed_amount=amount(invoices.missed),
        missed_count=invoices.missed.count,
    )


def _sales_from_rollups(
    conn: Connection, tenant_id: int, span: Span, tz: ZoneInfo
) -> tuple[Sales, Tally]:
    """Live sales and refunds of ``span`` (every product): the tallies from the daily roll-ups,
    the paying customers from the shared index of payers."""
    f = rollup_flows.flows(conn, tenant_id, span, tz, True)
    snap = derived.snapshot(conn, tenant_id)
    paid = Sales(
        onetime=f.onetime,
        recurring=f.recurring,
        fees=f.fees,
        affiliate_sales=f.affiliate_sales,
        commissions=f.commissions,
        customers=payers(conn, snap, True).among(span.start, span.end),
        affiliates=f.affiliates,
    )
    return paid, f.refunds
