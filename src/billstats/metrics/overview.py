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

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, select, true
from sqlalchemy.sql.elements import ColumnElement

from billstats.db import tables as t
from billstats.metrics import derived, subscription_states
from billstats.metrics.calendar import Span, local_date
from billstats.metrics.flow_series import ONETIME, RECURRING, flow_series
from billstats.metrics.fx import RATE_SCALE, load_converter
from billstats.metrics.pricing import round_minor_scaled
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


@dataclass(frozen=True)
class PaymentDays:
    """Per mode, the local days with payments (sorted) and the running counts of all payments
    and of succeeded ones up to each day, from the ``payment_days`` roll-up (once per data
    revision): the counts of a run of days are two bisections."""

    days: dict[bool, list[date]]
    totals: dict[bool, list[int]]
    succeeded: dict[bool, list[int]]

    def within(self, first: date, last: date, include_test: bool) -> tuple[int, int]:
        """(payments, succeeded payments) of the days ``first``..``last``."""
        total = succeeded = 0
        for livemode in (True, False) if include_test else (True,):
            days, totals, oks = self.days[livemode], self.totals[livemode], self.succeeded[livemode]
            lo, hi = bisect_left(days, first), bisect_right(days, last)
            if lo < hi:
                total += totals[hi - 1] - (totals[lo - 1] if lo else 0)
                succeeded += oks[hi - 1] - (oks[lo - 1] if lo else 0)
        return total, succeeded


def payment_days(conn: Connection, tenant_id: int) -> PaymentDays:
    snap = derived.snapshot(conn, tenant_id)

    def build() -> tuple[PaymentDays, int]:
        d = t.payment_days
        ok = func.sum(case((d.c.status == SUCCEEDED, d.c.payments), else_=0))
        stmt = (
            select(d.c.livemode, d.c.day, func.sum(d.c.payments), ok)
            .where(d.c.tenant_id == tenant_id)
            .group_by(d.c.livemode, d.c.day)
            .order_by(d.c.livemode, d.c.day)
        )
        found = PaymentDays({True: [], False: []}, {True: [], False: []}, {True: [], False: []})
        for livemode, day, n, n_ok in conn.execute(stmt):
            mode = bool(livemode)
            totals, oks = found.totals[mode], found.succeeded[mode]
            found.days[mode].append(day)
            totals.append((totals[-1] if totals else 0) + int(n))
            oks.append((oks[-1] if oks else 0) + int(n_ok))
        size = sum(len(v) for v in found.days.values())
        return found, 150 * size + 200

    return derived.from_database(conn, snap, "overview.payment_days", build)


def _payment_counts(
    conn: Connection, tenant: Tenant, include_test: bool, now: datetime
) -> tuple[int, int]:
    """(payments created at or before ``now``, of which succeeded): whole local days from the
    ``payment_days`` roll-up (:class:`PaymentDays`), the rest of today (and the first day's
    piece) from the rows."""
    parts = _until_now(tenant, now)
    total = succeeded = 0
    if parts.first is not None and parts.last is not None:
        found = payment_days(conn, tenant.id)
        total, succeeded = found.within(parts.first, parts.last, include_test)
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
    """Whole days from the running totals of ``flow_series`` (its one-time and recurring sales:
    every succeeded payment), the pieces of days from the rows; when a whole day lacks a rate,
    every day per (currency, day) group (whose conversion names the first missing rate)."""
    reporting = tenant.currency
    parts = _until_now(tenant, now)
    whole = 0
    if parts.first is not None and parts.last is not None:
        for livemode in (True, False) if include_test else (True,):
            series = flow_series(conn, tenant.id, livemode, reporting, True)
            found = series.whole(parts.first, parts.last)
            if found is None:
                return _revenue_by_groups(conn, tenant, include_test, parts)
            whole += found.scaled[ONETIME] + found.scaled[RECURRING]
    pieces = _piece_groups(conn, tenant, include_test, parts)
    exact = whole + _scaled(conn, tenant, pieces)
    return micros_to_minor(round_minor_scaled(exact, RATE_SCALE, reporting), reporting)


def _piece_groups(
    conn: Connection, tenant: Tenant, include_test: bool, parts: SpanDays
) -> dict[tuple[str, date], int]:
    """Succeeded payments of the pieces of days, summed per currency and local day."""
    per_day: dict[tuple[str, date], int] = defaultdict(int)
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
            per_day[(currency, local_date(created_at, tenant.zone))] += amount
    return per_day


def _scaled(conn: Connection, tenant: Tenant, per_day: dict[tuple[str, date], int]) -> int:
    """The exact sum of the groups in ``1/RATE_SCALE`` micros of the reporting currency: those
    in it need no rate, the others converted with their day's rate (in (currency, day) order,
    so a missing rate names the first)."""
    reporting = tenant.currency
    same = sum(v for (c, _), v in per_day.items() if c == reporting)
    foreign = {k: v for k, v in per_day.items() if k[0] != reporting}
    scaled = same * RATE_SCALE
    if foreign:
        days = [day for _, day in foreign]
        currencies = {currency for currency, _ in foreign}
        converter = load_converter(conn, tenant.id, reporting, currencies, min(days), max(days))
        scaled += converter.total_scaled((c, d, m) for (c, d), m in sorted(foreign.items()))
    return scaled


def _revenue_by_groups(
    conn: Connection, tenant: Tenant, include_test: bool, parts: SpanDays
) -> int:
    """The revenue from every (currency, day) group: whole days from the roll-up, the pieces
    from the rows."""
    reporting = tenant.currency
    per_day = _piece_groups(conn, tenant, include_test, parts)
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
    exact = _scaled(conn, tenant, per_day)
    return micros_to_minor(round_minor_scaled(exact, RATE_SCALE, reporting), reporting)
