"""Helpers for the native MRR metric tests (no tests here): run registered metrics through
``compute`` with a real ``Context`` and show their values in units.

Money comes back as exact micros (``Fraction``); tests compare it as ``Decimal`` units, after
checking it is a whole number of the currency's minor unit (every figure is rounded once).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from billstats.metrics import native_churn, native_mrr, native_trials
from billstats.metrics.registry import REGISTRY, Context, Filters, Interval, make_buckets
from billstats.money import MICROS, minor_exponent
from tests.conftest import TenantCtx

Shown = Decimal | int | Fraction | str | None
MODULES = (native_mrr, native_churn, native_trials)  # registered on import


@dataclass(frozen=True)
class Query:
    first: date
    last: date
    interval: Interval = "day"
    now: datetime = datetime(2030, 1, 1, tzinfo=UTC)
    product_id: str | None = None
    plan_id: str | None = None
    currency: str | None = None
    livemode: bool = True

    @property
    def filters(self) -> Filters:
        return Filters(self.product_id, self.plan_id, self.currency, self.livemode)


def context(engine_conn: Any, tenant: TenantCtx, query: Query) -> Context:
    return Context(
        conn=engine_conn,
        tenant_id=tenant.id,
        timezone=ZoneInfo(tenant.timezone),
        reporting_currency=tenant.currency,
        filters=query.filters,
        now=query.now,
    )


def show(value: Any, kind: str, currency: str) -> Shown:
    if value is None or kind == "count":
        assert value is None or isinstance(value, int)
        return value
    if kind == "ratio":
        assert isinstance(value, Fraction), value
        assert (value * 10**6).denominator == 1, value  # rounded to 6 places
        return value
    assert isinstance(value, int | Fraction), value  # money: whole micros of the minor unit
    step = 10 ** (6 - minor_exponent(currency))
    assert Fraction(value).denominator == 1 and int(value) % step == 0, (value, currency)
    return Decimal(int(value)) / MICROS


def run(
    engine: Engine, tenant: TenantCtx, names: Sequence[str], query: Query
) -> list[dict[str, Shown]]:
    """One dict per bucket: ``date`` and every field of the named metrics, shown in units."""
    with engine.connect() as conn:
        ctx = context(conn, tenant, query)
        buckets = make_buckets(query.first, query.last, query.interval, ctx.timezone, query.now)
        out: list[dict[str, Shown]] = [{"date": b.first.isoformat()} for b in buckets]
        for name in names:
            metric = REGISTRY[name]
            rows = metric.compute(ctx, buckets)
            assert len(rows) == len(buckets)
            for row, shown in zip(rows, out, strict=True):
                assert set(row) == {f.name for f in metric.fields}
                for f in metric.fields:
                    shown[f.name] = show(row[f.name], f.kind, ctx.currency)
    return out


def pick(rows: list[dict[str, Shown]], fields: Sequence[str]) -> dict[str, tuple[Shown, ...]]:
    """date -> the chosen fields' values, for compact expected tables."""
    return {str(r["date"]): tuple(r[f] for f in fields) for r in rows}


def d(text: str) -> Decimal:
    return Decimal(text)


def r(text: str) -> Fraction:
    """A ratio as written with six decimals."""
    return Fraction(Decimal(text))


@dataclass(frozen=True)
class Check:
    """Metrics over a query, and the expected values of some of their fields per bucket
    (every bucket of the query must be listed)."""

    query: Query
    names: tuple[str, ...]
    fields: tuple[str, ...]
    expected: dict[str, tuple[Shown, ...]]


def verify(engine: Engine, tenant: TenantCtx, check: Check) -> None:
    got = pick(run(engine, tenant, check.names, check.query), check.fields)
    assert got == check.expected, check.query
