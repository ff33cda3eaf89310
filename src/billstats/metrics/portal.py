"""The customer portal's dashboard: what one customer owes, will be billed and has used, at ``now``.

Definitions (see docs/metrics.md, "Customer portal"):

- live subscriptions: the customer's subscriptions whose version in effect at ``now`` is active,
  trialing or past due and not ended; ordered by start, then id.
- next billing: per live subscription that renews (does not end at or before its next billing
  instant), the next billing instant of its calendar (``portal_schedule``), the whole days until
  it, and the next invoice's recurring part (``portal_billing``).
- usage: events in the current period up to ``now``, tied to the subscription, or tied to no
  subscription and counted by the first live subscription whose plan charges or limits the metric.
- features: the live subscriptions' plan features, first occurrence of a code wins.
- quick actions: open invoices and active wallets, in the customer's currency.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import Connection

from billstats.errors import NotFound
from billstats.metrics import portal_data as data
from billstats.metrics.calendar import local_date
from billstats.metrics.fx import load_converter
from billstats.metrics.portal_billing import (
    LiveSubscription,
    NextBilling,
    is_live,
    live_subscription,
    next_billing,
)
from billstats.metrics.pricing import round_minor
from billstats.money import MICROS, micros_to_minor
from billstats.tenants.schemas import Tenant


@dataclass(frozen=True)
class FeatureProgress:
    code: str
    name: str
    type: str
    value: str
    usage: int | None  # micros, for quantity features
    percentage: Decimal | None  # 2 decimals, at most 100; None when the limit is 0


@dataclass(frozen=True)
class QuickActions:
    open_invoice_count: int
    outstanding_minor: int
    has_wallet: bool
    wallet_balance_minor: int
    has_active_subscription: bool
    currency: str


@dataclass(frozen=True)
class PortalSummary:
    billing: list[NextBilling]
    features: list[FeatureProgress]
    actions: QuickActions


def summarize(conn: Connection, tenant: Tenant, customer_id: str, now: datetime) -> PortalSummary:
    """The dashboard of ``customer_id`` of ``tenant`` as of ``now`` (aware)."""
    customer = data.load_customer(conn, tenant.id, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id!r}")
    histories = [
        versions
        for versions in data.subscription_versions(conn, tenant.id, customer_id, now).values()
        if versions[-1]["customer_id"] == customer_id
    ]
    histories.sort(key=lambda vs: (vs[-1]["started_at"], vs[-1]["subscription_id"]))
    plans = data.load_plans(conn, tenant.id, (vs[-1]["plan_id"] for vs in histories))
    live = [
        live_subscription(vs, plans[vs[-1]["plan_id"]], tenant.zone, now)
        for vs in histories
        if is_live(vs[-1], now)
    ]
    usage = _usage(conn, tenant.id, customer_id, live, now)
    billing = [next_billing(sub, usage[sub.id], now) for sub in live if sub.renews]
    currency = customer["currency"] or (
        str(histories[0][-1]["currency"]) if histories else tenant.currency
    )
    return PortalSummary(
        billing=billing,
        features=_features(live, usage),
        actions=_actions(conn, tenant, customer_id, currency, bool(live), now),
    )


def _usage(
    conn: Connection, tenant_id: int, customer_id: str, live: list[LiveSubscription], now: datetime
) -> dict[str, dict[str, int]]:
    """Per live subscription: usage (micros) per metric in its current period up to ``now``."""
    home: dict[str, str] = {}  # metric -> the subscription that counts untied events
    for sub in live:
        for code in sub.metric_codes():
            home.setdefault(code, sub.id)
    out: dict[str, dict[str, int]] = {}
    for sub in live:
        totals = data.usage_totals(conn, tenant_id, customer_id, sub.id, sub.period.start, now)
        mine: dict[str, int] = {}
        for (tied_to, metric), quantity in totals.items():
            if tied_to == sub.id or (tied_to is None and home.get(metric) == sub.id):
                mine[metric] = mine.get(metric, 0) + quantity
        out[sub.id] = mine
    return out


def _features(
    live: list[LiveSubscription], usage: dict[str, dict[str, int]]
) -> list[FeatureProgress]:
    seen: set[str] = set()
    out: list[FeatureProgress] = []
    for sub in live:
        for feature in sub.plan["features"]:
            code = str(feature["code"])
            if code in seen:
                continue
            seen.add(code)
            value = str(feature["value"])
            used: int | None = None
            percentage: Decimal | None = None
            if feature["type"] == "quantity":
                used = usage[sub.id].get(code, 0)
                percentage = usage_percentage(used, value)
            out.append(
                FeatureProgress(
                    code, str(feature["name"]), str(feature["type"]), value, used, percentage
                )
            )
    return out


def usage_percentage(used_micros: int, limit: str) -> Decimal | None:
    """min(100, used / limit * 100), half-even to 2 decimals; None for a limit of 0."""
    value = Decimal(limit)
    if value <= 0:
        return None
    # A limit written with a huge exponent ("1e99999999") would make a Fraction of millions of
    # digits.  Far outside 1e-30..1e30 the answer is known: usage (whole micros, below 1e24
    # units) is either nothing next to the limit or at least 1 micro above it.
    if value.adjusted() > 30:
        return Decimal("0.00")
    if value.adjusted() < -30:
        return Decimal("100.00") if used_micros > 0 else Decimal("0.00")
    bound = Fraction(value)
    exact = min(Fraction(100), Fraction(used_micros, MICROS) / bound * 100)
    hundredths = round(exact * 100)  # Fraction.__round__ is half-even
    return Decimal(hundredths).scaleb(-2)


def _actions(
    conn: Connection,
    tenant: Tenant,
    customer_id: str,
    currency: str,
    has_active: bool,
    now: datetime,
) -> QuickActions:
    invoices = data.open_invoices(conn, tenant.id, customer_id, now)
    wallets = data.active_wallets(conn, tenant.id, customer_id, now)
    day = local_date(now, tenant.zone)
    outstanding, balance = _in_currency(conn, tenant, currency, day, [invoices, wallets])
    return QuickActions(
        open_invoice_count=len(invoices),
        outstanding_minor=outstanding,
        has_wallet=bool(wallets),
        wallet_balance_minor=balance,
        has_active_subscription=has_active,
        currency=currency,
    )


def _in_currency(
    conn: Connection,
    tenant: Tenant,
    currency: str,
    day: date,
    groups: Iterable[list[data.Amount]],
) -> list[int]:
    """Each group's total in ``currency`` (minor units, rounded once).  Amounts in another
    currency are converted at that day's rates, crossed through the reporting currency."""
    groups = list(groups)
    foreign = {a.currency for group in groups for a in group if a.currency != currency}
    converter = None
    if foreign:
        converter = load_converter(conn, tenant.id, tenant.currency, foreign | {currency}, day, day)
    totals: list[int] = []
    for group in groups:
        exact = Fraction(0)
        for amount in group:
            if amount.currency == currency or converter is None:
                exact += amount.micros
            else:
                exact += converter.convert(amount.micros, amount.currency, day) / converter.rate(
                    currency, day
                )
        totals.append(micros_to_minor(round_minor(exact, currency), currency))
    return totals
