"""The baseline: billstats' main numbers computed the straightforward way, at query time.

This is how open-source billing systems typically compute analytics: no derived data, one SQL
query over the raw rows per question, grouped in the database.  Each function here answers one
of the benchmark's requests from ``subscription_versions``, ``payments``, ``refunds``,
``call_records`` ... directly:

- MRR at the close of each day: the versions in force at each close instant (the days joined to
  every version with the window function ``LEAD`` for its successor), their phase decided in SQL,
  paying subscriptions counted per price (plan, quantity, discount) and currency;
- sums of payments, refunds and calls grouped by UTC hour in SQL (every hour of a whole-hour
  zone lies inside one local day), summed per local day afterwards.

Only the last step is Python: a price's monthly value (``billstats.metrics.pricing``), exchange
rates (``billstats.metrics.fx``) and rounding (``round_minor``), the shared definitions every
number uses, applied to the few rows the database returns.  Results are exact micro-units.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Integer,
    and_,
    case,
    column,
    exists,
    func,
    literal,
    or_,
    select,
    values,
)

from billstats.db import tables as t
from billstats.db.types import UTCDateTime
from billstats.metrics.calendar import day_start, days_span, local_date
from billstats.metrics.fx import load_converter
from billstats.metrics.pricing import Discount, monthly_value, round_minor

_TICK = timedelta(microseconds=1)
PAYING = ("active", "past_due")


@dataclass(frozen=True)
class Tenant:
    id: int
    timezone: ZoneInfo
    currency: str


def tenant(conn: Connection, tenant_id: int) -> Tenant:
    row = conn.execute(select(t.tenants).where(t.tenants.c.id == tenant_id)).one()
    return Tenant(tenant_id, ZoneInfo(row.timezone), row.currency)


def day_close(day: date, tz: ZoneInfo) -> datetime:
    """The last microsecond of a local day."""
    return day_start(day + timedelta(days=1), tz) - _TICK


# -- MRR --------------------------------------------------------------------------------------


def _versions_in_force(tenant_id: int) -> Any:
    """Every version with the instant its successor takes over (``next_at``), its end and the
    status it runs with (a ``cancelled`` version whose end lies ahead keeps the status of the
    latest earlier version that is not cancelled nor superseded at the same instant)."""
    v = t.subscription_versions
    w, x = v.alias("w"), v.alias("x")
    superseded = exists().where(
        x.c.tenant_id == w.c.tenant_id,
        x.c.subscription_id == w.c.subscription_id,
        x.c.effective_at == w.c.effective_at,
        x.c.version > w.c.version,
    )
    carried = (
        select(w.c.status)
        .where(
            w.c.tenant_id == v.c.tenant_id,
            w.c.subscription_id == v.c.subscription_id,
            w.c.status != "cancelled",
            or_(
                w.c.effective_at < v.c.effective_at,
                and_(w.c.effective_at == v.c.effective_at, w.c.version < v.c.version),
            ),
            ~superseded,
        )
        .order_by(w.c.effective_at.desc(), w.c.version.desc())
        .limit(1)
        .scalar_subquery()
    )
    cancelled = v.c.status == "cancelled"
    return (
        select(
            v.c.subscription_id,
            v.c.customer_id,
            v.c.effective_at,
            func.lead(v.c.effective_at)
            .over(partition_by=v.c.subscription_id, order_by=(v.c.effective_at, v.c.version))
            .label("next_at"),
            case((cancelled, func.coalesce(carried, "active")), else_=v.c.status).label("status"),
            v.c.started_at,
            case(
                (cancelled, func.coalesce(v.c.ended_at, v.c.cancelled_at)), else_=v.c.ended_at
            ).label("end_at"),
            v.c.trial_ends_at,
            v.c.livemode,
            v.c.currency,
            v.c.plan_id,
            v.c.quantity,
            v.c.discount_percent,
            v.c.discount_amount,
            v.c.discount_duration,
        )
        .where(v.c.tenant_id == tenant_id)
        .cte("vv")
    )


def mrr_at(
    conn: Connection, tenant_id: int, instants: list[datetime], *, livemode: bool = True
) -> list[dict[str, int]]:
    """Per instant: currency -> MRR in micros (the monthly value of every subscription whose
    version in force is active or past due there, started, not ended, out of its trial)."""
    if not instants:
        return []
    days = (
        values(column("n", Integer), column("at", UTCDateTime), name="instants")
        .data(list(enumerate(instants)))
        .cte("instants")
    )
    vv = _versions_in_force(tenant_id)
    price = (vv.c.currency, vv.c.plan_id, vv.c.quantity, vv.c.discount_percent,
             vv.c.discount_amount, vv.c.discount_duration)  # fmt: skip
    in_force = and_(
        vv.c.effective_at <= days.c.at, or_(vv.c.next_at.is_(None), vv.c.next_at > days.c.at)
    )
    query = (
        select(days.c.n, *price, func.count().label("subscriptions"))
        .select_from(days.join(vv, in_force))
        .where(
            vv.c.livemode == as_bool(livemode),
            vv.c.started_at <= days.c.at,
            or_(vv.c.end_at.is_(None), vv.c.end_at > days.c.at),
            vv.c.status.in_(PAYING),
            or_(vv.c.trial_ends_at.is_(None), vv.c.trial_ends_at <= days.c.at),
        )
        .group_by(days.c.n, *price)
    )
    plans = _plans(conn, tenant_id)
    out: list[dict[str, int]] = [defaultdict(int) for _ in instants]
    for row in conn.execute(query):
        amount, unit, count = plans[row.plan_id]
        discount = (
            None
            if row.discount_duration is None
            else Discount(row.discount_percent, row.discount_amount, row.discount_duration)
        )
        value = monthly_value(amount, row.quantity, unit, count, row.currency, discount)
        out[row.n][row.currency] += value * row.subscriptions
    return [{c: v for c, v in sorted(levels.items()) if v} for levels in out]


def as_bool(value: bool) -> ColumnElement[bool]:
    return literal(value, Boolean)


def _plans(conn: Connection, tenant_id: int) -> dict[str, tuple[int, str, int]]:
    p = t.plans
    rows = conn.execute(
        select(p.c.id, p.c.amount, p.c.interval_unit, p.c.interval_count).where(
            p.c.tenant_id == tenant_id
        )
    )
    return {r.id: (r.amount, r.interval_unit, r.interval_count) for r in rows}


def each_day(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def mrr_series(
    conn: Connection, tenant_id: int, first: date, last: date
) -> dict[date, dict[str, int]]:
    """Each day's MRR at its close, per currency (micros, unconverted)."""
    tz = tenant(conn, tenant_id).timezone
    days = each_day(first, last)
    levels = mrr_at(conn, tenant_id, [day_close(d, tz) for d in days])
    return dict(zip(days, levels, strict=True))


