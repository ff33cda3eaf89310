"""One subscription as its customer sees it: the current period, the next invoice, its usage.

Used by the customer portal (``billstats.metrics.portal``).  Amounts are exact until one final
rounding to the currency's minor unit (half-even), as in ``billstats.metrics.pricing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from billstats.metrics.portal_schedule import Period, Schedule, current_period, interval_name
from billstats.metrics.pricing import Discount, discounted, gross, round_minor
from billstats.money import MICROS, micros_to_minor

Row = dict[str, Any]
LIVE_STATUSES = ("active", "trialing", "past_due")
_DISCOUNT_COLUMNS = ("discount_percent", "discount_amount", "discount_duration", "discount_ends_at")


@dataclass(frozen=True)
class LiveSubscription:
    """A subscription in effect at ``now`` (its latest version not after ``now``)."""

    id: str
    state: Row  # the version in effect
    plan: Row
    discount: Discount | None
    discount_since: datetime  # when the discount in effect was put on the subscription
    schedule: Schedule
    period: Period

    @property
    def currency(self) -> str:
        return str(self.state["currency"])

    @property
    def renews(self) -> bool:
        """False when the subscription ends at or before its next billing instant."""
        ended = self.state["ended_at"]
        return ended is None or ended > self.period.end

    def metric_codes(self) -> list[str]:
        """Codes this plan counts usage for: its usage charges, then its features."""
        charges = [str(c["metric_code"]) for c in self.plan["usage_charges"]]
        return charges + [str(f["code"]) for f in self.plan["features"]]


def is_live(state: Row, now: datetime) -> bool:
    """Active, trialing or past due, and not ended by ``now``."""
    ended = state["ended_at"]
    return state["status"] in LIVE_STATUSES and (ended is None or ended > now)


def discount_since(versions: list[Row]) -> datetime:
    """When the discount of the last version was put on: the first version of the last run of
    versions carrying that same discount (the subscription's start for the first version)."""

    def key(row: Row) -> tuple[object, ...]:
        return tuple(row[c] for c in _DISCOUNT_COLUMNS)

    current = key(versions[-1])
    i = len(versions) - 1
    while i > 0 and key(versions[i - 1]) == current:
        i -= 1
    since: datetime = versions[i]["effective_at"]
    if i == 0:
        started: datetime = versions[-1]["started_at"]
        since = min(since, started)
    return since


def live_subscription(
    versions: list[Row], plan: Row, tz: ZoneInfo, now: datetime
) -> LiveSubscription:
    """``versions`` in effect order, the last one in effect at ``now``."""
    state = versions[-1]
    anchor = state["trial_ends_at"] or state["started_at"]
    schedule = Schedule(anchor, str(plan["interval_unit"]), int(plan["interval_count"]), tz)
    return LiveSubscription(
        id=str(state["subscription_id"]),
        state=state,
        plan=plan,
        discount=Discount.from_row(state),
        discount_since=discount_since(versions),
        schedule=schedule,
        period=current_period(schedule, state["started_at"], now),
    )


def discount_applies(sub: LiveSubscription) -> bool:
    """Whether the discount in effect lowers the next invoice.

    forever: always.  once: only the first invoice at or after the discount was put on, so not
    when a billing instant already fell between then and now.  repeating: while the next billing
    instant is before ``ends_at``.
    """
    discount = sub.discount
    if discount is None:
        return False
    if discount.duration == "once":
        previous = sub.period.previous
        return previous is None or previous < sub.discount_since
    if discount.duration == "repeating":
        return discount.ends_at is None or sub.period.end < discount.ends_at
    return True


def next_invoice_micros(sub: LiveSubscription) -> Fraction:
    """The next invoice's recurring part, exact: plan amount * quantity less the discount when
    it applies to that invoice."""
    amount = gross(int(sub.plan["amount"]), int(sub.state["quantity"]))
    return discounted(amount, sub.discount if discount_applies(sub) else None)


def usage_charge_micros(sub: LiveSubscription, usage: dict[str, int]) -> Fraction:
    """The period's usage (micros per metric) priced at the plan's unit amounts, exact."""
    total = Fraction(0)
    for charge in sub.plan["usage_charges"]:
        quantity = usage.get(str(charge["metric_code"]), 0)
        total += Fraction(quantity * int(charge["unit_amount"]), MICROS)
    return total


@dataclass(frozen=True)
class NextBilling:
    """The next invoice of one subscription (minor units of its currency)."""

    subscription_id: str
    plan_name: str
    plan_interval: str
    currency: str
    next_billing_at: datetime
    days_until: int
    base_minor: int
    usage_minor: int

    @property
    def total_minor(self) -> int:
        return self.base_minor + self.usage_minor


def next_billing(sub: LiveSubscription, usage: dict[str, int], now: datetime) -> NextBilling:
    currency = sub.currency
    base = round_minor(next_invoice_micros(sub), currency)
    charges = round_minor(usage_charge_micros(sub, usage), currency)
    return NextBilling(
        subscription_id=sub.id,
        plan_name=str(sub.plan["name"]),
        plan_interval=interval_name(
            str(sub.plan["interval_unit"]), int(sub.plan["interval_count"])
        ),
        currency=currency,
        next_billing_at=sub.period.end,
        days_until=(sub.period.end - now) // timedelta(days=1),
        base_minor=micros_to_minor(base, currency),
        usage_minor=micros_to_minor(charges, currency),
    )
