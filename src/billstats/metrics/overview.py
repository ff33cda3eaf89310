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
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, and_, case, func, select, true
from sqlalchemy.sql.elements import ColumnElement

from billstats.db import tables as t
from billstats.metrics.calendar import local_date
from billstats.metrics.fx import load_converter
from billstats.metrics.pricing import round_minor
from billstats.money import micros_to_minor
from billstats.tenants.schemas import Tenant

ACTIVE_STATUSES = ("active", "trialing")
SUCCEEDED = "succeeded"


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
    pay_total, pay_ok = _payment_counts(conn, tenant.id, include_test, now)
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
    """(subscriptions existing at ``now``, those active or trialing), by their state at ``now``."""
    s, v = t.subscriptions, t.subscription_versions
    active = s.c.status.in_(ACTIVE_STATUSES)
    # Most subscriptions: the mirrored row is the latest version, already in effect.
    current = conn.execute(
        select(func.count(), _count_if(active)).where(
            s.c.tenant_id == tenant_id,
            s.c.effective_at <= now,
            *_live_only(s.c.livemode, include_test),
        )
    ).one()
    total, active_count = int(current[0]), int(current[1])
    # Subscriptions with a version scheduled after ``now``: the version in effect at ``now``.
    rank = (
        func.row_number()
        .over(
            partition_by=v.c.subscription_id,
            order_by=(v.c.effective_at.desc(), v.c.version.desc()),
        )
        .label("rank")
    )
    in_effect = (
        select(v.c.status, v.c.livemode, rank)
        .join(s, and_(s.c.tenant_id == v.c.tenant_id, s.c.id == v.c.subscription_id))
        .where(v.c.tenant_id == tenant_id, s.c.effective_at > now, v.c.effective_at <= now)
        .subquery()
    )
    pending = conn.execute(
        select(func.count(), _count_if(in_effect.c.status.in_(ACTIVE_STATUSES))).where(
            in_effect.c.rank == 1, *_live_only(in_effect.c.livemode, include_test)
        )
    ).one()
    return total + int(pending[0]), active_count + int(pending[1])


def _payment_counts(
    conn: Connection, tenant_id: int, include_test: bool, now: datetime
) -> tuple[int, int]:
    p = t.payments
    row = conn.execute(
        select(func.count(), _count_if(p.c.status == SUCCEEDED)).where(
            p.c.tenant_id == tenant_id,
            p.c.created_at <= now,
            *_live_only(p.c.livemode, include_test),
        )
    ).one()
    return int(row[0]), int(row[1])


def _revenue_minor(conn: Connection, tenant: Tenant, include_test: bool, now: datetime) -> int:
    p = t.payments
    reporting = tenant.currency
    succeeded = [
        p.c.tenant_id == tenant.id,
        p.c.status == SUCCEEDED,
        p.c.created_at <= now,
        *_live_only(p.c.livemode, include_test),
    ]
    # Payments in the reporting currency need no rate: summed by the database, exactly (BIGINT).
    same = conn.execute(
        select(func.coalesce(func.sum(p.c.amount), 0)).where(*succeeded, p.c.currency == reporting)
    ).scalar_one()
    # Others: summed per currency and local day, then converted with that day's rate.
    zone = tenant.zone
    per_day: dict[tuple[str, date], int] = defaultdict(int)
    foreign = select(p.c.currency, p.c.created_at, p.c.amount).where(
        *succeeded, p.c.currency != reporting
    )
    for currency, created_at, amount in conn.execute(foreign):
        per_day[(currency, local_date(created_at, zone))] += amount
    exact = Fraction(int(same))
    if per_day:
        days = [day for _, day in per_day]
        currencies = {currency for currency, _ in per_day}
        converter = load_converter(conn, tenant.id, reporting, currencies, min(days), max(days))
        exact += converter.total((c, d, m) for (c, d), m in sorted(per_day.items()))
    return micros_to_minor(round_minor(exact, reporting), reporting)
