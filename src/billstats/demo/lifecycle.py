"""One subscription's life: trial, billing cycles, upgrades, downgrades, seat changes, discounts,
pauses, failed payments, cancellations and reactivations, recorded as dated versions.

The simulation walks billing periods in order.  Every change becomes a version with a strictly
increasing ``effective_at``; every period issues an invoice whose payment outcome may itself
change the subscription (past_due, then active again or cancelled after dunning).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from billstats.demo.catalog import PlanSpec, family_plans
from billstats.demo.dunning import Dunning
from billstats.demo.history import Discount, State
from billstats.demo.ledger import Line
from billstats.demo.util import (
    add_months,
    chance,
    div_round,
    pick_moment,
    seconds_between,
    weighted,
)

if TYPE_CHECKING:
    from billstats.demo.customers import CustomerSim

Obj = dict[str, Any]


# Mid-period events, per mille per monthly period (scaled up for longer periods).
EVENTS: tuple[tuple[str, int], ...] = (
    ("cancel_at_end", 26),
    ("cancel_now", 5),
    ("upgrade", 30),
    ("downgrade", 14),
    ("seats_up", 0),
    ("seats_down", 0),
    ("discount", 10),
    ("pause", 4),
)
PERIOD_FACTOR = {1: 10, 3: 25, 12: 80}  # tenths


class SubscriptionSim(Dunning):
    """Walks billing periods from the start to the end of history, changing as it goes."""

    def __init__(
        self,
        cust: CustomerSim,
        sub_id: str,
        plan: PlanSpec,
        start: datetime,
        *,
        trial: bool,
        quantity: int,
        discount: Discount | None,
        reactivations: int,
    ) -> None:
        state = State(
            plan,
            quantity,
            "active",
            start,
            discount=discount,
            affiliate_id=cust.affiliate,
            livemode=cust.livemode,
        )
        super().__init__(sub_id, cust.id, state, cust.zone, cust.end)
        self.c = cust
        self.rng = cust.rng
        self.trial = trial
        self.reactivations = reactivations
        self.ended = None
        self.restart_at: datetime | None = None
        self.discount_until: datetime | None = None
        self.cycle_payment = None

    # -- life -----------------------------------------------------------------------------------

    def run(self) -> SubscriptionSim:
        st = self.state
        start, plan = st.started_at, st.plan
        if not self.trial:
            self.versions.append((start, st))
            self.cycles(start, "subscription_create")
            return self
        trial_end = start + timedelta(days=plan.trial_days)
        self.state = replace(st, status="trialing", trial_ends_at=trial_end)
        self.versions.append((start, self.state))
        self.c.ledger.invoice(
            self.id,
            plan.currency,
            "subscription_create",
            start,
            [
                Line(
                    "subscription",
                    f"Free trial of {plan.name}",
                    0,
                    start,
                    trial_end,
                    quantity=str(st.quantity),
                )
            ],
        )
        self.c.usage_span(self, start, trial_end, plan)
        if trial_end >= self.end:
            return self
        if not chance(self.rng, 560):  # the trial does not convert
            asked = pick_moment(self.rng, start, trial_end, self.zone) or trial_end
            self.push(trial_end, status="cancelled", cancelled_at=asked, ended_at=trial_end)
            self.ended = trial_end
            return self
        self.push(trial_end, status="active")
        self.cycles(trial_end, "subscription_cycle")
        return self

    def cycles(self, anchor: datetime, reason: str) -> None:
        rng, end = self.rng, self.end
        k = 0
        pending: dict[str, Any] = {}
        usage_due: list[Line] = []
        cancel_at_end = False
        once_used = False
        while True:
            months = self.state.plan.months
            ps = add_months(anchor, months * k, self.zone)
            if ps >= end:
                return
            if cancel_at_end:
                self.push(ps, status="cancelled", ended_at=ps)
                self.ended = ps
                if usage_due:
                    inv = self.c.ledger.invoice(
                        self.id, self.state.plan.currency, "subscription_cycle", ps, usage_due
                    )
                    self.collect(inv, can_churn=False)
                self.after_churn(ps, voluntary=True)
                return
            if once_used or (self.discount_until is not None and ps >= self.discount_until):
                pending["discount"] = None
                once_used, self.discount_until = False, None
            if pending.get("status") == "paused":
                self.push(ps, **pending)
                pending = {"status": "active"}
                k += rng.randint(1, 2)
                continue
            if pending:
                self.push(ps, **pending)
                pending = {}
            plan, qty = self.state.plan, self.state.quantity
            pe = add_months(anchor, months * (k + 1), self.zone)
            base = plan.amount_cents * qty
            seats = f" ({qty} seats)" if plan.per_seat else ""
            lines = [Line("subscription", plan.name + seats, base, ps, pe, quantity=str(qty))]
            disc = self.state.discount
            if disc is not None and disc.off(base):
                lines.append(Line("subscription", disc.label(), -disc.off(base), ps, pe))
                once_used = disc.duration == "once"
            lines += usage_due
            usage_due = []
            inv = self.c.ledger.invoice(self.id, plan.currency, reason, ps, lines)
            reason = "subscription_cycle"
            if self.collect(inv, can_churn=True) == "churned":
                self.after_churn(self.last_at, voluntary=False)
                return
            period = seconds_between(ps, pe)
            lo = max(ps + timedelta(seconds=period // 10), self.last_at)
            at = pick_moment(rng, lo, ps + timedelta(seconds=period * 7 // 10), self.zone)
            event = self.pick_event(plan, qty) if at is not None and at < end else "none"
            assert at is not None or event == "none"
            if event == "cancel_now" and at is not None:
                self.c.usage_span(self, ps, at, plan)
                self.cancel_now(at, ps, pe)
                return
            if event == "upgrade" and at is not None:
                new_anchor = self.upgrade(at, ps, pe, usage_due)
                if new_anchor is not None:  # the interval changed: cycles restart from here
                    anchor, k = new_anchor, 1
                    continue
            elif at is not None and event != "none":
                cancel_at_end = self.minor_event(event, at, ps, pe, pending, anchor, k)
            usage_due += self.c.usage_span(self, ps, pe, plan)
            k += 1

    def pick_event(self, plan: PlanSpec, qty: int) -> str:
        factor = PERIOD_FACTOR[plan.months]
        options = []
        for name, weight in EVENTS:
            if name == "upgrade" and not self._upgrades(plan):
                continue
            if name == "downgrade" and not self._downgrades(plan):
                continue
            if name == "seats_up" and plan.per_seat:
                weight = 70
            if name == "seats_down" and plan.per_seat and qty > 1:
                weight = 35
            if name == "discount" and self.state.discount is not None:
                continue
            if name == "pause" and plan.months != 1:
                continue
            options.append((name, weight * factor // 10))
        none = max(0, 1000 - sum(w for _, w in options))
        return weighted(self.rng, [*options, ("none", none)])

    def _upgrades(self, plan: PlanSpec) -> list[PlanSpec]:
        return [
            p
            for p in family_plans(plan.product_id, plan.currency)
            if p.tier > plan.tier and p.months >= plan.months
        ]

    def _downgrades(self, plan: PlanSpec) -> list[PlanSpec]:
        return [
            p
            for p in family_plans(plan.product_id, plan.currency)
            if p.tier < plan.tier and p.months == plan.months
        ]

    def upgrade(
        self, at: datetime, ps: datetime, pe: datetime, usage_due: list[Line]
    ) -> datetime | None:
        """Move to a higher plan now, with proration; a new anchor when the interval changes."""
        old, qty = self.state.plan, self.state.quantity
        choices = self._upgrades(old)
        new = choices[0] if chance(self.rng, 700) else self.rng.choice(choices)
        period, left = seconds_between(ps, pe), seconds_between(at, pe)
        credit = div_round(old.amount_cents * qty * left, period)
        if new.months == old.months:
            charge = div_round(new.amount_cents * qty * left, period)
            new_end = pe
        else:
            charge = new.amount_cents * qty
            new_end = add_months(at, new.months, self.zone)
        self.push(at, plan=new)
        inv = self.c.ledger.invoice(
            self.id,
            new.currency,
            "subscription_update",
            at,
            [
                Line(
                    "subscription",
                    f"Remaining time on {new.name}",
                    charge,
                    at,
                    new_end,
                    quantity=str(qty),
                ),
                Line(
                    "subscription", f"Unused time on {old.name}", -credit, at, pe, quantity=str(qty)
                ),
            ],
        )
        self.collect(inv, can_churn=False)
        if new.months == old.months:
            return None
        usage_due += self.c.usage_span(self, ps, at, old)
        usage_due += self.c.usage_span(self, at, new_end, new)
        return at

    def minor_event(
        self,
        event: str,
        at: datetime,
        ps: datetime,
        pe: datetime,
        pending: dict[str, Any],
        anchor: datetime,
        k: int,
    ) -> bool:
        """Apply a change that does not end the period; True when cancelling at period end."""
        rng, st = self.rng, self.state
        plan, qty = st.plan, st.quantity
        if event == "cancel_at_end":
            self.push(at, cancelled_at=at)
            return True
        if event == "downgrade":
            pending["plan"] = self._downgrades(plan)[-1]
        elif event == "seats_down":
            pending["quantity"] = max(1, qty - rng.randint(1, max(1, qty // 3)))
        elif event == "pause":
            pending["status"] = "paused"
        elif event == "seats_up":
            extra = rng.randint(1, max(1, qty // 3 + 1))
            period, left = seconds_between(ps, pe), seconds_between(at, pe)
            self.push(at, quantity=qty + extra)
            inv = self.c.ledger.invoice(
                self.id,
                plan.currency,
                "subscription_update",
                at,
                [
                    Line(
                        "subscription",
                        f"{extra} additional seats on {plan.name} (prorated)",
                        div_round(plan.amount_cents * extra * left, period),
                        at,
                        pe,
                        quantity=str(extra),
                    )
                ],
            )
            self.collect(inv, can_churn=False)
        elif event == "discount":
            kind = weighted(rng, [("repeating", 6), ("once", 2), ("forever", 2)])
            if kind == "repeating":
                ends = add_months(anchor, plan.months * (k + 4), self.zone)
                disc = Discount("repeating", percent=rng.choice((20, 25, 30, 50)), ends_at=ends)
                self.discount_until = ends
            elif kind == "once":
                disc = Discount("once", amount=rng.choice((1000, 2000, 2500)))
            else:
                disc = Discount("forever", percent=10)
            self.push(at, discount=disc)
        return False

    def cancel_now(self, at: datetime, ps: datetime, pe: datetime) -> None:
        self.push(at, status="cancelled", cancelled_at=at, ended_at=at)
        self.ended = at
        pay = self.cycle_payment
        if pay is not None and pay.invoice.issued_at == ps and chance(self.rng, 600):
            unused = div_round(pay.amount * seconds_between(at, pe), seconds_between(ps, pe))
            self.c.ledger.refund(pay, unused, at + timedelta(hours=self.rng.randint(1, 48)))
        self.after_churn(at, voluntary=True)

    def after_churn(self, at: datetime, *, voluntary: bool) -> None:
        """Some customers come back: on this subscription (a reactivation) or a new one."""
        rng = self.rng
        if self.reactivations <= 0 or not chance(rng, 170 if voluntary else 300):
            return
        back = pick_moment(rng, at + timedelta(days=20), at + timedelta(days=220), self.zone)
        if back is None or back >= self.end:
            return
        self.reactivations -= 1
        if chance(rng, 500):
            self.restart_at = back
            return
        same = [
            p
            for p in family_plans(self.state.plan.product_id, self.state.plan.currency)
            if p.months == 1
        ] or [self.state.plan]
        plan = self.state.plan if chance(rng, 650) else rng.choice(same)
        self.push(back, status="active", plan=plan, cancelled_at=None, ended_at=None, discount=None)
        self.ended = None
        self.discount_until = None
        self.cycles(back, "subscription_update")
