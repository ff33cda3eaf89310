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
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from fractions import Fraction

from billstats.metrics.attribution import Attribution
from billstats.metrics.calendar import Span
from billstats.metrics.fx import Converter
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.mrr_timeline import Scope, Segment
from billstats.metrics.pricing import round_minor
from billstats.metrics.registry import Bucket, Context
from billstats.metrics.tally import Entry, Tally, converter_for


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


class Money:
    """Amounts and counts of tallies in the query's currency (see the module docstring)."""

    def __init__(self, ctx: Context, tallies: Iterable[Tally]) -> None:
        self.currency = ctx.currency
        self.only = ctx.filters.currency
        self.converter: Converter | None = None
        if self.only is None:
            entries = [e for tally in tallies for e in tally.entries()]
            self.converter = converter_for(ctx.conn, ctx.tenant_id, ctx.currency, entries)

    def _entries(self, tally: Tally) -> list[Entry]:
        return [e for e in tally.entries() if self.only is None or e[0] == self.only]

    def exact(self, entries: Iterable[Entry]) -> Fraction:
        if self.converter is not None:
            return self.converter.total(entries)
        return Fraction(sum(micros for currency, _, micros in entries if currency == self.only))

    def amount(self, tally: Tally, converted: Fraction = Fraction(0)) -> int:
        """The tally's total (plus exact micros ``converted`` already), rounded once to the
        currency's minor unit (micros)."""
        return round_minor(self.exact(self._entries(tally)) + converted, self.currency)

    def count(self, tally: Tally) -> int:
        if self.only is None:
            return tally.count
        return sum(n for (currency, _), n in tally.counts.items() if currency == self.only)
