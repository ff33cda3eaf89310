"""The MRR book behind the native MRR metrics: one load per request, figures per bucket.

Everything here is shared through ``Context.cache`` by the metrics asked in one request (mrr,
arr, customers, arpa, asp, the churn ratios, ltv): the subscription history is loaded once, the
customers' day closes are computed once, and each bucket's figures once.

- The history is read **as it stands at the request's ``now``**: versions and dates after it
  (a scheduled cancellation, a future plan change) have not happened yet.
- A level (MRR, paying customers) is read at the bucket's last instant that is not in the
  future: the close of its last day, or ``now`` for the bucket holding today (which, with the
  future cut off, is today's close).  A bucket entirely in the future reads today's level and
  has no movements.
- Movements are customer-level changes between consecutive day closes (all currencies of a
  customer together, see ``mrr_movements.CustomerChange``), each valued at its day's rate;
  levels are valued at their day's rate.  Each bucket figure is exact until it is rounded
  once, half-even, to the currency's minor unit; ``fx_impact`` is what remains of the
  rounded roll-forward, so the figures a response shows add up exactly.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction

from billstats.metrics.calendar import local_date
from billstats.metrics.fx import Converter, load_converter
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.mrr_movements import (
    CHURN,
    CONTRACTION,
    EXPANSION,
    NEW,
    REACTIVATION,
    CustomerChange,
)
from billstats.metrics.pricing import round_minor
from billstats.metrics.registry import RATIO_PLACES, Bucket, Context

_TICK = timedelta(microseconds=1)
_HISTORY = ("native_mrr", "history")
_BOOK = ("native_mrr", "book")
_RATES = ("native_mrr", "rates")


def history(ctx: Context) -> MrrHistory:
    """The request's subscription history under its filters, as it stands just before
    ``ctx.now`` (the request's spans end there), shared by every metric of the request."""
    found = ctx.cache.get(_HISTORY)
    if found is None:
        f = ctx.filters
        found = MrrHistory.load(
            ctx.conn,
            ctx.tenant_id,
            livemode=f.livemode,
            product_id=f.product_id,
            plan_id=f.plan_id,
            currency=f.currency,
        ).known_at(ctx.now - _TICK)
        ctx.cache[_HISTORY] = found
    assert isinstance(found, MrrHistory)
    return found


def read_instant(end: datetime, now: datetime) -> datetime:
    """Where a level is read for a span ending (exclusively) at ``end``: its last instant, and
    never at or after ``now`` (the request's spans end at ``now`` at the latest)."""
    return min(end, now) - _TICK


def ratio(numerator: Fraction | int, denominator: Fraction | int) -> Fraction | None:
    """``numerator / denominator`` rounded half-even to ``RATIO_PLACES`` decimals (None when the
    divisor is 0), so that ratios derived from it (nrr = 1 - net churn) add up as shown."""
    if not denominator:
        return None
    scale = 10**RATIO_PLACES
    return Fraction(round(Fraction(numerator) / Fraction(denominator) * scale), scale)


class Book:
    """The customers' MRR changes (all currencies together) and the levels they add up to."""

    def __init__(self, changes: list[CustomerChange]) -> None:
        self.changes = changes
        self.days = [c.day for c in changes]
        self.currencies = sorted({cur for c in changes for cur, _ in (*c.before, *c.after)})
        # Levels at the close of each day with a change: per-currency MRR and paying customers.
        self._level_days: list[date] = []
        self._levels: list[tuple[dict[str, int], int]] = []
        totals: dict[str, int] = defaultdict(int)
        paying = 0
        for change in changes:
            for cur, delta in change.deltas().items():
                totals[cur] += delta
            paying += bool(change.after) - bool(change.before)
            snapshot = ({c: v for c, v in totals.items() if v}, paying)
            if self._level_days and self._level_days[-1] == change.day:
                self._levels[-1] = snapshot
            else:
                self._level_days.append(change.day)
                self._levels.append(snapshot)
        self._valued: dict[tuple[int, str], tuple[str, Fraction] | None] = {}

    def level(self, day: date) -> tuple[dict[str, int], int]:
        """(currency -> MRR micros, paying customers) at the close of ``day``."""
        i = bisect_right(self._level_days, day)
        return self._levels[i - 1] if i else ({}, 0)

    def span(self, after: date, upto: date) -> range:
        """Indexes of the changes on days ``after < day <= upto``."""
        return range(bisect_right(self.days, after), bisect_right(self.days, upto))

    def customers_between(self, after: date, upto: date, kind: str) -> set[str]:
        """Customers with a ``new``, ``reactivation`` or ``churn`` change on days in
        ``(after, upto]``."""
        found = (self.changes[i] for i in self.span(after, upto))
        return {c.customer_id for c in found if c.kind == kind}

    def valued(self, index: int, converter: Converter) -> tuple[str, Fraction] | None:
        """The movement change ``index`` is in the converter's currency: (kind, positive exact
        amount), each currency valued at the change's day rate; None when it nets to 0."""
        key = (index, converter.reporting)
        if key in self._valued:
            return self._valued[key]
        change = self.changes[index]
        day = change.day
        kind = change.kind
        result: tuple[str, Fraction] | None
        if kind in (NEW, REACTIVATION):
            result = (kind, sum_converted(change.after, day, converter))
        elif kind == CHURN:
            result = (kind, sum_converted(change.before, day, converter))
        else:
            delta = sum_converted(tuple(change.deltas().items()), day, converter)
            if delta > 0:
                result = (EXPANSION, delta)
            elif delta < 0:
                result = (CONTRACTION, -delta)
            else:
                result = None
        self._valued[key] = result
        return result


def sum_converted(amounts: Sequence[tuple[str, int]], day: date, converter: Converter) -> Fraction:
    return sum((converter.convert(v, cur, day) for cur, v in amounts), Fraction(0))


def book(ctx: Context) -> Book:
    found = ctx.cache.get(_BOOK)
    if found is None:
        found = Book(history(ctx).customer_changes(ctx.timezone))
        ctx.cache[_BOOK] = found
    assert isinstance(found, Book)
    return found


class _Rates:
    """One converter for the request, reloaded (once) when a wider day range is asked for."""

    def __init__(self, ctx: Context, currencies: list[str]) -> None:
        self.ctx = ctx
        self.currencies = currencies
        self.first: date | None = None
        self.last: date | None = None
        self.converter = Converter(ctx.currency, {})

    def covering(self, first: date, last: date) -> Converter:
        """Rates of days ``first``..``last`` at least.  Nothing is read after today, so one load
        runs to today; an earlier day (the summary's previous range) loads once more."""
        if self.first is None or self.last is None or first < self.first or last > self.last:
            today = local_date(self.ctx.now - _TICK, self.ctx.timezone)
            self.first = first if self.first is None else min(first, self.first)
            self.last = max(last, today, self.last or last)
            self.converter = load_converter(
                self.ctx.conn,
                self.ctx.tenant_id,
                self.ctx.currency,
                self.currencies,
                self.first,
                self.last,
            )
        return self.converter


def converter(ctx: Context, first: date, last: date) -> Converter:
    """A converter into ``ctx.currency`` holding the rates of days ``first``..``last``."""
    rates = ctx.cache.get(_RATES)
    if rates is None:
        rates = _Rates(ctx, book(ctx).currencies)
        ctx.cache[_RATES] = rates
    assert isinstance(rates, _Rates)
    return rates.covering(first, last)


@dataclass(frozen=True)
class Figures:
    """One bucket's MRR figures in ``ctx.currency``: money as micros rounded to the minor unit."""

    start_day: date  # the day whose close is the opening level
    end_day: date  # the day whose close is the level read (the last day not in the future)
    start_mrr: Fraction
    mrr: Fraction
    new_business: Fraction
    expansion: Fraction
    contraction: Fraction
    churn: Fraction
    reactivation: Fraction
    start_customers: int
    customers: int
    new_customers: int
    churned_customers: int

    @property
    def gained(self) -> Fraction:
        return self.new_business + self.expansion + self.reactivation

    @property
    def lost(self) -> Fraction:
        return self.churn + self.contraction

    @property
    def fx_impact(self) -> Fraction:
        """The part of the change in MRR that no movement explains: exchange-rate swings (and,
        when converting, the rounding of the figures shown).  0 in one currency."""
        return self.mrr - self.start_mrr - (self.gained - self.lost)


def bucket_days(ctx: Context, bucket: Bucket) -> tuple[date, date]:
    """(opening day, closing day) of a bucket: whose closes are its start and end levels."""
    tz = ctx.timezone
    start = local_date(read_instant(bucket.span.start, ctx.now), tz)
    end = local_date(read_instant(bucket.span.end, ctx.now), tz)
    return start, end


def level_value(ctx: Context, levels: dict[str, int], day: date, conv: Converter) -> Fraction:
    return Fraction(round_minor(sum_converted(sorted(levels.items()), day, conv), ctx.currency))


def figures(ctx: Context, bucket: Bucket) -> Figures:
    """The bucket's figures (computed once per request and bucket)."""
    key = ("native_mrr", "figures", bucket.span.start, bucket.span.end)
    found = ctx.cache.get(key)
    if isinstance(found, Figures):
        return found
    b = book(ctx)
    start_day, end_day = bucket_days(ctx, bucket)
    conv = converter(ctx, start_day, end_day)
    sums: dict[str, Fraction] = defaultdict(Fraction)
    for i in b.span(start_day, end_day):
        valued = b.valued(i, conv)
        if valued is not None:
            sums[valued[0]] += valued[1]
    rounded = {k: Fraction(round_minor(v, ctx.currency)) for k, v in sums.items()}
    opening, start_paying = b.level(start_day)
    closing, paying = b.level(end_day)
    result = Figures(
        start_day=start_day,
        end_day=end_day,
        start_mrr=level_value(ctx, opening, start_day, conv),
        mrr=level_value(ctx, closing, end_day, conv),
        new_business=rounded.get(NEW, Fraction(0)),
        expansion=rounded.get(EXPANSION, Fraction(0)),
        contraction=rounded.get(CONTRACTION, Fraction(0)),
        churn=rounded.get(CHURN, Fraction(0)),
        reactivation=rounded.get(REACTIVATION, Fraction(0)),
        start_customers=start_paying,
        customers=paying,
        new_customers=len(b.customers_between(start_day, end_day, NEW)),
        churned_customers=len(b.customers_between(start_day, end_day, CHURN)),
    )
    ctx.cache[key] = result
    return result


def churn_counts(ctx: Context, first: date, last: date) -> tuple[int, int]:
    """(paying customers at the close of ``first - 1``, customers churned on days
    ``first``..``last``): a customer churn rate without any money or rate involved."""
    key = ("native_mrr", "churn_counts", first, last)
    found = ctx.cache.get(key)
    if found is None:
        b = book(ctx)
        before = first - timedelta(days=1)
        _, paying = b.level(before)
        found = (paying, len(b.customers_between(before, last, CHURN)))
        ctx.cache[key] = found
    assert isinstance(found, tuple)
    return found


__all__ = [
    "Book",
    "Figures",
    "book",
    "bucket_days",
    "churn_counts",
    "converter",
    "figures",
    "history",
    "ratio",
    "read_instant",
]
