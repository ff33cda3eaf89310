"""Native metrics: the money that moved in each bucket — ``sales``, ``refunds``,
``net_revenue``, ``fees``, ``affiliate_commissions``.

One definition with the Pabbly dashboard (``docs/metrics.md``, "Pabbly"): the records come from
:func:`billstats.metrics.sales.sales` and :func:`~billstats.metrics.sales.refunds`, so a bucket
equal to a Pabbly window has exactly Pabbly's figures.

- ``sales``: succeeded payments created in the bucket, their gross amount; ``onetime_sales`` /
  ``recurring_sales``: those tied to no subscription / to one (its own or its invoice's).
- ``refunds``: refunds created in the bucket (whenever their payment was made).
- ``fees``: the payment fees of the bucket's sales; ``affiliate_commissions``: their affiliate
  commissions; ``affiliate_sales``: the sales with an affiliate.
- ``net_revenue`` = sales - refunds - affiliate commissions - fees, from the rounded figures.

Every record belongs to the bucket of its tenant-local day; filters: livemode (a refund takes its
payment's), product and plan (of the subscription at the payment's instant), currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from billstats.metrics import rollup_flows
from billstats.metrics import sales as sales_records
from billstats.metrics.calendar import Span
from billstats.metrics.flow_series import flow_series
from billstats.metrics.native_support import Buckets, Money, Part, covering, record_scope, split
from billstats.metrics.registry import Bucket, Context, Field, Metric, Row, register
from billstats.metrics.rollup_days import split as span_days
from billstats.metrics.rollup_flows import Flows
from billstats.metrics.tally import Tally


@dataclass
class BucketFlows:
    onetime: Part
    recurring: Part
    fees: Part
    affiliate_sales: Part
    commissions: Part
    refunds: Part


def _records(ctx: Context, span: Span) -> Flows:
    """The sales and refunds of ``span`` as tallies per (currency, day), loaded once per request:
    from the daily roll-ups, or, under a product or plan filter (which judges each record by its
    subscription at its instant), from the records."""
    key = ("native_flows.records", span.start, span.end)
    if key not in ctx.cache:
        f = ctx.filters
        if f.product_id is None and f.plan_id is None:
            ctx.cache[key] = rollup_flows.flows(
                ctx.conn, ctx.tenant_id, span, ctx.timezone, f.livemode
            )
        else:
            scope = record_scope(ctx)
            paid = sales_records.sales(ctx.conn, ctx.tenant_id, span, ctx.timezone, scope)
            refunded = sales_records.refunds(ctx.conn, ctx.tenant_id, span, ctx.timezone, scope)
            ctx.cache[key] = Flows(
                paid.onetime,
                paid.recurring,
                paid.fees,
                paid.affiliate_sales,
                paid.commissions,
                refunded,
                paid.affiliates,
            )
    records: Flows = ctx.cache[key]
    return records


def _tallies(f: Flows) -> tuple[Tally, ...]:
    """The tallies of ``f`` in ``flow_series.FIGURES`` order."""
    return (f.onetime, f.recurring, f.fees, f.affiliate_sales, f.commissions, f.refunds)


def _from_tallies(ctx: Context, buckets: Sequence[Bucket]) -> list[BucketFlows]:
    f = _records(ctx, covering(buckets, ctx.now))
    where = Buckets(buckets)
    parts = [split(tally, where) for tally in _tallies(f)]
    return [BucketFlows(*(Part(p[i]) for p in parts)) for i in range(len(buckets))]


def _from_series(ctx: Context, buckets: Sequence[Bucket]) -> list[BucketFlows] | None:
    """Whole days from the running totals (``flow_series``), the pieces of days at the edges from
    the records; None under a product or plan filter, or when a whole day lacks a rate."""
    f = ctx.filters
    if f.product_id is not None or f.plan_id is not None:
        return None
    cover = covering(buckets, ctx.now)
    days = span_days(cover, ctx.timezone)
    series = flow_series(ctx.conn, ctx.tenant_id, f.livemode, ctx.currency, f.currency is None)
    wholes = series.per_bucket(buckets, days.first, days.last)
    if wholes is None:
        return None
    edges = rollup_flows.pieces(ctx.conn, ctx.tenant_id, days, ctx.timezone, f.livemode)
    where = Buckets(buckets)
    parts = [split(tally, where) for tally in _tallies(edges)]
    return [
        BucketFlows(
            *(Part(p[i], w.scaled[k], w.counts[k]) for k, p in enumerate(parts)),
        )
        for i, w in enumerate(wholes)
    ]


def flows(ctx: Context, buckets: Sequence[Bucket]) -> tuple[Money, list[BucketFlows]]:
    """The flows of each bucket (one load for all of them), shared by the five metrics of a
    request."""
    key = ("native_flows", tuple((b.first, b.last, b.span) for b in buckets))
    if key not in ctx.cache:
        per_bucket = _from_series(ctx, buckets)
        if per_bucket is None:
            per_bucket = _from_tallies(ctx, buckets)
        ctx.cache[key] = (Money(ctx), per_bucket)
    result: tuple[Money, list[BucketFlows]] = ctx.cache[key]
    return result


def _sales(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    money, per_bucket = flows(ctx, buckets)
    rows: list[Row] = []
    for f in per_bucket:
        onetime, recurring = money.amount_of(f.onetime), money.amount_of(f.recurring)
        onetime_n, recurring_n = money.count_of(f.onetime), money.count_of(f.recurring)
        rows.append(
            {
                "sales": onetime + recurring,
                "sales_count": onetime_n + recurring_n,
                "onetime_sales": onetime,
                "onetime_sales_count": onetime_n,
                "recurring_sales": recurring,
                "recurring_sales_count": recurring_n,
            }
        )
    return rows


def _refunds(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    money, per_bucket = flows(ctx, buckets)
    return [
        {"refunds": money.amount_of(f.refunds), "refund_count": money.count_of(f.refunds)}
        for f in per_bucket
    ]


def net_revenue(money: Money, f: BucketFlows) -> int:
    """Sales - refunds - affiliate commissions - fees, each rounded first (as Pabbly's)."""
    return (
        money.amount_of(f.onetime)
        + money.amount_of(f.recurring)
        - money.amount_of(f.refunds)
        - money.amount_of(f.commissions)
        - money.amount_of(f.fees)
    )


def _net_revenue(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    money, per_bucket = flows(ctx, buckets)
    return [{"net_revenue": net_revenue(money, f)} for f in per_bucket]


def _fees(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    money, per_bucket = flows(ctx, buckets)
    return [{"fees": money.amount_of(f.fees)} for f in per_bucket]


def _affiliates(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    money, per_bucket = flows(ctx, buckets)
    return [
        {
            "affiliate_commissions": money.amount_of(f.commissions),
            "affiliate_sales": money.amount_of(f.affiliate_sales),
            "affiliate_sales_count": money.count_of(f.affiliate_sales),
        }
        for f in per_bucket
    ]


SALES = register(
    Metric(
        "sales",
        "Sales",
        (
            Field("sales", "money"),
            Field("sales_count", "count"),
            Field("onetime_sales", "money"),
            Field("onetime_sales_count", "count"),
            Field("recurring_sales", "money"),
            Field("recurring_sales_count", "count"),
        ),
        _sales,
        "Succeeded payments created in the bucket: gross amount and count, one-time (tied to no "
        "subscription) and recurring.",
    )
)
REFUNDS = register(
    Metric(
        "refunds",
        "Refunds",
        (Field("refunds", "money"), Field("refund_count", "count")),
        _refunds,
        "Refunds created in the bucket, whenever their payment was made.",
    )
)
NET_REVENUE = register(
    Metric(
        "net_revenue",
        "Net revenue",
        (Field("net_revenue", "money"),),
        _net_revenue,
        "Sales less refunds, affiliate commissions and payment fees (may be negative).",
    )
)
FEES = register(
    Metric(
        "fees",
        "Payment fees",
        (Field("fees", "money"),),
        _fees,
        "The payment fees of the bucket's sales.",
    )
)
AFFILIATE_COMMISSIONS = register(
    Metric(
        "affiliate_commissions",
        "Affiliate commissions",
        (
            Field("affiliate_commissions", "money"),
            Field("affiliate_sales", "money"),
            Field("affiliate_sales_count", "count"),
        ),
        _affiliates,
        "Affiliate commissions of the bucket's sales, and the sales made through an affiliate.",
    )
)
