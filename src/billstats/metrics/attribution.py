"""Which product a record belongs to, and which customers a product had in a window.

A payment, refund or invoice tied to a subscription (directly, or through its invoice) belongs
to the product of the plan that subscription had at the record's instant (its first plan when
the record precedes the subscription's history).  Records tied to no subscription belong to no
product: they count only when no product filter applies.
"""

from __future__ import annotations

from datetime import datetime

from billstats.metrics.calendar import Span
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.mrr_shared import phase_index
from billstats.metrics.mrr_timeline import ACTIVE, PAST_DUE, TRIALING

# A customer "has a subscription" in a window while one is in any of these phases.
SUBSCRIBED = frozenset({TRIALING, ACTIVE, PAST_DUE})


class Attribution:
    """Product membership under one scope (live/test, optionally one product)."""

    def __init__(self, history: MrrHistory) -> None:
        self.history = history
        self.product_id = history.scope.product_id
        self.livemode = history.scope.livemode

    def product_at(self, subscription_id: str, at: datetime) -> str | None:
        segments = self.history.segments.get(subscription_id)
        if not segments:
            return None
        for seg in segments:
            if seg.covers(at):
                return seg.product_id
        return segments[0].product_id

    def includes(self, subscription_id: str | None, at: datetime) -> bool:
        """Whether a record of ``subscription_id`` at ``at`` counts under this scope."""
        if self.product_id is None:
            return True
        return subscription_id is not None and self.product_at(subscription_id, at) == (
            self.product_id
        )

    def count_subscribed_with(self, span: Span, others: set[str]) -> int:
        """``len(self.subscribed_customers(span) | others)`` (counted on the shared index
        without building the set, when the history has one)."""
        h = self.history
        if h.source is not None:
            index = phase_index(h.source, h.segments, h.scope, SUBSCRIBED)
            return index.count_with(span.start, span.end, others)
        return len(self.subscribed_customers(span) | others)

    def subscribed_customers(self, span: Span) -> set[str]:
        """Customers with a subscription trialing, active or past due at some instant of
        ``span`` (in scope at that instant)."""
        h = self.history
        if h.source is not None:  # the shared index of the history's segments by end
            index = phase_index(h.source, h.segments, h.scope, SUBSCRIBED)
            return index.customers_in(span.start, span.end)
        out: set[str] = set()
        for segments in self.history.segments.values():
            for seg in segments:
                if (
                    seg.phase in SUBSCRIBED
                    and seg.start < span.end
                    and (seg.end is None or seg.end > span.start)
                    and self.history.scope.includes(seg)
                ):
                    out.add(seg.customer_id)
        return out
