"""The account overview: products, subscriptions, payments and revenue, as of one instant.

Definitions (``docs/metrics.md``, "devkit4ai"):

- products: every product; ``configured``/``test_credentials``/``live_credentials`` count the
  products whose payment provider has that flag.  Products have no live/test mode, so they are
  counted whatever ``include_test`` says.
- subscriptions: those that exist at ``now`` (a version in effect at ``now``), in the state of
  that version; ``active`` = status ``active`` or ``trialing``.
- payments: those created at or before ``now``, any status; ``successful`` = ``succeeded``.
- revenue: the exact sum of succeeded payments, each converted into the reporting currency with
  the ``fx_rates`` of its day in the tenant's zone, rounded once (half-even) to the reporting
  currency's minor unit.  Refunds are not subtracted.
- ``include_test``: True counts test and live records, False live ones only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, case, func, select, true
from sqlalchemy.sql.elements import ColumnElement

from billstats.db import tables as t
from billstats.metrics import subscription_states
from billstats.metrics.calendar import Span, local_date
from billstats.metrics.fx import load_converter
from billstats.metrics.pricing import round_minor
from billstats.metrics.rollup_days import SpanDays, split
from billstats.metrics.windows import BEGINNING
from billstats.money import micros_to_minor
from billstats.tenants.schemas import Tenant

SUCCEEDED = "succeeded"
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Overview:
    products: int
    products_configured: int
    products_test_credentials: int
    products_live_credentials: int
    subscriptions: int
    active_subscriptions: int
    payments: int
    successful_payments: int
    revenue_minor: int  # in minor units of ``currency``
    currency: str  # the tenant's reporting currency (ISO 4217, upper case)


def overview(conn: Connection, tenant: Tenant, *, include_test: bool, now: datetime) -> Overview:
    products = _product_counts(conn, tenant.id)
    subs_total, subs_active = _subscription_counts(conn, tenant.id, include_test, now)
    pay_total, pay_ok = _payment_counts(conn, tenant, include_test, now)
    return Overview(
        products=products[0],
        products_configured=products[1],
        products_test_credentials=products[2],
        products_live_credentials=products[3],
        subscriptions=subs_total,
        active_subscriptions=subs_active,
        payments=pay_total,
        successful_payments=pay_ok,
        revenue_minor=_revenue_minor(conn, tenant, include_test, now),
        currency=tenant.currency,
    )


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.count(case((condition, 1)))


def _product_counts(conn: Connection, tenant_id: int) -> tuple[int, int, int, int]:
    p = t.products
    row = conn.execute(
        select(
            func.count(),
            _count_if(p.c.pp_configured == true()),
            _count_if(p.c.pp_test_credentials == true()),
            _count_if(p.c.pp_live_credentials == true()),
        ).where(p.c.tenant_id == tenant_id)
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def _live_only(column: Any, include_test: bool) -> list[ColumnElement[bool]]:
    return [] if include_test else [column == true()]


def _subscription_counts(
    conn: Connection, tenant_id: int, include_test: bool, now: datetime
) -> tuple[int, int]:
    """(subscriptions existing at ``now``, those active or trialing), by their state at ``now``
    (the version in effect then), from the shared per-revision counts."""
    return subscription_states.states(conn, tenant_id).at(now, include_test)


def _until_now(tenant: Tenant, now: datetime) -> SpanDays:
    """Everything created at or before ``now``: whole local days and the pieces of days."""
    return split(Span(BEGINNING, max(BEGINNING, now + _TICK)), tenant.zone)


def _payment_counts(
    conn: Connection, tenant: Tenant, include_test: bool, now: datetime
) -> tuple[int, int]:
    """(payments created at or before ``now``, of which succeeded): whole local days from the
    ``payment_days`` roll-up, the rest of today (and the first day's piece) from the rows."""
    parts = _until_now(tenant, now)
    total = succeeded = 0
    if parts.first is not None:
        d = t.payment_days
        stmt = (
            select(d.c.status, func.sum(d.c.payments))
            .where(
                d.c.tenant_id == tenant.id,
                d.c.day >= parts.first,
                d.c.day <= parts.last,
                *_live_only(d.c.livemode, include_test),
            )
            .group_by(d.c.status)
        )
        for status, n in conn.execute(stmt):
            total += int(n)
            succeeded += int(n) if status == SUCCEEDED else 0
    p = t.payments
    for piece in parts.pieces:
        row = conn.execute(
            select(func.count(), _count_if(p.c.status == SUCCEEDED)).where(
                p.c.tenant_id == tenant.id,
                p.c.created_at >= piece.start,
                p.c.created_at < piece.end,
                *_live_only(p.c.livemode, include_test),
            )
        ).one()
        total += int(row[0])
        succeeded += int(row[1])
    return total, succeeded


def _revenue_minor(conn: Connection, tenant: Tenant, include_test: bool, now: datetime) -> int:
    reporting = tenant.currency
    zone = tenant.zone
    parts = _until_now(tenant, now)
    # Succeeded payments summed per currency and local day (whole days from the roll-up).
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    if parts.first is not None:
        d = t.payment_days
        stmt = (
            select(d.c.currency, d.c.day, func.sum(d.c.amount))
            .where(
                d.c.tenant_id == tenant.id,
                d.c.day >= parts.first,
                d.c.day <= parts.last,
                d.c.status == SUCCEEDED,
                *_live_only(d.c.livemode, include_test),
            )
            .group_by(d.c.currency, d.c.day)
        )
        for currency, day, amount in conn.execute(stmt):
            per_day[(currency, day)] += int(amount)
    p = t.payments
    for piece in parts.pieces:
        rows = select(p.c.currency, p.c.created_at, p.c.amount).where(
            p.c.tenant_id == tenant.id,
            p.c.status == SUCCEEDED,
            p.c.created_at >= piece.start,
            p.c.created_at < piece.end,
            *_live_only(p.c.livemode, include_test),
        )
        for currency, created_at, amount in conn.execute(rows):
            per_day[(currency, local_date(created_at, zone))] += amount
    # Payments in the reporting currency need no rate: summed exactly (integers).
    same = sum(v for (c, _), v in per_day.items() if c == reporting)
    # Others: converted per currency and local day with that day's rate.
    foreign = {k: v for k, v in per_day.items() if k[0] != reporting}
    exact = Fraction(same)
    if foreign:
        days = [day for _, day in foreign]
        currencies = {currency for currency, _ in foreign}
        converter = load_converter(conn, tenant.id, reporting, currencies, min(days), max(days))
        exact += converter.total((c, d, m) for (c, d), m in sorted(foreign.items()))
    return micros_to_minor(round_minor(exact, reporting), reporting)
