"""The roll-forward on the demo tenant (small config: 40 customers, two years, USD/EUR/GBP
with daily-moving rates), ingested through the API, on both databases.

For every bucket of day, week, month, quarter and year series, converted and per currency:
MRR(end) = MRR(start) + new + expansion + reactivation - contraction - churn + fx_impact, the
first bucket opening before any history (0); each bucket's MRR and paying customers equal the
MRR engine's levels at the bucket's reading instant, converted at that day's rate; fx_impact
moves when converting and is 0 in one currency; in one currency a month's movements are the sum
of its days'.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine

from billstats.demo.config import DemoConfig
from billstats.demo.stream import iter_objects
from billstats.metrics.calendar import local_date
from billstats.metrics.fx import load_converter
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.pricing import round_minor
from billstats.metrics.registry import (
    REGISTRY,
    Bucket,
    Context,
    Filters,
    Interval,
    make_buckets,
)
from tests.conftest import LiveServer, TenantCtx, make_tenant
from tests.metrics.test_native_mrr_support import MODULES

assert MODULES
DEMO = DemoConfig(seed=7, anchor=date(2026, 11, 20), customers=40, partner_accounts=0,
                  call_records=0)  # fmt: skip
KINDS = {"fx_rates", "products", "partners", "affiliates", "plans", "customers", "subscriptions"}
NOW = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)  # noon in New York on the anchor day
MOVES = ("new_business", "expansion", "reactivation", "contraction", "churn")


@dataclass(frozen=True)
class Demo:
    tenant: TenantCtx
    currencies: list[str]


@pytest.fixture(scope="module")
def demo(engine: Engine, live_server: LiveServer) -> Iterator[Demo]:
    tenant = make_tenant(engine, timezone="America/New_York")
    lines = [json.dumps(o) for o in iter_objects(DEMO) if o["kind"] in KINDS]
    with httpx.Client(base_url=live_server.url, headers=tenant.headers, timeout=120) as client:
        response = client.post("/v1/import", content="\n".join(lines).encode())
        assert response.status_code == 200, response.text
    with engine.connect() as conn:
        currencies = sorted({s.currency for s in MrrHistory.load(conn, tenant.id).included()})
    assert currencies == ["EUR", "GBP", "USD"]
    yield Demo(tenant, currencies)


TZ = ZoneInfo("America/New_York")
TICK = timedelta(microseconds=1)


def series(
    engine: Engine, tenant: TenantCtx, first: date, last: date, interval: Interval,
    currency: str | None,
) -> tuple[list[Bucket], list[dict[str, Any]]]:  # fmt: skip
    with engine.connect() as conn:
        ctx = Context(conn, tenant.id, TZ, "USD", Filters(currency=currency), NOW)
        buckets = make_buckets(first, last, interval, TZ, NOW)
        rows: list[dict[str, Any]] = [{} for _ in buckets]
        for name in ("mrr", "customers"):
            for row, values in zip(rows, REGISTRY[name].compute(ctx, buckets), strict=True):
                row.update(values)
    return buckets, rows


def engine_levels(
    engine: Engine, tenant: TenantCtx, instants: list[datetime], currency: str | None
) -> list[tuple[Fraction, int]]:
    """(MRR, paying customers) at each instant, from the MRR engine's segments (not the native
    book), summed per customer and converted at the instant's local day rate."""
    target = currency or "USD"
    out = []
    with engine.connect() as conn:
        history = MrrHistory.load(conn, tenant.id, currency=currency)
        converter = load_converter(conn, tenant.id, target, ["EUR", "GBP", "USD"],
                                   DEMO.first_day - timedelta(days=400), DEMO.anchor)  # fmt: skip
    for at in instants:
        day = local_date(at, TZ)
        customers: set[str] = set()
        total = Fraction(0)
        for seg in history.included():
            if seg.mrr and seg.covers(at):
                customers.add(seg.customer_id)
                total += converter.convert(seg.mrr, seg.currency, day)
        out.append((Fraction(round_minor(total, target)), len(customers)))
    return out


RANGES: list[tuple[Interval, date, date]] = [
    ("month", date(2024, 10, 1), date(2026, 11, 30)),  # opens before the history
    ("quarter", date(2024, 7, 1), date(2026, 12, 31)),
    ("year", date(2024, 1, 1), date(2026, 12, 31)),
    ("week", date(2026, 2, 1), date(2026, 11, 22)),
    ("day", date(2026, 8, 1), date(2026, 11, 25)),  # ends in the future
]


@pytest.mark.parametrize("currency", [None, "USD", "EUR", "GBP"])
@pytest.mark.parametrize(("interval", "first", "last"), RANGES)
def test_demo_rollforward(
    demo: Demo, engine: Engine, interval: Interval, first: date, last: date, currency: str | None
) -> None:
    buckets, rows = series(engine, demo.tenant, first, last, interval, currency)
    reads = [min(b.span.end, NOW) - TICK for b in buckets]
    levels = engine_levels(engine, demo.tenant, reads, currency)
    opening = min(buckets[0].span.start, NOW) - TICK
    previous, _ = engine_levels(engine, demo.tenant, [opening], currency)[0]
    for bucket, row, (mrr, customers) in zip(buckets, rows, levels, strict=True):
        net = sum((row[k] for k in MOVES[:3]), Fraction(0)) - row["contraction"] - row["churn"]
        assert row["mrr"] == previous + net + row["fx_impact"], bucket
        assert (row["mrr"], row["customers"]) == (mrr, customers), bucket
        assert all(row[k] >= 0 for k in MOVES)
        if currency is not None:
            assert row["fx_impact"] == 0
        previous = row["mrr"]
    if currency is None and interval in ("month", "week"):
        assert any(row["fx_impact"] for row in rows)  # rates move every day
    if currency is None:  # the series is not trivially flat
        assert any(row["new_business"] for row in rows) and any(row["churn"] for row in rows)


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP"])
def test_months_are_sums_of_days(demo: Demo, engine: Engine, currency: str) -> None:
    first, last = date(2026, 5, 1), date(2026, 10, 31)
    months, month_rows = series(engine, demo.tenant, first, last, "month", currency)
    days, day_rows = series(engine, demo.tenant, first, last, "day", currency)
    for month, row in zip(months, month_rows, strict=True):
        inside = [r for b, r in zip(days, day_rows, strict=True)
                  if month.first <= b.first <= month.last]  # fmt: skip
        for kind in (*MOVES, "new_customers"):
            assert row[kind] == sum(r[kind] for r in inside), (month.first, kind)
        assert row["mrr"] == inside[-1]["mrr"]
