"""The registry of native metrics: each metric is declared once, here, by its module.

A metric is a name, the fields each of its entries carries (with their kind, which decides how a
value is rendered), and one ``compute`` function that returns one row of values per bucket.  The
native API (``/v1/metrics``), the dashboard and the CLI all read metrics through this registry;
none of them computes anything on its own.

Values are exact: money is micro-units of the query's currency, an ``int`` (whole micros, the
usual case) or a ``Fraction`` (rounded once, half-even, to that currency's minor unit when
rendered), counts are ``int``, ratios are
``Fraction`` (rendered with ``RATIO_PLACES`` decimals), quantities (usage, minutes) are a
``Fraction`` of micro-units (rendered exactly, at most ``QUANTITY_PLACES`` decimals), a breakdown is
a mapping of names to values of its ``item`` kind, and ``None`` means "not defined" (a ratio whose
divisor is 0, say) and renders as JSON ``null``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from billstats.metrics.calendar import Span, days_span
from billstats.metrics.mrr_shared import tenant_timeline
from billstats.metrics.mrr_timeline import Segment

Interval = Literal["day", "week", "month", "quarter", "year"]
INTERVALS: tuple[Interval, ...] = ("day", "week", "month", "quarter", "year")
FieldKind = Literal["money", "count", "ratio", "quantity", "breakdown"]
Scalar = int | Fraction | None
Value = int | Fraction | None | dict[str, Scalar]
Row = dict[str, Value]

RATIO_PLACES = 6
QUANTITY_PLACES = 6
MAX_BUCKETS = 1000


@dataclass(frozen=True)
class Field:
    """A value of every entry.  A ``breakdown`` is an object of name -> value whose values have
    the kind ``item`` (e.g. usage quantity per metric code); every entry of a response carries the
    same names."""

    name: str
    kind: FieldKind
    item: FieldKind | None = None

    def __post_init__(self) -> None:
        if (self.kind == "breakdown") != (self.item is not None) or self.item == "breakdown":
            raise ValueError(f"field {self.name!r}: a breakdown (and only it) needs a scalar item")


@dataclass(frozen=True)
class Bucket:
    """Calendar days ``first``..``last`` (inclusive) in the tenant's zone, as instants ``span``
    (its end capped at the query's ``now``: a bucket never reaches into the future)."""

    first: date
    last: date
    span: Span

    @property
    def label(self) -> str:
        return self.first.isoformat()


@dataclass(frozen=True)
class Filters:
    product_id: str | None = None
    plan_id: str | None = None
    # A native currency: only records in it, values in it, no conversion.  None: every record,
    # converted into the tenant's reporting currency with fx_rates.
    currency: str | None = None
    livemode: bool = True
    # Calls only: the calls of one reseller partner's accounts (customers with that partner_id).
    partner_id: str | None = None


@dataclass
class Context:
    """What a metric's ``compute`` gets: the connection, the tenant, the filters and the clock,
    plus a per-request cache so that metrics asked together share expensive loads (e.g. the MRR
    history) — keys are chosen by the metric modules (``cache.get(key)`` / ``cache[key] = ...``)."""

    conn: Connection
    tenant_id: int
    timezone: ZoneInfo
    reporting_currency: str
    filters: Filters
    now: datetime
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def currency(self) -> str:
        """The currency every money value is expressed in."""
        return self.filters.currency or self.reporting_currency

    def segments(self) -> dict[str, list[Segment]]:
        """The tenant's subscription timelines (every scope), loaded once per request and shared
        by every metric that needs them (MRR, and product/plan attribution of records)."""
        key = ("registry.segments",)
        if key not in self.cache:
            self.cache[key] = tenant_timeline(self.conn, self.tenant_id)[0].segments
        segments: dict[str, list[Segment]] = self.cache[key]
        return segments


Compute = Callable[[Context, Sequence[Bucket]], list[Row]]


@dataclass(frozen=True)
class Metric:
    """One native metric.  ``fields[0]`` is the headline value (the one ``summary`` compares).

    ``compute(ctx, buckets)`` returns one row per bucket, in order, with a value for every field.
    ``summary`` is computed by calling ``compute`` with one bucket spanning the whole range (and
    the previous range of the same length), so every metric — a level like MRR, a flow like
    sales, a ratio like churn — defines its own whole-range value once.
    """

    name: str
    title: str
    fields: tuple[Field, ...]
    compute: Compute
    description: str = ""

    @property
    def headline(self) -> Field:
        return self.fields[0]


REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    if metric.name in REGISTRY:
        raise ValueError(f"metric {metric.name!r} is declared twice")
    names = [f.name for f in metric.fields]
    if not names or len(set(names)) != len(names) or "date" in names:
        raise ValueError(f"metric {metric.name!r} needs distinct fields (and none named 'date')")
    # Entries of several metrics carry all their fields side by side: names never clash.
    for other in REGISTRY.values():
        clash = set(names) & {f.name for f in other.fields}
        if clash:
            raise ValueError(f"metric {metric.name!r} reuses {sorted(clash)} of {other.name!r}")
    REGISTRY[metric.name] = metric
    return metric


def _next_start(day: date, interval: Interval) -> date:
    if interval == "day":
        return day + timedelta(days=1)
    if interval == "week":
        return day + timedelta(days=7 - day.weekday())
    months = {"month": 1, "quarter": 3, "year": 12}[interval]
    if interval == "quarter":
        month0 = (day.month - 1) // 3 * 3
    elif interval == "year":
        month0 = 0
    else:
        month0 = day.month - 1
    total = day.year * 12 + month0 + months
    return date(total // 12, total % 12 + 1, 1)


def bucket_days(first: date, last: date, interval: Interval) -> Iterator[tuple[date, date]]:
    """Calendar buckets covering ``first``..``last``; the first and last may be partial
    (weeks start on Monday; quarters in January, April, July, October)."""
    start = first
    while start <= last:
        nxt = _next_start(start, interval)
        yield start, min(last, nxt - timedelta(days=1))
        start = nxt


def make_buckets(
    first: date, last: date, interval: Interval, tz: ZoneInfo, now: datetime
) -> list[Bucket]:
    out: list[Bucket] = []
    for lo, hi in bucket_days(first, last, interval):
        span = days_span(lo, hi, tz)
        end = min(span.end, max(now, span.start))
        out.append(Bucket(lo, hi, Span(span.start, end)))
    return out


def whole_range(first: date, last: date, tz: ZoneInfo, now: datetime) -> Bucket:
    """One bucket spanning ``first``..``last`` (what ``summary`` values are computed over)."""
    span = days_span(first, last, tz)
    return Bucket(first, last, Span(span.start, min(span.end, max(now, span.start))))


def previous_range(first: date, last: date) -> tuple[date, date]:
    """The range of the same number of days just before ``first``..``last``."""
    length = (last - first).days + 1
    return first - timedelta(days=length), first - timedelta(days=1)
