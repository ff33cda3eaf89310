"""Rebills and missed invoices of a window.

- **Rebills**: invoices with ``billing_reason`` ``subscription_cycle`` issued in the window,
  whatever their status; the count is of distinct subscriptions, the amount the invoices' total.
- **Missed invoices**: invoices issued in the window that are still ``open`` or
  ``uncollectible`` and whose due date has passed at ``now`` (an invoice without a due date is
  due when issued).

An invoice belongs to the product of its subscription's plan at its issue instant; invoices
without a subscription count only when no product filter applies.  Amounts are converted on
the invoice's issue day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, or_, select

from billstats.db import tables as t
from billstats.metrics.attribution import Attribution
from billstats.metrics.calendar import Span, local_date
from billstats.metrics.tally import Tally

CYCLE = "subscription_cycle"
UNPAID = ("open", "uncollectible")


@dataclass
class InvoiceFigures:
    rebills: Tally = field(default_factory=Tally)
    rebilled: set[str] = field(default_factory=set)  # subscription ids
    missed: Tally = field(default_factory=Tally)
    rebilled_count: int | None = None  # when only the count is known (the shared index)

    @property
    def subscriptions_rebilled(self) -> int:
        """How many distinct subscriptions were rebilled."""
        return len(self.rebilled) if self.rebilled_count is None else self.rebilled_count


def invoice_figures(
    conn: Connection,
    tenant_id: int,
    span: Span,
    tz: ZoneInfo,
    attribution: Attribution,
    now: datetime,
) -> InvoiceFigures:
    i = t.invoices
    stmt = select(
        i.c.subscription_id,
        i.c.currency,
        i.c.total,
        i.c.issued_at,
        i.c.billing_reason,
        i.c.status,
        func.coalesce(i.c.due_at, i.c.issued_at).label("due"),
    ).where(
        i.c.tenant_id == tenant_id,
        i.c.issued_at >= span.start,
        i.c.issued_at < span.end,
        i.c.livemode.is_(attribution.livemode),
        or_(i.c.billing_reason == CYCLE, i.c.status.in_(UNPAID)),
    )
    out = InvoiceFigures()
    for row in conn.execute(stmt):
        if not attribution.includes(row.subscription_id, row.issued_at):
            continue
        day = local_date(row.issued_at, tz)
        if row.billing_reason == CYCLE:
            out.rebills.add(row.currency, day, row.total)
            out.rebilled.add(row.subscription_id)
        if row.status in UNPAID and row.due < now:
            out.missed.add(row.currency, day, row.total)
    return out
