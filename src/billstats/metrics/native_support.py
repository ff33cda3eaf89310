"""What the native flow, invoice and usage metrics share: which records a query's filters keep,
the span a list of buckets covers, and tallies split into buckets and turned into amounts.

- **Scope of a record** (payment, refund, invoice, usage event): with a product or plan filter a
  record counts when it is tied to a subscription whose version at the record's instant has that
  product / plan (its first version when the record precedes the subscription's history), as in
  :mod:`billstats.metrics.attribution`; records tied to no subscription count only without such
  a filter.
- **Money**: with a ``currency`` filter only records in that currency count, summed exactly in
  it; without, each (currency, local day) group is converted with that day's rate
  (:mod:`billstats.metrics.fx`).  Either way each figure of a bucket is rounded once, half-even,
  to the currency's minor unit.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from billstats.metrics import derived, shared_rates
from billstats.metrics.attribution import Attribution
from billstats.metrics.calendar import Span
from billstats.metrics.fx import RATE_SCALE, Converter
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.mrr_timeline import Scope, Segment
from billstats.metrics.pricing import round_minor_scaled
from billstats.metrics.registry import Bucket, Context
from billstats.metrics.tally import Tally


class RecordScope(Attribution):
    """:class:`Attribution` under the query's livemode, product and plan filters."""

    def __init__(self, history: MrrHistory, plan_id: str | None) -> None:
        super().__init__(history)
        self.plan_id = plan_id

    def _segment_at(self, subscription_id: str, at: datetime) -> Segment | None:
        segments = self.history.segments.get(subscription_id)
        if not segments:
            return None
        return next((seg for seg in segments if seg.covers(at)), segments[0])

    def includes(self, subscription_id: str | None, at: datetime) -> bool:
        if self.product_id is None and self.plan_id is None:
            return True
        if subscription_id is None:
            return False
        seg = self._segment_at(subscription_id, at)
        return (
            seg is not None
            and (self.product_id is None or seg.product_id == self.product_id)
            and (self.plan_id is None or seg.plan_id == self.plan_id)
        )


def record_scope(ctx: Context) -> RecordScope:
    key = ("native_support.record_scope",)
    if key not in ctx.cache:
        f = ctx.filters
        # Without a product or plan filter every record counts: no timeline is needed.
        filtered = f.product_id is not None or f.plan_id is not None
        segments = ctx.segments() if filtered else {}
        history = MrrHistory(segments, Scope(f.livemode, f.product_id))
        ctx.cache[key] = RecordScope(history, f.plan_id)
    scope: RecordScope = ctx.cache[key]
    return scope


def covering(buckets: Sequence[Bucket], now: datetime) -> Span:
    """The instants of every bucket up to ``now`` (buckets are consecutive; a bucket wholly in
    the future has an empty span at its start, which must not stretch the cover past now)."""
    start = buckets[0].span.start
    return Span(start, max(start, min(buckets[-1].span.end, now)))


def level_instants(buckets: Sequence[Bucket], now: datetime) -> list[datetime]:
    """Per bucket, the instant ``e`` whose last microsecond its levels are read at: the bucket's
    end, or ``now`` for the bucket holding today and those after it."""
    return [min(b.span.end, now) for b in buckets]


class Buckets:
    """Which bucket a local day falls in."""

    def __init__(self, buckets: Sequence[Bucket]) -> None:
        self.buckets = buckets
        self._firsts = [b.first for b in buckets]

    def index(self, day: date) -> int | None:
        i = bisect_right(self._firsts, day) - 1
        if i < 0 or day > self.buckets[i].last:
            return None
        return i


def split(tally: Tally, where: Buckets) -> list[Tally]:
    """One tally per bucket with the (currency, day) groups of its days."""
    out = [Tally() for _ in where.buckets]
    for (currency, day), micros in tally.sums.items():
        i = where.index(day)
        if i is None:
            continue
        part = out[i]
        n = tally.counts[(currency, day)]
        part.count += n
        part.sums[(currency, day)] += micros
        part.counts[(currency, day)] += n
    return out


@dataclass
class Part:
    """One figure of a bucket: its whole days already summed in the answer's currency (``scaled``
    ``1/RATE_SCALE`` micros, ``count`` records: :mod:`billstats.metrics.flow_series`) and its
    other records as a tally."""

    tally: Tally
    scaled: int = 0
    count: int = 0


class Money:
    """Amounts and counts of tallies in the query's currency (see the module docstring).

    Without a currency filter the tenant's rates come from the per-revision cache
    (:mod:`billstats.metrics.shared_rates`): the same conversions as loading only the days the
    tallies need.  Amounts are summed and rounded in integers (``RATE_SCALE`` parts of a micro),
    and each tally's amount is worked out once per request."""

    def __init__(self, ctx: Context) -> None:
        self.currency = ctx.currency
        self.only = ctx.filters.currency
        self.converter: Converter | None = None
        if self.only is None:
            snap = derived.snapshot(ctx.conn, ctx.tenant_id)
            self.converter = shared_rates.converter(ctx.conn, snap, ctx.currency)
        self._amounts: dict[int, tuple[Tally, int]] = {}

    def scaled(self, tally: Tally) -> int:
        """The tally's exact total in ``1/RATE_SCALE`` micros of the query's currency."""
        if self.converter is not None:
            return self.converter.total_scaled(tally.entries())
        only = self.only
        return RATE_SCALE * sum(m for (currency, _), m in tally.sums.items() if currency == only)

    def amount(self, tally: Tally, converted: int = 0) -> int:
        """The tally's total (plus ``converted``: exact ``1/RATE_SCALE`` micros already in the
        query's currency), rounded once to the currency's minor unit (micros)."""
        if converted:
            return round_minor_scaled(self.scaled(tally) + converted, RATE_SCALE, self.currency)
        found = self._amounts.get(id(tally))
        if found is None:
            rounded = round_minor_scaled(self.scaled(tally), RATE_SCALE, self.currency)
            found = self._amounts[id(tally)] = (tally, rounded)  # the tally kept: ids not reused
        return found[1]

    def rounded(self, scaled: int) -> int:
        """``scaled`` (exact ``1/RATE_SCALE`` micros of the query's currency) rounded once: the
        amount of an empty tally plus ``scaled``."""
        return round_minor_scaled(scaled, RATE_SCALE, self.currency)

    def count(self, tally: Tally) -> int:
        if self.only is None:
            return tally.count
        return sum(n for (currency, _), n in tally.counts.items() if currency == self.only)

    def amount_of(self, part: Part) -> int:
        """The part's total, rounded once."""
        return self.amount(part.tally, part.scaled)

    def count_of(self, part: Part) -> int:
        return self.count(part.tally) + part.count
