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
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from functools import lru_cache
from zoneinfo import ZoneInfo

from billstats.metrics import derived, shared_rates
from billstats.metrics.calendar import local_date
from billstats.metrics.fx import RATE_SCALE, Converter
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.mrr_movements import (
    CHURN,
    CONTRACTION,
    EXPANSION,
    NEW,
    REACTIVATION,
    CustomerChange,
)
from billstats.metrics.mrr_shared import shared
from billstats.metrics.native_mrr_valued import (
    ChurnCounts,
    Valuation,
    count_between,
    scaled_total,
)
from billstats.metrics.pricing import round_minor_scaled
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
        self.new_days = [c.day for c in changes if c.kind == NEW]
        self.churns = ChurnCounts([(c.day, c.customer_id) for c in changes if c.kind == CHURN])

    @property
    def nbytes(self) -> int:
        return 120 * len(self.changes) + 150 * len(self._levels) + 64

    def count_new(self, after: date, upto: date) -> int:
        """Customers whose first paying day is in ``(after, upto]`` (a customer is new once)."""
        return count_between(self.new_days, after, upto)

    def count_churned(self, after: date, upto: date) -> int:
        """Distinct customers with a ``churn`` change on days in ``(after, upto]``."""
        return self.churns.distinct(after, upto)

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


def book(ctx: Context) -> Book:
    """The customers' changes under the request's filters, shared by every request of the same
    data, history epoch, filters and zone."""
    found = ctx.cache.get(_BOOK)
    if found is None:
        h = history(ctx)
        changes = h.customer_changes(ctx.timezone)

        def build() -> tuple[Book, int]:
            made = Book(changes)
            return made, made.nbytes

        assert h.source is not None
        found = shared(h.source, "native_mrr.book", h.scope, ctx.timezone.key, build)
        ctx.cache[_BOOK] = found
    assert isinstance(found, Book)
    return found


def valuation(ctx: Context) -> Valuation:
    """The book's movements valued per day in ``ctx.currency`` (shared like the book)."""
    key = ("native_mrr", "valuation")
    found = ctx.cache.get(key)
    if found is None:
        h = history(ctx)
        b = book(ctx)
        conv = converter(ctx, ctx.now.date(), ctx.now.date())

        def build() -> tuple[Valuation, int]:
            made = Valuation(b, conv)
            return made, made.nbytes

        assert h.source is not None
        found = shared(
            h.source, "native_mrr.valuation", h.scope, (ctx.timezone.key, ctx.currency), build
        )
        ctx.cache[key] = found
    assert isinstance(found, Valuation)
    return found


def converter(ctx: Context, first: date, last: date) -> Converter:
    """A converter into ``ctx.currency`` holding (at least) the rates of days ``first``..``last``:
    every rate of the tenant, loaded once per data revision."""
    found = ctx.cache.get(_RATES)
    if found is None:
        found = shared_rates.converter(
            ctx.conn, derived.snapshot(ctx.conn, ctx.tenant_id), ctx.currency
        )
        ctx.cache[_RATES] = found
    assert isinstance(found, Converter)
    return found


@dataclass(frozen=True)
class Figures:
    """One bucket's MRR figures in ``ctx.currency``: money as micros rounded to the minor unit."""

    start_day: date  # the day whose close is the opening level
    end_day: date  # the day whose close is the level read (the last day not in the future)
    start_mrr: int
    mrr: int
    new_business: int
    expansion: int
    contraction: int
    churn: int
    reactivation: int
    start_customers: int
    customers: int
    new_customers: int
    churned_customers: int

    @property
    def gained(self) -> int:
        return self.new_business + self.expansion + self.reactivation

    @property
    def lost(self) -> int:
        return self.churn + self.contraction

    @property
    def fx_impact(self) -> int:
        """The part of the change in MRR that no movement explains: exchange-rate swings (and,
        when converting, the rounding of the figures shown).  0 in one currency."""
        return self.mrr - self.start_mrr - (self.gained - self.lost)


def bucket_days(ctx: Context, bucket: Bucket) -> tuple[date, date]:
    """(opening day, closing day) of a bucket: whose closes are its start and end levels."""
    tz = ctx.timezone
    start = _local_day(read_instant(bucket.span.start, ctx.now), tz)
    end = _local_day(read_instant(bucket.span.end, ctx.now), tz)
    return start, end


@lru_cache(maxsize=16384)
def _local_day(at: datetime, tz: ZoneInfo) -> date:
    """``local_date``, remembered: buckets start and end on the same few day boundaries."""
    return local_date(at, tz)


def level_value(ctx: Context, levels: dict[str, int], day: date, conv: Converter) -> int:
    """Per-currency MRR ``levels`` valued at ``day``'s rates, rounded to the minor unit."""
    scaled = scaled_total(sorted(levels.items()), day, conv)
    return round_minor_scaled(scaled, RATE_SCALE, ctx.currency)


def level_at(ctx: Context, b: Book, day: date, conv: Converter) -> tuple[int, int]:
    """(MRR valued at ``day``'s rate, paying customers) at the close of ``day``; the value is
    kept with the shared valuation (one per day, whatever the bucket)."""
    memo = valuation(ctx).levels
    levels, paying = b.level(day)
    found = memo.get(day)
    if found is None:
        found = memo[day] = level_value(ctx, levels, day, conv)
    return found, paying


def figures(ctx: Context, bucket: Bucket) -> Figures:
    """The bucket's figures (computed once per request and bucket)."""
    key = ("native_mrr", "figures", bucket.span.start, bucket.span.end)
    found = ctx.cache.get(key)
    if isinstance(found, Figures):
        return found
    b = book(ctx)
    start_day, end_day = bucket_days(ctx, bucket)
    conv = converter(ctx, start_day, end_day)
    sums = valuation(ctx).sums(start_day, end_day)
    currency = ctx.currency
    moved = {k: round_minor_scaled(v, RATE_SCALE, currency) for k, v in sums.items()}
    start_mrr, start_paying = level_at(ctx, b, start_day, conv)
    mrr, paying = level_at(ctx, b, end_day, conv)
    result = Figures(
        start_day=start_day,
        end_day=end_day,
        start_mrr=start_mrr,
        mrr=mrr,
        new_business=moved[NEW],
        expansion=moved[EXPANSION],
        contraction=moved[CONTRACTION],
        churn=moved[CHURN],
        reactivation=moved[REACTIVATION],
        start_customers=start_paying,
        customers=paying,
        new_customers=b.count_new(start_day, end_day),
        churned_customers=b.count_churned(start_day, end_day),
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
        found = (paying, b.count_churned(before, last))
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
