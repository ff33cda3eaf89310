"""The baseline checks: billstats' answer over HTTP against the baseline's, value by value.

Each check names the endpoint whose latency is billstats' time, a baseline function (straight
SQL, ``bench/baseline*.py``) and how to read the comparable values out of billstats' response.
The two must agree exactly; the baseline is timed (a few runs within the time budget) and the
ratio billstats p50 / baseline median reported.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine

from bench import baseline, baseline_calls, baseline_payments
from bench.endpoints import Endpoint, Windows
from bench.measure import Client
from billstats.db.dialect import read_transaction
from billstats.demo.catalog import PARTNER_ID

Values = dict[str, Any]
Compute = Callable[[Connection, int, datetime], Values]
Extract = Callable[[Any], Values]


@dataclass(frozen=True)
class Check:
    name: str
    endpoint: str  # the measured endpoint answering the same question
    compute: Compute  # the baseline: (conn, tenant_id, now) -> values
    extract: Extract  # billstats' response body (parsed) -> values
    speedup_target: float | None = None  # the target: billstats this many times faster


def units(micros: int) -> Decimal:
    return Decimal(micros).scaleb(-6)


def _mrr_values(first: date, last: date) -> Compute:
    def compute(conn: Connection, tenant_id: int, now: datetime) -> Values:
        series = baseline.mrr_converted(conn, tenant_id, first, last)
        return {f"mrr.{day.isoformat()}": units(v) for day, v in series.items()}

    return compute


def _mrr_extract(body: Any) -> Values:
    return {f"mrr.{e['date']}": e["mrr"] for e in body["entries"]}


def _fynn_values(first: date, last: date) -> Compute:
    def compute(conn: Connection, tenant_id: int, now: datetime) -> Values:
        series = baseline.mrr_series(conn, tenant_id, first, last)
        return {
            f"revenue.{day.isoformat()}.{currency}": units(v)
            for day, levels in series.items()
            for currency, v in levels.items()
        }

    return compute


def _fynn_extract(body: Any) -> Values:
    return {f"revenue.{p['date'][:10]}.{p['currency_code']}": p["revenue"] for p in body["data"]}


def _partner_values(first: date, last: date, partner_id: str = PARTNER_ID) -> Compute:
    def compute(conn: Connection, tenant_id: int, now: datetime) -> Values:
        return baseline_calls.partner_analytics(conn, tenant_id, partner_id, first, last, now)

    return compute


_FIGURES = ("total_calls", "answered_calls", "total_minutes", "total_cost")


def _partner_extract(body: Any) -> Values:
    out: Values = {
        "accounts.total": body["accounts"]["total"],
        "accounts.active": body["accounts"]["active"],
        "currency": body["currency"],
        "total_balance": body["total_balance"],
    }
    groups = {"calls": body["calls"]}
    for parent in ("traffic", "by_product"):
        groups.update({f"{parent}.{k}": v for k, v in body[parent].items()})
    for prefix, figures in groups.items():
        out.update({f"{prefix}.{k}": figures[k] for k in _FIGURES})
    for day in body["time_series"]:
        prefix = f"time_series.{day['date']}"
        out.update({f"{prefix}.{k}": day[k] for k in _FIGURES})
        for direction in ("inbound", "outbound"):
            out.update({f"{prefix}.{direction}.{k}": day[direction][k] for k in _FIGURES[:3]})
    return out


def _sales_values(first: date, last: date) -> Compute:
    def compute(conn: Connection, tenant_id: int, now: datetime) -> Values:
        figures = baseline_payments.sales(conn, tenant_id, first, last, now)
        return {k: units(v) if "amount" in k or "revenue" in k else v for k, v in figures.items()}

    return compute


_SALES_FIELDS = (
    "total_sales_count", "total_sales_amount", "total_recurring_sales_count",
    "total_recurring_sales_amount", "total_onetime_sales_count", "total_onetime_sales_amount",
    "total_refund_count", "total_refund_amount", "total_paid_customer_count",
    "total_affiliate_count", "total_affiliate_sales_amount",
    "total_affiliate_commission_amount", "total_net_amount_via_affiliate", "total_net_revenue",
)  # fmt: skip


def _sales_extract(body: Any) -> Values:
    return {k: body["data"][k] for k in _SALES_FIELDS}


def _devkit_values(test_mode: bool) -> Compute:
    def compute(conn: Connection, tenant_id: int, now: datetime) -> Values:
        return baseline_payments.payment_stats(conn, tenant_id, test_mode, now)

    return compute


def _whole(body: Any) -> Values:
    return dict(body)


def checks_for(w: Windows) -> list[Check]:
    two_years = (w.days_back(730), w.last)
    return [
        Check("MRR, 2 years daily (converted)", "mrr daily, 2 years",
              _mrr_values(*two_years), _mrr_extract, 10.0),
        Check("Fynn revenue per currency, 33 days", "fynn 33 days x 3 currencies",
              _fynn_values(w.days_back(33), w.last), _fynn_extract),
        Check("partner analytics, 90 days", "vobiz analytics 90 days",
              _partner_values(w.days_back(90), w.last), _partner_extract, 10.0),
        Check("Pabbly sales, custom 30 days", "pabbly custom 30 days",
              _sales_values(w.days_back(30), w.last), _sales_extract),
        Check("Pabbly sales, all_time", "pabbly all_time",
              _sales_values(date(1970, 1, 2), date(2199, 12, 31)), _sales_extract),
        Check("devkit payment stats, test_mode=true", "devkit stats test_mode=true",
              _devkit_values(True), _whole),
        Check("devkit payment stats, test_mode=false", "devkit stats test_mode=false",
              _devkit_values(False), _whole),
    ]  # fmt: skip


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    numbers = (int, Decimal)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return Decimal(a) == Decimal(b)
    if isinstance(a, str) and isinstance(b, numbers):
        return _decimal(a) == Decimal(b)
    if isinstance(b, str) and isinstance(a, numbers):
        return _decimal(b) == Decimal(a)
    return bool(a == b)


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def _zero(value: Any) -> bool:
    return _same(value, 0)


def differences(billstats: Values, reference: Values) -> list[str]:
    """Values that differ (a key missing on one side counts as 0, as in a series that leaves
    out empty days).  Each as ``key: billstats X, baseline Y``."""
    out: list[str] = []
    for key in sorted(billstats.keys() | reference.keys()):
        mine, theirs = billstats.get(key), reference.get(key)
        if key not in billstats:
            if not _zero(theirs):
                out.append(f"{key}: missing in billstats, baseline {theirs}")
        elif key not in reference:
            if not _zero(mine):
                out.append(f"{key}: billstats {mine}, missing in the baseline")
        elif not _same(mine, theirs):
            out.append(f"{key}: billstats {mine}, baseline {theirs}")
    return out


def _fetch(client: Client, endpoint: Endpoint) -> Any:
    response = client.send(endpoint.request)
    if response.status != 200:
        raise RuntimeError(f"{endpoint.name}: HTTP {response.status}: {response.body[:300]!r}")
    return json.loads(response.body, parse_float=Decimal)


def _timed(engine: Engine, check: Check, tenant_id: int, now: datetime) -> tuple[Values, float]:
    with read_transaction(engine) as conn:
        started = time.perf_counter()
        values = check.compute(conn, tenant_id, now)
        return values, time.perf_counter() - started


def run_check(
    engine: Engine,
    base_url: str,
    tenant_id: int,
    check: Check,
    endpoint: Endpoint,
    *,
    repeats: int,
    budget: float,
) -> dict[str, Any]:
    """Compare once (again once more if they differ: a clock boundary may have passed between
    the two), then time the baseline ``repeats`` times within ``budget`` seconds."""
    client = Client(base_url)
    try:
        body = _fetch(client, endpoint)
        values, first = _timed(engine, check, tenant_id, datetime.now(UTC))
        found = differences(check.extract(body), values)
        if found:
            body = _fetch(client, endpoint)
            values, first = _timed(engine, check, tenant_id, datetime.now(UTC))
            found = differences(check.extract(body), values)
    finally:
        client.close()
    times = [first]
    started = time.perf_counter()
    while len(times) < repeats and time.perf_counter() - started + first < budget:
        times.append(_timed(engine, check, tenant_id, datetime.now(UTC))[1])
    return {
        "check": check.name,
        "endpoint": check.endpoint,
        "equal": not found,
        "values_compared": len(values),
        "differences": found[:20],
        "difference_count": len(found),
        "baseline_runs": len(times),
        "baseline_seconds": round(statistics.median(times), 4),
        "speedup_target": check.speedup_target,
    }


def run_check_safely(
    engine: Engine,
    base_url: str,
    tenant_id: int,
    check: Check,
    endpoint: Endpoint,
    *,
    repeats: int,
    budget: float,
) -> dict[str, Any]:
    """:func:`run_check`, a crash reported as a failed check (a long run is not lost to it)."""
    try:
        return run_check(
            engine, base_url, tenant_id, check, endpoint, repeats=repeats, budget=budget
        )
    except Exception as exc:
        return {
            "check": check.name,
            "endpoint": check.endpoint,
            "equal": False,
            "values_compared": 0,
            "differences": [f"the check failed: {type(exc).__name__}: {exc}"],
            "difference_count": 1,
            "baseline_runs": 0,
            "baseline_seconds": 0.0,
            "speedup_target": check.speedup_target,
        }
