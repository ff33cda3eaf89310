"""Collecting an invoice: card payments with retries and dunning, net-30 invoices, refunds."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING

from billstats.demo.catalog import AFFILIATE_RATES
from billstats.demo.history import SubscriptionHistory
from billstats.demo.ledger import Invoice, Payment
from billstats.demo.util import chance

if TYPE_CHECKING:
    from datetime import datetime

    from billstats.demo.customers import CustomerSim


class Dunning(SubscriptionHistory):
    """Payment outcomes of a subscription's invoices, and what they do to the subscription."""

    c: CustomerSim
    rng: random.Random
    ended: datetime | None
    cycle_payment: Payment | None

    def affiliate_for(self, at: datetime) -> tuple[str, int] | None:
        aff = self.state.affiliate_id
        if aff is None or at >= self.state.started_at + timedelta(days=365):
            return None
        return aff, AFFILIATE_RATES[aff]

    def collect(self, inv: Invoice, *, can_churn: bool) -> str:
        """Charge an invoice: "ok", "open" (unpaid at the end of history) or "churned"."""
        if inv.total == 0:
            return "ok"
        rng, end, ledger = self.rng, self.end, self.c.ledger
        aff = self.affiliate_for(inv.issued_at)
        if self.c.invoice_billed and self.state.plan.months >= 3:
            inv.due_at = inv.issued_at + timedelta(days=30)
            if can_churn and chance(rng, 40):  # never pays
                give_up = inv.issued_at + timedelta(days=60)
                if give_up >= end:
                    return "open"
                return self._uncollectible(inv, give_up)
            at = inv.issued_at + timedelta(days=rng.randint(2, 45), seconds=rng.randint(0, 3600))
            if at >= end:
                return "open"
            self._succeed(inv, at, aff)
            return "ok"
        first = inv.issued_at + timedelta(seconds=rng.randint(60, 3600))
        if first >= end:
            return "open"
        recent = inv.issued_at >= end - timedelta(days=5)
        if recent and chance(rng, 400 if inv.currency == "EUR" else 120):
            ledger.pay(inv, first, "pending", affiliate=aff)
            return "open"
        if not chance(rng, self.c.fail_per_mille):
            self._succeed(inv, first, aff)
            return "ok"
        ledger.pay(inv, first, "failed", affiliate=aff)
        if self.state.status == "active":
            self.push(first, status="past_due")
        recovers = not can_churn or chance(rng, 800)
        offsets = (3, 5, 7) if can_churn else (1, 2)
        for n, days in enumerate(offsets):
            at = first + timedelta(days=days, seconds=rng.randint(0, 7200))
            if at >= end:
                return "open"
            if recovers and (n == len(offsets) - 1 or chance(rng, 550)):
                self._succeed(inv, at, aff)
                if self.state.status == "past_due":
                    self.push(at, status="active")
                return "ok"
            ledger.pay(inv, at, "failed", affiliate=aff)
        give_up = first + timedelta(days=14)
        if give_up >= end:
            return "open"
        return self._uncollectible(inv, give_up)

    def _uncollectible(self, inv: Invoice, at: datetime) -> str:
        inv.status = "uncollectible"
        self.push(at, status="cancelled", cancelled_at=at, ended_at=at)
        self.ended = at
        return "churned"

    def _succeed(self, inv: Invoice, at: datetime, aff: tuple[str, int] | None) -> None:
        rng, ledger = self.rng, self.c.ledger
        pay = ledger.pay(inv, at, "succeeded", affiliate=aff)
        if inv.billing_reason != "subscription_update":
            self.cycle_payment = pay
        roll = rng.randrange(1000)
        if roll < 12:  # refunded in full
            ledger.refund(pay, pay.amount, at + timedelta(days=rng.randint(1, 10), hours=2))
        elif roll < 40:  # a partial credit, sometimes two
            first = max(1, pay.amount * rng.randint(10, 50) // 100)
            ledger.refund(pay, first, at + timedelta(days=rng.randint(1, 20), hours=3))
            if roll < 18:
                ledger.refund(
                    pay,
                    max(1, pay.amount * rng.randint(5, 20) // 100),
                    at + timedelta(days=rng.randint(21, 40), hours=1),
                )
