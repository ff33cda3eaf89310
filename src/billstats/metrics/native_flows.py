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
from billstats.metrics.native_support import Buckets, Money, covering, record_scope, split
from billstats.metrics.registry import Bucket, Context, Field, Metric, Row, register
from billstats.metrics.rollup_flows import Flows
from billstats.metrics.tally import Tally


@dataclass
class BucketFlows:
    onetime: Tally
    recurring: Tally
    fees: Tally
    affiliate_sales: Tally
    commissions: Tally
    refunds: Tally


def _records(ctx: Context, span: Span) -> Flows:
    """The sales and refunds of ``span``, loaded once per request (the buckets and the summary's
    whole range cover the same span): from the daily roll-ups, or, under a product or plan
    filter (which judges each record by its subscription at its instant), from the records."""
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


def flows(ctx: Context, buckets: Sequence[Bucket]) -> tuple[Money, list[BucketFlows]]:
    """The flows of each bucket (one load for all of them), shared by the five metrics of a
    request."""
    key = ("native_flows", tuple((b.first, b.last, b.span) for b in buckets))
    if key not in ctx.cache:
        f = _records(ctx, covering(buckets, ctx.now))
        where = Buckets(buckets)
        tallies = (f.onetime, f.recurring, f.fees, f.affiliate_sales, f.commissions, f.refunds)
        parts = [split(tally, where) for tally in tallies]
        per_bucket = [BucketFlows(*(p[i] for p in parts)) for i in range(len(buckets))]
        ctx.cache[key] = (Money(ctx), per_bucket)
    result: tuple[Money, list[BucketFlows]] = ctx.cache[key]
    return result


def _sales(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    money, per_bucket = flows(ctx, buckets)
    rows: list[Row] = []
    for f in per_bucket:
        onetime, recurring = money.amount(f.onetime), money.amount(f.recurring)
        onetime_n, recurring_n = money.count(f.onetime), money.count(f.recurring)
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
        {"refunds": money.amount(f.refunds), "refund_count": money.count(f.refunds)}
        for f in per_bucket
    ]


def net_revenue(money: Money, f: BucketFlows) -> int:
    """Sales - refunds - affiliate commissions - fees, each rounded first (as Pabbly's)."""
    return (
        money.amount(f.onetime)
        + money.amount(f.recurring)
        - money.amount(f.refunds)
        - money.amount(f.commissions)
        - money.amount(f.fees)
    )


def _net_revenue(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    money, per_bucket = flows(ctx, buckets)
    return [{"net_revenue": net_revenue(money, f)} for f in per_bucket]


def _fees(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    money, per_bucket = flows(ctx, buckets)
    return [{"fees": money.amount(f.fees)} for f in per_bucket]


def _affiliates(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    money, per_bucket = flows(ctx, buckets)
    return [
        {
            "affiliate_commissions": money.amount(f.commissions),
            "affiliate_sales": money.amount(f.affiliate_sales),
            "affiliate_sales_count": money.count(f.affiliate_sales),
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
