"""One regular (SaaS) customer: profile, subscriptions, one-off invoices, usage, prepaid wallet.

Each customer draws from its own ``random.Random`` seeded by (seed, index), so a customer can be
simulated again on its own and always comes out the same.  The stream simulates every customer
once per record kind instead of holding the whole history in memory.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from billstats.demo.catalog import AFFILIATES, FAMILIES, PlanSpec, family_plans
from billstats.demo.config import HISTORY_DAYS, DemoConfig
from billstats.demo.history import Discount
from billstats.demo.ledger import Ledger, Line
from billstats.demo.lifecycle import SubscriptionSim
from billstats.demo.util import (
    add_months,
    business_seconds,
    cents,
    chance,
    company_name,
    div_round,
    iso,
    local_moment,
    millis,
    person_name,
    pick_moment,
    seconds_between,
    weighted,
)

Obj = dict[str, Any]
WEEK = 7 * 86_400

TAX_BP = {
    "USD": ((0, 70), (625, 10), (888, 12), (725, 8)),
    "EUR": ((1900, 40), (2000, 20), (2100, 10), (0, 30)),
    "GBP": ((2000, 80), (0, 20)),
}
PHONE_PREFIX = {"USD": "+1 555 01", "EUR": "+49 30 55", "GBP": "+44 20 79"}
SEATS = ((1, 10), (2, 15), (3, 15), (5, 20), (8, 15), (12, 10), (20, 10), (40, 5))
INTENSITY = ((1, 30), (2, 30), (3, 20), (5, 12), (8, 6), (13, 2))
ONE_OFF = (
    ("Onboarding and data migration", 50000),
    ("Custom report setup", 25000),
    ("Annual training workshop", 120000),
)


@dataclass
class UsageEvent:
    id: str
    subscription_id: str
    metric: str
    milli: int
    at: datetime


class CustomerSim:
    def __init__(self, config: DemoConfig, index: int) -> None:
        self.config = config
        self.index = index
        self.id = f"cus_{index:06d}"
        self.rng = random.Random(f"{config.seed}/customer/{index}")
        self.end = config.end
        self.zone = config.zone
        rng = self.rng
        self.product, self.currency = weighted(rng, FAMILIES)
        frac = rng.random() if chance(rng, 450) else max(rng.random(), rng.random())
        day = config.first_day + timedelta(days=min(HISTORY_DAYS - 1, int(frac * HISTORY_DAYS)))
        self.signup = local_moment(day, business_seconds(rng), self.zone)
        if chance(rng, 400):
            first, last = person_name(rng)
            self.name = f"{first} {last}"
            self.email = f"{first}.{last}.{index}@example.com".lower()
        else:
            self.name = company_name(rng)
            self.email = f"billing+{index}@{self.name.replace(' ', '-').lower()}.example"
        self.phone = f"{PHONE_PREFIX[self.currency]} {rng.randrange(10_000, 100_000)}"
        self.livemode = not chance(rng, 30)
        self.invoice_billed = chance(rng, 200)
        self.fail_per_mille = weighted(rng, ((30, 75), (80, 20), (200, 5)))
        self.affiliate = rng.choice(AFFILIATES)[0] if chance(rng, 150) else None
        self.intensity = weighted(rng, INTENSITY)
        self.ledger = Ledger(
            index, self.id, weighted(rng, TAX_BP[self.currency]), self.livemode, self.end
        )
        self.usage: list[UsageEvent] = []
        self.subs: list[SubscriptionSim] = []
        self.wallet: Obj | None = None
        self.wallet_txns: list[Obj] = []

    # -- the story ------------------------------------------------------------------------------

    def run(self) -> CustomerSim:
        rng = self.rng
        plans = family_plans(self.product, self.currency)
        start = self.signup + timedelta(seconds=rng.randint(60, 1800))
        sim = self._subscribe(plans, start, signup=True)
        while sim.restart_at is not None and len(self.subs) < 4:
            monthly = [p for p in plans if p.months == 1] or plans
            sim = self._start(rng.choice(monthly), sim.restart_at, trial=False, discount=None)
        if chance(rng, 80):  # an add-on subscription to another product, same currency
            others = [f for f, _ in FAMILIES if f[1] == self.currency and f[0] != self.product]
            at = pick_moment(
                rng, self.signup + timedelta(days=20), self.signup + timedelta(days=400), self.zone
            )
            if others and at is not None and at < self.end:
                self._subscribe(family_plans(*rng.choice(others)), at, signup=False)
        if chance(rng, 100):
            self._one_off()
        if self.product == "prod_relay" and chance(rng, 500):
            self._wallet()
        return self

    def _subscribe(
        self, plans: list[PlanSpec], start: datetime, *, signup: bool
    ) -> SubscriptionSim:
        rng = self.rng
        plan = weighted(rng, [(p, {1: 6, 2: 3}.get(p.tier, 1)) for p in plans])
        trial = plan.trial_days > 0 and chance(rng, 650)
        discount: Discount | None = None
        until: datetime | None = None
        if signup and chance(rng, 180):
            kind = weighted(
                rng,
                (("forever%", 30), ("once%", 20), ("repeating", 25), ("once", 10), ("forever", 15)),
            )
            if kind == "repeating":
                first = start + timedelta(days=plan.trial_days if trial else 0)
                until = add_months(first, plan.months * 3, self.zone)
                discount = Discount("repeating", percent=25, ends_at=until)
            elif kind == "forever%":
                discount = Discount("forever", percent=rng.choice((10, 15, 20)))
            elif kind == "once%":
                discount = Discount("once", percent=50)
            else:
                discount = Discount(kind, amount=1000 if kind == "once" else 500)
        return self._start(plan, start, trial=trial, discount=discount, until=until)

    def _start(
        self,
        plan: PlanSpec,
        start: datetime,
        *,
        trial: bool,
        discount: Discount | None,
        until: datetime | None = None,
    ) -> SubscriptionSim:
        qty = weighted(self.rng, SEATS) if plan.per_seat else 1
        sim = SubscriptionSim(
            self,
            f"sub_{self.index:06d}_{len(self.subs) + 1}",
            plan,
            start,
            trial=trial,
            quantity=qty,
            discount=discount,
            reactivations=1,
        )
        sim.discount_until = until
        self.subs.append(sim)
        return sim.run()

    def _one_off(self) -> None:
        rng = self.rng
        at = pick_moment(
            rng, self.signup, min(self.end, self.signup + timedelta(days=500)), self.zone
        )
        if at is None:
            return
        description, amount = rng.choice(ONE_OFF)
        inv = self.ledger.invoice(
            None,
            self.currency,
            "manual",
            at,
            [Line("one_time", description, amount, quantity="1")],
            due_days=30,
        )
        roll = rng.randrange(1000)
        if roll < 150:
            inv.status = "void"
        elif roll >= 250:
            paid = at + timedelta(days=rng.randint(3, 25), hours=rng.randint(0, 8))
            if paid < self.end:
                self.ledger.pay(inv, paid, "succeeded")

    def _wallet(self) -> None:
        rng = self.rng
        start = self.subs[0].state.started_at + timedelta(hours=1)
        # A churned customer's wallet stops when its last subscription ended.
        stop = (
            self.end
            if self.active
            else max((s.ended for s in self.subs if s.ended is not None), default=self.end)
        )
        if start >= stop:
            return
        wid = f"wal_{self.index:06d}"
        self.wallet = {
            "kind": "wallets",
            "data": {
                "id": wid,
                "customer_id": self.id,
                "currency": self.currency,
                "status": "active" if self.active else "terminated",
            },
        }
        top = weighted(rng, ((10_000, 5), (25_000, 3), (50_000, 2)))
        balance = 0

        def add(at: datetime, amount: int) -> None:
            nonlocal balance
            balance += amount
            self.wallet_txns.append(
                {
                    "kind": "wallet_transactions",
                    "data": {
                        "id": f"wtx_{self.index:06d}_{len(self.wallet_txns) + 1:04d}",
                        "wallet_id": wid,
                        "amount": cents(amount),
                        "created_at": iso(at, self.zone),
                    },
                }
            )

        add(start, top)
        at = start
        while True:
            at += timedelta(days=rng.randint(5, 15), seconds=rng.randint(0, 36_000))
            if at >= stop:
                break
            debit = rng.randint(500, 6_000)
            if debit > balance:
                add(at, top)
                at += timedelta(minutes=1)
            add(at, -debit)
        closing = stop + timedelta(hours=1)
        if not self.active and balance > 0 and closing < self.end:
            add(closing, -balance)

    @property
    def active(self) -> bool:
        return any(s.state.status != "cancelled" for s in self.subs)

    # -- usage ----------------------------------------------------------------------------------

    def usage_span(
        self, sub: SubscriptionSim, start: datetime, stop: datetime, plan: PlanSpec
    ) -> list[Line]:
        """Usage events for ``plan``'s metered metric in [start, stop); the lines that bill them."""
        stop = min(stop, self.end)
        span = seconds_between(start, stop)
        if not plan.metered or span <= 0:
            return []
        rng = self.rng
        n = max(1, span // WEEK)
        step = span // n
        total = 0
        for i in range(n):
            at = start + timedelta(seconds=step * i + rng.randrange(max(1, step)))
            if at >= stop:
                continue
            if plan.metered == "sms_sent":
                qty = self.intensity * rng.randint(150, 600) * 1000
            elif plan.metered == "api_calls":
                qty = self.intensity * rng.randint(800, 2500) * 1000
            else:
                qty = sub.state.quantity * self.intensity * rng.randint(300, 2500)
            qty = max(1000 if plan.metered != "egress_gb" else 1, qty * step // WEEK)
            if plan.metered != "egress_gb":
                qty -= qty % 1000
            total += qty
            self.usage.append(
                UsageEvent(
                    f"ue_{self.index:06d}_{len(self.usage) + 1:05d}", sub.id, plan.metered, qty, at
                )
            )
        if total == 0:
            return []
        return [
            Line(
                "usage",
                f"{metric} usage",
                div_round(total * unit, 10_000_000),
                start,
                stop,
                quantity=millis(total),
                metric_code=metric,
            )
            for metric, unit in plan.usage
            if metric == plan.metered
        ]

    # -- records --------------------------------------------------------------------------------

    def customer_record(self) -> Obj:
        return {
            "kind": "customers",
            "data": {
                "id": self.id,
                "name": self.name,
                "email": self.email,
                "phone": self.phone,
                "currency": self.currency,
                "created_at": iso(self.signup, self.zone),
                "is_active": self.active,
            },
        }

    def usage_records(self) -> list[Obj]:
        return [
            {
                "kind": "usage_events",
                "data": {
                    "id": e.id,
                    "customer_id": self.id,
                    "subscription_id": e.subscription_id,
                    "metric_code": e.metric,
                    "quantity": millis(e.milli),
                    "timestamp": iso(e.at, self.zone),
                },
            }
            for e in self.usage
        ]


def simulate(config: DemoConfig, index: int) -> CustomerSim:
    return CustomerSim(config, index).run()
