"""Baseline of a partner's analytics: its calls grouped in SQL straight from ``call_records``.

One query joins the partner's accounts to their call records in the window and groups them by
UTC hour, direction, product, answered flag and currency; the hours are summed per local day,
and minutes and costs rounded as the partner figures are (half-even: minutes to 1 decimal, the
SIP-trunking total to whole minutes, cost to 2 decimals, balance to 5).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, and_, func, select

from bench.baseline import hour_of, local_day_of_hour, tenant, window
from billstats.db import tables as t
from billstats.metrics.calendar import local_date
from billstats.metrics.fx import load_converter
from billstats.money import MICROS


def round_half_even(value: Fraction, places: int) -> Decimal:
    return Decimal(round(value * 10**places)).scaleb(-places)


@dataclass
class Tally:
    calls: int = 0
    answered: int = 0
    seconds: int = 0
    cost: Fraction = field(default_factory=Fraction)  # micros of the partner's currency

    def add(self, calls: int, answered: int, seconds: int, cost: Fraction) -> None:
        self.calls += calls
        self.answered += answered
        self.seconds += seconds
        self.cost += cost

    def figures(self, *, whole_minutes: bool = False, cost: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "total_calls": self.calls,
            "answered_calls": self.answered,
            "total_minutes": round_half_even(Fraction(self.seconds, 60), 0 if whole_minutes else 1),
        }
        if cost:
            out["total_cost"] = round_half_even(self.cost / MICROS, 2)
        return out


def partner_analytics(
    conn: Connection, tenant_id: int, partner_id: str, first: date, last: date, now: datetime
) -> dict[str, Any]:
    """The partner's accounts, balance and call figures for days ``first``..``last``: a flat
    dict of comparable values (``calls.total_cost``, ``time_series.2025-01-02.inbound.total_calls``
    ...)."""
    ten = tenant(conn, tenant_id)
    c, cr = t.customers, t.call_records
    accounts = conn.execute(
        select(c.c.id, c.c.currency, c.c.is_active).where(
            c.c.tenant_id == tenant_id, c.c.partner_id == partner_id
        )
    ).all()
    currencies = {a.currency for a in accounts if a.currency is not None}
    currency = currencies.pop() if len(currencies) == 1 else ten.currency
    start, end = window(first, last, ten.timezone, now)
    hour = hour_of(conn, cr.c.started_at)
    grouped = (
        select(
            hour.label("hour"),
            cr.c.direction,
            cr.c.product,
            cr.c.answered,
            cr.c.currency,
            func.count().label("calls"),
            func.sum(cr.c.billed_seconds).label("seconds"),
            func.sum(cr.c.cost).label("cost"),
        )
        .select_from(cr.join(c, and_(c.c.tenant_id == cr.c.tenant_id, c.c.id == cr.c.account_id)))
        .where(
            cr.c.tenant_id == tenant_id,
            c.c.partner_id == partner_id,
            cr.c.started_at >= start,
            cr.c.started_at < end,
        )
        .group_by(hour, cr.c.direction, cr.c.product, cr.c.answered, cr.c.currency)
    )
    rows = [(local_day_of_hour(r.hour, ten.timezone), r) for r in conn.execute(grouped)]
    conv = load_converter(
        conn, tenant_id, ten.currency, {r.currency for _, r in rows} | {currency}, first, last
    )
    total = Tally()
    parts: dict[str, Tally] = defaultdict(Tally)
    days: dict[date, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for day, r in rows:
        cost = Fraction(int(r.cost))  # (PostgreSQL sums bigint as numeric)
        if r.currency != currency:
            cost = conv.convert(int(r.cost), r.currency, day) / conv.rate(currency, day)
        figures = (r.calls, r.calls if r.answered else 0, int(r.seconds), cost)
        total.add(*figures)
        parts[f"traffic.{r.direction}"].add(*figures)
        parts[f"by_product.{r.product}"].add(*figures)
        days[day]["all"].add(*figures)
        days[day][r.direction].add(*figures)
    out: dict[str, Any] = {
        "accounts.total": len(accounts),
        "accounts.active": sum(1 for a in accounts if a.is_active),
        "currency": currency,
        "total_balance": _balance(conn, tenant_id, partner_id, currency, ten.currency, now),
    }
    out.update(_flat("calls", total.figures()))
    for name in ("traffic.inbound", "traffic.outbound", "by_product.voice_api"):
        out.update(_flat(name, parts[name].figures()))
    out.update(_flat("by_product.sip_trunking", parts["by_product.sip_trunking"].figures(
        whole_minutes=True)))  # fmt: skip
    for day, tallies in sorted(days.items()):
        prefix = f"time_series.{day.isoformat()}"
        out.update(_flat(prefix, tallies["all"].figures()))
        for direction in ("inbound", "outbound"):
            out.update(_flat(f"{prefix}.{direction}", tallies[direction].figures(cost=False)))
    return out


def _flat(prefix: str, figures: dict[str, Any]) -> dict[str, Any]:
    return {f"{prefix}.{name}": value for name, value in figures.items()}


def _balance(
    conn: Connection, tenant_id: int, partner_id: str, currency: str, reporting: str, now: datetime
) -> Decimal:
    """The sum of the transactions up to now of the accounts' active wallets (5 decimals)."""
    c, w, tx = t.customers, t.wallets, t.wallet_transactions
    rows = conn.execute(
        select(w.c.currency, func.sum(tx.c.amount))
        .select_from(
            tx.join(w, and_(w.c.tenant_id == tx.c.tenant_id, w.c.id == tx.c.wallet_id)).join(
                c, and_(c.c.tenant_id == w.c.tenant_id, c.c.id == w.c.customer_id)
            )
        )
        .where(
            tx.c.tenant_id == tenant_id,
            c.c.partner_id == partner_id,
            w.c.status == "active",
            tx.c.created_at <= now,
        )
        .group_by(w.c.currency)
    ).all()
    today = local_date(now, tenant(conn, tenant_id).timezone)
    conv = load_converter(
        conn, tenant_id, reporting, {r[0] for r in rows} | {currency}, today, today
    )
    total = Fraction(0)
    for wallet_currency, summed in rows:
        amount = int(summed)
        if wallet_currency == currency:
            total += amount
        else:
            total += conv.convert(amount, wallet_currency, today) / conv.rate(currency, today)
    return round_half_even(total / MICROS, 5)
