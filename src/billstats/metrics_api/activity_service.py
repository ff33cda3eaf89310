"""The movement log, cohorts and one customer's metrics: parse, compute (``billstats.metrics``),
render.  Definitions: ``docs/native/activities.md``.

Every entry point reads only the caller's tenant; nothing here commits.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection

from billstats.errors import BillstatsError, NotFound
from billstats.metrics import cohorts as cohort_metrics
from billstats.metrics.activities import (
    TYPES,
    Activity,
    LogFilter,
    activity_log,
    customer_names,
    matching,
)
from billstats.metrics.calendar import day_start, local_date, month_index, month_start
from billstats.metrics.cohorts import Include
from billstats.metrics.customer_mrr import customer_history, customer_series
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.registry import Filters, bucket_days
from billstats.metrics.windows import EARLIEST_DAY
from billstats.metrics_api import activity_cursor, activity_render
from billstats.metrics_api import params as request_params
from billstats.metrics_api.activity_params import Params, filters
from billstats.tenants import service as tenants

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_COHORT_MONTHS = 240
DEFAULT_COHORT_MONTHS = 12
_TICK = timedelta(microseconds=1)

ACTIVITY_PARAMS = (
    "start_date",
    "end_date",
    "type",
    "customer_id",
    "q",
    "currency",
    "product_id",
    "plan_id",
    "livemode",
    "limit",
    "cursor",
    "format",
)
COHORT_PARAMS = ("start_date", "end_date", "currency", "product_id", "plan_id", "livemode")
CUSTOMER_PARAMS = (
    "start_date",
    "end_date",
    "interval",
    "currency",
    "product_id",
    "plan_id",
    "livemode",
)

Query = Iterable[tuple[str, str]]


@dataclass(frozen=True)
class CsvExport:
    """A CSV document to stream: its file name and its text in chunks."""

    filename: str
    chunks: Iterator[str]


def _history(conn: Connection, tenant_id: int, scope: Filters, now: datetime) -> MrrHistory:
    """The subscription history under the filters (except currency: a log entry is per
    currency anyway), as it stands at ``now``: what is dated later (a cancellation at period
    end, a future plan change) has not happened yet."""
    history = MrrHistory.load(
        conn,
        tenant_id,
        livemode=scope.livemode,
        product_id=scope.product_id,
        plan_id=scope.plan_id,
    )
    return history.known_at(now - _TICK)


def _types(params: Params) -> frozenset[str] | None:
    raw = params.values.get("type")
    if raw is None:
        return None
    names = [n.strip() for n in raw.split(",")]
    if any(n not in TYPES for n in names):
        params.problem("type", "invalid_choice", f"type must be among {', '.join(TYPES)}")
        return None
    return frozenset(names)


def _search(params: Params) -> str | None:
    raw = params.values.get("q")
    if raw is None or not raw.strip():
        return None  # an empty search box filters nothing
    return raw.strip() if params.text("q") is not None else None


def _customer_name(conn: Connection, tenant_id: int, customer_id: str) -> str:
    names = customer_names(conn, tenant_id, [customer_id])
    if customer_id not in names:
        raise NotFound(f"no customer {customer_id!r}")
    return names[customer_id]


def activities(
    conn: Connection, tenant_id: int, query: Query, now: datetime, key: bytes
) -> dict[str, Any] | CsvExport:
    """``GET /v1/metrics/activities``: one page of the movement log, or all of it as CSV."""
    params = Params(query, ACTIVITY_PARAMS)
    tz = tenants.get(conn, tenant_id).zone
    today = local_date(now, tz)
    first, last = params.date_range(today)
    types = _types(params)
    customer_id = params.identifier("customer_id")
    search = _search(params)
    livemode = params.flag("livemode", True)
    fmt = params.choice("format", ("json", "csv"), "json")
    limit = params.integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    if fmt == "csv":
        for name in ("limit", "cursor"):
            if name in params.values:
                params.problem(name, "not_with_csv", "format=csv exports the whole range")
    scope = filters(conn, tenant_id, params, livemode)
    signed = orjson.dumps(
        [
            params.values.get("start_date"),
            params.values.get("end_date"),
            sorted(types or ()),
            customer_id,
            search,
            scope.currency,
            scope.product_id,
            scope.plan_id,
            livemode,
        ]
    ).decode()
    cursor = params.values.get("cursor")
    position = activity_cursor.decode(key, tenant_id, signed, cursor) if cursor else None
    names = {customer_id: _customer_name(conn, tenant_id, customer_id)} if customer_id else {}

    history = _history(conn, tenant_id, scope, now)
    wanted: set[str] | None = {customer_id} if customer_id else None
    if search is not None:
        candidates = {cid for cid, _ in history.closes(tz)}
        if wanted is not None:
            candidates &= wanted
        names.update(customer_names(conn, tenant_id, candidates))
        wanted = matching(names, candidates, search)
    until = min(last, today)  # nothing after now has happened
    where = LogFilter(types, wanted, scope.currency)
    # (an empty range when first > until: the log of no day)
    log = activity_log(history, first, until, tz, where)

    if fmt == "csv":
        names.update(customer_names(conn, tenant_id, {a.customer_id for a in log} - names.keys()))
        name = f"activities_{first.isoformat()}_{last.isoformat()}.csv"
        return CsvExport(name, activity_render.csv_chunks(log, names))
    start = 0
    if position is not None:
        day, cid, cur = position
        start = bisect_right(log.order_keys, (-day.toordinal(), cid, cur))
    page = log[start : start + limit]
    has_more = start + limit < len(log)
    names.update(customer_names(conn, tenant_id, {a.customer_id for a in page} - names.keys()))
    tail = page[-1] if page else None
    return {
        "start_date": first.isoformat(),
        "end_date": last.isoformat(),
        "livemode": livemode,
        "data": [activity_render.activity(a, names) for a in page],
        "has_more": has_more,
        "next_cursor": (
            activity_cursor.encode(
                key, tenant_id, signed, (tail.day, tail.customer_id, tail.currency)
            )
            if has_more and tail is not None
            else None
        ),
    }


def _include(conn: Connection, tenant_id: int, scope: Filters) -> Include | None:
    """Payment attribution under the product and plan filters (None: every payment counts)."""
    if scope.product_id is None and scope.plan_id is None:
        return None
    history = MrrHistory.load(conn, tenant_id)
    return cohort_metrics.attributed(history, scope.product_id, scope.plan_id)


def _month_end(index: int) -> date:
    return date.fromordinal(month_start(index + 1).toordinal() - 1)


def cohorts(conn: Connection, tenant_id: int, query: Query, now: datetime) -> dict[str, Any]:
    """``GET /v1/metrics/cohorts``: the cohorts of the months of ``start_date``..``end_date``."""
    params = Params(query, COHORT_PARAMS)
    tenant = tenants.get(conn, tenant_id)
    tz = tenant.zone
    today = local_date(now, tz)
    end = params.day("end_date") or today
    start = params.day("start_date") or month_start(
        max(month_index(end) - DEFAULT_COHORT_MONTHS + 1, month_index(EARLIEST_DAY))
    )
    lo, hi = month_index(start), month_index(end)
    if start > end:
        params.problem("start_date", "invalid_range", "start_date must not be after end_date")
    livemode = params.flag("livemode", True)
    scope = filters(conn, tenant_id, params, livemode)
    if hi - lo + 1 > MAX_COHORT_MONTHS:
        raise BillstatsError(
            f"the range has {hi - lo + 1} cohort months; at most {MAX_COHORT_MONTHS} are "
            "allowed (choose a shorter range)",
            400,
            "too_many_buckets",
        )
    shown_hi = min(hi, month_index(today))  # no cohort or month after the current one
    rows: list[dict[str, Any]] = []
    overall: list[dict[str, Any]] = []
    if lo <= shown_hi:
        until = min(day_start(month_start(shown_hi + 1), tz), now)
        table = cohort_metrics.cohort_table(
            conn,
            tenant_id,
            tz,
            tenant.currency,
            month_start(lo),
            month_start(shown_hi),
            until,
            cohort_metrics.Scope(livemode, scope.currency, _include(conn, tenant_id, scope)),
        )
        rows, overall = activity_render.cohorts(table)
    return {
        "currency": scope.currency or tenant.currency,
        "start_date": month_start(lo).isoformat(),
        "end_date": _month_end(hi).isoformat(),
        "livemode": livemode,
        "cohorts": rows,
        "all_cohorts": overall,
    }


def customer_metrics(
    conn: Connection, tenant_id: int, customer_id: str, query: Query, now: datetime
) -> dict[str, Any]:
    """``GET /v1/customers/{id}/metrics``: the customer's MRR per bucket and currency, and its
    movements in the range (the request as ``/v1/metrics`` parses it)."""
    params = Params(query, CUSTOMER_PARAMS)
    params.check()  # a parameter given twice
    tz = tenants.get(conn, tenant_id).zone
    today = local_date(now, tz)
    asked = request_params.parse(params.values, today)
    name = _customer_name(conn, tenant_id, customer_id)
    scope = asked.filters
    request_params.check(conn, tenant_id, scope)
    buckets = list(bucket_days(asked.first, asked.last, asked.interval))
    history = customer_history(_history(conn, tenant_id, scope, now), customer_id)
    shown, points = customer_series(history, tz, buckets, today, scope.currency)
    until = min(asked.last, today)
    moves: Sequence[Activity] = (
        activity_log(history, asked.first, until, tz, LogFilter(currency=scope.currency))
        if asked.first <= until
        else []
    )
    names = {customer_id: name}
    return {
        "customer": {"id": customer_id, "name": name},
        "interval": asked.interval,
        "start_date": asked.first.isoformat(),
        "end_date": asked.last.isoformat(),
        "livemode": scope.livemode,
        "currencies": shown,
        "entries": [activity_render.customer_point(p) for p in points],
        "movements": [activity_render.activity(a, names) for a in moves],
    }