def mrr_converted(conn: Connection, tenant_id: int, first: date, last: date) -> dict[date, int]:
    """Each day's MRR at its close in the reporting currency: every currency converted at that
    day's rate, summed exactly, rounded once to the minor unit (micros)."""
    ten = tenant(conn, tenant_id)
    series = mrr_series(conn, tenant_id, first, last)
    currencies = {c for levels in series.values() for c in levels}
    conv = load_converter(conn, tenant_id, ten.currency, currencies, first, last)
    return {
        day: round_minor(
            sum((conv.convert(v, c, day) for c, v in levels.items()), Fraction(0)), ten.currency
        )
        for day, levels in series.items()
    }


# -- grouping by local day --------------------------------------------------------------------


def hour_of(conn: Connection, instant: Any) -> ColumnElement[str]:
    """The UTC hour of a timestamp column as text ``YYYY-MM-DD HH``."""
    if conn.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", instant), "YYYY-MM-DD HH24")
    return func.substr(instant, 1, 13)


def local_day_of_hour(hour: str, tz: ZoneInfo) -> date:
    """The local day an UTC hour lies in; refuses a zone whose day boundaries cut an hour."""
    start = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC)
    day = local_date(start, tz)
    if local_date(start + timedelta(hours=1) - _TICK, tz) != day:
        raise ValueError(f"the baseline groups by UTC hour; {tz.key} splits the hour {hour}")
    return day


def window(first: date, last: date, tz: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """Days ``first``..``last`` as instants ``[start, end)``, the end capped at ``now``."""
    span = days_span(first, last, tz)
    return span.start, min(span.end, now)
