"""Native metrics: ``mrr`` (with its movements), ``arr``, ``customers``, ``arpa`` and ``asp``.

All read one shared :mod:`billstats.metrics.native_mrr_book` per request; definitions with
worked examples are in ``docs/metrics.md`` (native metrics, MRR).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from billstats.metrics.native_mrr_book import figures
from billstats.metrics.pricing import round_minor
from billstats.metrics.registry import Bucket, Context, Field, Metric, Row, register


def _mrr(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    rows: list[Row] = []
    for bucket in buckets:
        f = figures(ctx, bucket)
        rows.append(
            {
                "mrr": f.mrr,
                "new_business": f.new_business,
                "expansion": f.expansion,
                "contraction": f.contraction,
                "churn": f.churn,
                "reactivation": f.reactivation,
                "fx_impact": f.fx_impact,
            }
        )
    return rows


def _arr(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    return [{"arr": 12 * figures(ctx, b).mrr} for b in buckets]


def _customers(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    rows: list[Row] = []
    for bucket in buckets:
        f = figures(ctx, bucket)
        rows.append(
            {
                "customers": f.customers,
                "new_customers": f.new_customers,
                "churned_customers": f.churned_customers,
            }
        )
    return rows


def per_customer(ctx: Context, amount: int, customers: int) -> int | None:
    """``amount`` (micros) ÷ ``customers``, rounded half-even to the minor unit (None when no
    customer)."""
    if not customers:
        return None
    return round_minor(Fraction(amount, customers), ctx.currency)


def arpa(ctx: Context, bucket: Bucket) -> int | None:
    """MRR ÷ paying customers at the bucket's end, as shown (rounded to the minor unit)."""
    f = figures(ctx, bucket)
    return per_customer(ctx, f.mrr, f.customers)


def _arpa(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    return [{"arpa": arpa(ctx, b)} for b in buckets]


def _asp(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    rows: list[Row] = []
    for bucket in buckets:
        f = figures(ctx, bucket)
        rows.append({"asp": per_customer(ctx, f.new_business, f.new_customers)})
    return rows


def _money(*names: str) -> tuple[Field, ...]:
    return tuple(Field(n, "money") for n in names)


MRR = register(
    Metric(
        name="mrr",
        title="Monthly recurring revenue",
        fields=_money(
            "mrr", "new_business", "expansion", "contraction", "churn", "reactivation", "fx_impact"
        ),
        compute=_mrr,
        description=(
            "MRR at the bucket's end and the bucket's movements (new business, expansion, "
            "contraction, churn, reactivation); fx_impact is the change no movement explains "
            "(exchange rates), 0 in one currency."
        ),
    )
)

ARR = register(
    Metric(
        name="arr",
        title="Annual run rate",
        fields=_money("arr"),
        compute=_arr,
        description="12 x MRR at the bucket's end.",
    )
)

CUSTOMERS = register(
    Metric(
        name="customers",
        title="Paying customers",
        fields=(
            Field("customers", "count"),
            Field("new_customers", "count"),
            Field("churned_customers", "count"),
        ),
        compute=_customers,
        description=(
            "Customers with MRR > 0 at the bucket's end; customers whose first paying day is in "
            "the bucket; customers who stopped paying in the bucket."
        ),
    )
)

ARPA = register(
    Metric(
        name="arpa",
        title="Average revenue per account",
        fields=_money("arpa"),
        compute=_arpa,
        description="MRR ÷ paying customers at the bucket's end (null when there are none).",
    )
)

ASP = register(
    Metric(
        name="asp",
        title="Average sale price",
        fields=_money("asp"),
        compute=_asp,
        description="New-business MRR ÷ new customers in the bucket (null when there are none).",
    )
)
