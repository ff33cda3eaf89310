"""Native metrics: churn and retention ratios, the quick ratio and lifetime value.

Each ratio is computed from the bucket's MRR figures as shown (money rounded to the minor unit)
and rounded half-even to ``RATIO_PLACES`` decimals; ``None`` (JSON null) when its divisor is 0.
Definitions with worked examples: ``docs/metrics.md`` (native metrics, churn).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from fractions import Fraction

from billstats.metrics.calendar import local_date
from billstats.metrics.native_mrr import arpa
from billstats.metrics.native_mrr_book import churn_counts, figures, ratio, read_instant
from billstats.metrics.pricing import round_minor
from billstats.metrics.registry import Bucket, Compute, Context, Field, Metric, Row, register

LTV_MONTHS = 6


def _customer_churn_rate(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    rows: list[Row] = []
    for bucket in buckets:
        f = figures(ctx, bucket)
        rows.append({"customer_churn_rate": ratio(f.churned_customers, f.start_customers)})
    return rows


def _gross(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    rows: list[Row] = []
    for bucket in buckets:
        f = figures(ctx, bucket)
        rows.append({"gross_mrr_churn_rate": ratio(f.lost, f.start_mrr)})
    return rows


def net_churn(ctx: Context, bucket: Bucket) -> Fraction | None:
    f = figures(ctx, bucket)
    return ratio(f.churn + f.contraction - f.expansion - f.reactivation, f.start_mrr)


def _net(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    return [{"net_mrr_churn_rate": net_churn(ctx, b)} for b in buckets]


def _nrr(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    rows: list[Row] = []
    for bucket in buckets:
        net = net_churn(ctx, bucket)
        rows.append({"nrr": None if net is None else 1 - net})
    return rows


def _quick_ratio(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    rows: list[Row] = []
    for bucket in buckets:
        f = figures(ctx, bucket)
        rows.append({"quick_ratio": ratio(f.gained, f.lost)})
    return rows


def _month_start(day: date, back: int) -> date:
    total = day.year * 12 + day.month - 1 - back
    return date(total // 12, total % 12 + 1, 1)


def trailing_months(ctx: Context, bucket: Bucket) -> list[tuple[date, date]]:
    """The ``LTV_MONTHS`` full calendar months (first, last day) that end at or before the
    bucket's reading instant (its last instant not in the future), oldest first."""
    # ``after`` is the first day not fully read: the month holding it is not full.
    tick = timedelta(microseconds=1)
    after = local_date(read_instant(bucket.span.end, ctx.now) + tick, ctx.timezone)
    out = []
    for back in range(LTV_MONTHS, 0, -1):
        first = _month_start(after, back)
        out.append((first, _month_start(after, back - 1) - timedelta(days=1)))
    return out


def average_churn(ctx: Context, bucket: Bucket) -> Fraction | None:
    """The mean of the trailing full months' customer churn rates (exact); months without a
    paying customer at their start have no rate and are left out (None when all are)."""
    rates = []
    for first, last in trailing_months(ctx, bucket):
        paying, churned = churn_counts(ctx, first, last)
        if paying:
            rates.append(Fraction(churned, paying))
    return sum(rates, Fraction(0)) / len(rates) if rates else None


def ltv(ctx: Context, bucket: Bucket) -> Fraction | None:
    average = average_churn(ctx, bucket)
    value = arpa(ctx, bucket)
    if not average or value is None:
        return None
    return Fraction(round_minor(value / average, ctx.currency))


def _ltv(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    return [{"ltv": ltv(ctx, b)} for b in buckets]


def _ratio_metric(name: str, title: str, compute: Compute, description: str) -> Metric:
    return register(Metric(name, title, (Field(name, "ratio"),), compute, description))


CUSTOMER_CHURN_RATE = _ratio_metric(
    "customer_churn_rate",
    "Customer churn rate",
    _customer_churn_rate,
    "Customers who stopped paying in the bucket ÷ paying customers at its start.",
)
GROSS_MRR_CHURN_RATE = _ratio_metric(
    "gross_mrr_churn_rate",
    "Gross MRR churn rate",
    _gross,
    "(churn + contraction) ÷ MRR at the bucket's start.",
)
NET_MRR_CHURN_RATE = _ratio_metric(
    "net_mrr_churn_rate",
    "Net MRR churn rate",
    _net,
    "(churn + contraction - expansion - reactivation) ÷ MRR at the bucket's start.",
)
NRR = _ratio_metric(
    "nrr", "Net revenue retention", _nrr, "1 - net MRR churn rate (null when that is null)."
)
QUICK_RATIO = _ratio_metric(
    "quick_ratio",
    "Quick ratio",
    _quick_ratio,
    "(new business + expansion + reactivation) ÷ (churn + contraction); null when nothing "
    "was lost.",
)
LTV = register(
    Metric(
        name="ltv",
        title="Customer lifetime value",
        fields=(Field("ltv", "money"),),
        compute=_ltv,
        description=(
            "ARPA at the bucket's end ÷ the average monthly customer churn rate of the six full "
            "months before it; null when that churn is 0 or there are no paying customers."
        ),
    )
)
