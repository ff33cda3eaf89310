"""The subscription revenue series in the vendor's shape, from :mod:`billstats.metrics.mrr`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from billstats.auth.principal import Principal
from billstats.metrics.calendar import local_date
from billstats.metrics.mrr import DailyMovement, MrrHistory
from billstats.money import format_micros, minor_exponent
from billstats.surfaces.fynn.schemas import DEFAULT_DAYS, RevenueQuery
from billstats.tenants import service as tenants


def money(micros: int, currency: str) -> str:
    """A decimal string with two decimals (more for currencies with finer minor units)."""
    return format_micros(micros, max(2, minor_exponent(currency)))


def movement(micros: int, currency: str) -> str | None:
    """A movement's amount, or None when there was none."""
    return money(micros, currency) if micros else None


def point(p: DailyMovement) -> dict[str, Any]:
    cur = p.currency
    return {
        "date": f"{p.day.isoformat()} 00:00:00",
        "currency_code": cur,
        "revenue": money(p.revenue, cur),
        "churn_revenue": movement(p.churn + p.contraction, cur),
        "expansion_revenue": movement(p.expansion, cur),
        "new_revenue": movement(p.new + p.reactivation, cur),
    }


def window(query: RevenueQuery, today: date) -> tuple[date, date]:
    """The days asked for; by default the last 30 days, today included."""
    if query.first is None and query.last is None:
        return today - timedelta(days=DEFAULT_DAYS - 1), today
    if query.first is None:
        assert query.last is not None
        return query.last - timedelta(days=DEFAULT_DAYS - 1), query.last
    return query.first, query.last if query.last is not None else max(today, query.first)


def subscription_revenue(
    conn: Connection, principal: Principal, query: RevenueQuery, now: datetime
) -> dict[str, Any]:
    tenant = tenants.get(conn, principal.tenant_id)
    tz = tenant.zone
    today = local_date(now, tz)
    first, last = window(query, today)
    history = MrrHistory.load(conn, tenant.id, livemode=True)
    pool = [
        c
        for c in history.currencies(tz, max(last, today))
        if query.currency is None or c == query.currency
    ]
    per_day = len(pool)
    total = ((last - first).days + 1) * per_day
    offset = (query.page - 1) * query.limit
    items: list[DailyMovement] = []
    if offset < total:
        end = min(offset + query.limit, total)
        d0, d1 = offset // per_day, (end - 1) // per_day
        series = history.daily(
            first + timedelta(days=d0), first + timedelta(days=d1), tz, among=pool
        )
        items = series[offset - d0 * per_day : end - d0 * per_day]
    return {
        "data": [point(p) for p in items],
        "meta": {
            "pagination": {
                "totalItems": total,
                "itemsPerPage": query.limit,
                "currentPage": query.page,
                "lastPage": max(1, -(-total // query.limit)),
                "pageTotalItems": len(items),
            }
        },
    }
