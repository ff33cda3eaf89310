"""The native metrics API's one entry point: registry metrics over calendar buckets, rendered.

Used by ``GET /v1/metrics[/{metric}]``, the web dashboard and ``billstats stats``; each gets the
same JSON body.  Numbers come from the metric modules (through the registry); this module only
parses the request, builds the buckets and renders the values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from billstats.errors import BillstatsError, Problem
from billstats.metrics import catalog
from billstats.metrics.calendar import today
from billstats.metrics.registry import (
    REGISTRY,
    Bucket,
    Context,
    Field,
    Metric,
    Row,
    make_buckets,
    previous_range,
    whole_range,
)
from billstats.metrics_api import params as request_params
from billstats.metrics_api import render
from billstats.tenants import service as tenants

assert catalog.MODULES  # importing the catalog registers every metric


class UnknownMetric(BillstatsError):
    def __init__(self, names: Sequence[str]) -> None:
        known = ", ".join(sorted(REGISTRY))
        super().__init__(
            f"unknown metric{'s' if len(names) > 1 else ''} {', '.join(map(repr, names))}; "
            f"known metrics: {known}",
            404,
            "unknown_metric",
            [Problem("metric", "unknown_metric", f"{n!r} is not a metric") for n in names],
        )


def known_metrics() -> list[str]:
    return sorted(REGISTRY)


def resolve(names: Sequence[str]) -> list[Metric]:
    """The metrics asked, in the order asked (duplicates dropped)."""
    if not names:
        raise request_params.InvalidRequest(
            [
                Problem(
                    "metrics", "required", f"name at least one metric: {', '.join(known_metrics())}"
                )
            ]
        )
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise UnknownMetric(unknown)
    return [REGISTRY[n] for n in dict.fromkeys(names)]


def _rows(metric: Metric, ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    rows = metric.compute(ctx, buckets)
    if len(rows) != len(buckets):
        raise RuntimeError(f"metric {metric.name!r} returned {len(rows)} rows for {len(buckets)}")
    return rows


def _shown(field: Field, rows: list[Row], currency: str) -> render.Rendered:
    """The field of a one-bucket computation, rendered."""
    return render.value(field, rows[0][field.name], currency)


def query(
    conn: Connection,
    tenant_id: int,
    names: list[str],
    params: Mapping[str, str],
    now: datetime,
) -> dict[str, Any]:
    """The JSON body of ``/v1/metrics`` for ``names`` (one name: the single-metric shape).

    ``params`` are the query parameters (``start_date``, ``end_date``, ``interval``,
    ``product_id``, ``plan_id``, ``currency``, ``livemode``, ``partner_id``); raises
    :class:`BillstatsError` subclasses for bad input (never touches another tenant's data).
    """
    metrics = resolve(names)
    tenant = tenants.get(conn, tenant_id)
    tz = tenant.zone
    q = request_params.parse(params, today(tz, now))
    request_params.check(conn, tenant_id, q.filters)
    ctx = Context(conn, tenant_id, tz, tenant.currency, q.filters, now)
    currency = ctx.currency

    buckets = make_buckets(q.first, q.last, q.interval, tz, now)
    whole = whole_range(q.first, q.last, tz, now)
    before_first, before_last = previous_range(q.first, q.last)
    before = whole_range(before_first, before_last, tz, now)

    entries: list[dict[str, Any]] = [{"date": b.label} for b in buckets]
    summaries: dict[str, dict[str, Any]] = {}
    for metric in metrics:
        rows = _rows(metric, ctx, buckets)
        for entry, row in zip(entries, rows, strict=True):
            for f in metric.fields:
                entry[f.name] = render.value(f, row[f.name], currency)
        headline = metric.headline
        # one bucket over the whole range (say a year's interval over 90 days) is the summary's
        # current range itself: its row is not computed (nor rendered) twice
        if len(buckets) == 1 and buckets[0] == whole:
            current = entries[0][headline.name]
        else:
            current = _shown(headline, _rows(metric, ctx, [whole]), currency)
        previous = _shown(headline, _rows(metric, ctx, [before]), currency)
        summaries[metric.name] = render.shown_summary(headline, current, previous, currency)

    body: dict[str, Any] = {}
    if len(metrics) == 1:
        body["metric"] = metrics[0].name
    else:
        body["metrics"] = [m.name for m in metrics]
    body.update(
        {
            "currency": currency,
            "interval": q.interval,
            "start_date": q.first.isoformat(),
            "end_date": q.last.isoformat(),
            "entries": entries,
            "summary": summaries[metrics[0].name] if len(metrics) == 1 else summaries,
        }
    )
    return body
