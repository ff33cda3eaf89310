"""Sales, fees, affiliate commissions and refunds of a window.

- A **sale** is a succeeded payment created in the window: ``recurring`` when it is tied to a
  subscription (its own ``subscription_id``, or its invoice's), else ``onetime``; its amount is
  the gross payment amount.
- **Fees** and **affiliate commissions** are those of the same payments; an **affiliate sale**
  is a sale with an ``affiliate_id``.
- A **refund** counts in the window it was created in, whatever the window of its payment; it
  belongs to its payment's product.
- **Paid customers**: the distinct customers of the sales.

Only records with the scope's ``livemode`` count (refunds take their payment's).  Amounts stay
in their currency per local day (:class:`~billstats.metrics.tally.Tally`) until converted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Join, and_, func, select
from sqlalchemy.sql.expression import ColumnElement, FromClause

from billstats.db import tables as t
from billstats.metrics.attribution import Attribution
from billstats.metrics.calendar import Span, local_date
from billstats.metrics.tally import Tally

SUCCEEDED = "succeeded"


@dataclass
class Sales:
    onetime: Tally = field(default_factory=Tally)
    recurring: Tally = field(default_factory=Tally)
    fees: Tally = field(default_factory=Tally)
    affiliate_sales: Tally = field(default_factory=Tally)
    commissions: Tally = field(default_factory=Tally)
    customers: set[str] = field(default_factory=set)
    affiliates: set[str] = field(default_factory=set)


def _subscription() -> ColumnElement[str]:
    """The subscription a payment is tied to: its own, else its invoice's."""
    return func.coalesce(t.payments.c.subscription_id, t.invoices.c.subscription_id)


def _with_invoice(left: FromClause) -> Join:
    p, i = t.payments, t.invoices
    return left.outerjoin(i, and_(i.c.tenant_id == p.c.tenant_id, i.c.id == p.c.invoice_id))


def sales(
    conn: Connection, tenant_id: int, span: Span, tz: ZoneInfo, attribution: Attribution
) -> Sales:
    """Succeeded payments created in ``span`` (in scope)."""
    p = t.payments
    stmt = (
        select(
            p.c.customer_id,
            p.c.currency,
            p.c.amount,
            p.c.fee_amount,
            p.c.affiliate_id,
            p.c.affiliate_commission,
            p.c.created_at,
            _subscription().label("subscription_id"),
        )
        .select_from(_with_invoice(p))
        .where(
            p.c.tenant_id == tenant_id,
            p.c.created_at >= span.start,
            p.c.created_at < span.end,
            p.c.status == SUCCEEDED,
            p.c.livemode.is_(attribution.livemode),
        )
    )
    out = Sales()
    for row in conn.execute(stmt):
        if not attribution.includes(row.subscription_id, row.created_at):
            continue
        day = local_date(row.created_at, tz)
        kind = out.onetime if row.subscription_id is None else out.recurring
        kind.add(row.currency, day, row.amount)
        out.fees.add(row.currency, day, row.fee_amount)
        out.customers.add(row.customer_id)
        if row.affiliate_id is not None:
            out.affiliate_sales.add(row.currency, day, row.amount)
            out.commissions.add(row.currency, day, row.affiliate_commission)
            out.affiliates.add(row.affiliate_id)
    return out


def refunds(
    conn: Connection, tenant_id: int, span: Span, tz: ZoneInfo, attribution: Attribution
) -> Tally:
    """Refunds created in ``span``, in their payment's currency, on their own day."""
    p, r = t.payments, t.refunds
    stmt = (
        select(
            r.c.amount,
            r.c.created_at,
            p.c.currency,
            p.c.created_at.label("paid_at"),
            _subscription().label("subscription_id"),
        )
        .select_from(
            _with_invoice(r.join(p, and_(p.c.tenant_id == r.c.tenant_id, p.c.id == r.c.payment_id)))
        )
        .where(
            r.c.tenant_id == tenant_id,
            r.c.created_at >= span.start,
            r.c.created_at < span.end,
            p.c.livemode.is_(attribution.livemode),
        )
    )
    out = Tally()
    for row in conn.execute(stmt):
        if attribution.includes(row.subscription_id, row.paid_at):
            out.add(row.currency, local_date(row.created_at, tz), row.amount)
    return out
