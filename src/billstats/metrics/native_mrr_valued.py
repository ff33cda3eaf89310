"""Per-day sums behind the native MRR figures, shared between requests.

A bucket's movements are the customer-level changes on its days, each valued at its day's rate
(:meth:`native_mrr_book.Book.valued`).  Instead of walking a bucket's changes on every request,
the changes are valued once per data revision, history epoch, scope, zone and currency, and
summed per local day into running totals: a bucket's sum of a kind is then the difference of
two running totals (exact integers in ``1/RATE_SCALE`` micros, so the very same number as the
walk).

A change whose currency has no rate cannot be valued: its day keeps the error (the first one in
change order) and a bucket containing that day raises it, exactly as the walk would; buckets
that do not reach the day are unaffected.

:class:`ChurnCounts` counts distinct customers who churned on a range of days (a customer may
churn, come back and churn again in one bucket) without walking the range.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from billstats.metrics.fx import RATE_SCALE, Converter, MissingRate
from billstats.metrics.mrr_movements import (
    CHURN,
    CONTRACTION,
    EXPANSION,
    NEW,
    REACTIVATION,
    CustomerChange,
)

if TYPE_CHECKING:
    from billstats.metrics.native_mrr_book import Book

KINDS = (NEW, REACTIVATION, EXPANSION, CONTRACTION, CHURN)
_BLOCK = 64


class Valuation:
    """Running totals per kind over the days with changes, in one currency, as integers in
    ``1/RATE_SCALE`` micros (a conversion is micros times a rate scaled by ``RATE_SCALE``, so
    every valued change is a whole number of those: the sums are exact without fractions)."""

    def __init__(self, book: Book, converter: Converter) -> None:
        self.days: list[date] = []
        self.totals: dict[str, list[int]] = {k: [0] for k in KINDS}
        self.error_days: list[date] = []
        self.errors: list[MissingRate] = []
        # MRR at the close of a day, valued and rounded (filled by native_mrr_book.level_at).
        self.levels: dict[date, int] = {}
        running = dict.fromkeys(KINDS, 0)
        changes = book.changes
        i, n = 0, len(changes)
        while i < n:
            day = changes[i].day
            sums: dict[str, int] = {}
            error: MissingRate | None = None
            while i < n and changes[i].day == day:
                if error is None:
                    try:
                        valued = scaled_change(changes[i], converter)
                    except MissingRate as exc:
                        error = exc
                    else:
                        if valued is not None:
                            kind, amount = valued
                            sums[kind] = sums.get(kind, 0) + amount
                i += 1
            if error is not None:
                self.error_days.append(day)
                self.errors.append(error)
                sums = {}
            for kind, amount in sums.items():
                running[kind] += amount
            self.days.append(day)
            for kind in KINDS:
                self.totals[kind].append(running[kind])

    def sums(self, after: date, upto: date) -> dict[str, int]:
        """Per kind, the exact sum (``1/RATE_SCALE`` micros) of the changes valued on days
        ``after < day <= upto``; raises the first missing rate of those days (in change
        order)."""
        if upto <= after:
            return dict.fromkeys(KINDS, 0)
        e = bisect_right(self.error_days, after)
        if e < len(self.error_days) and self.error_days[e] <= upto:
            raise self.errors[e]
        lo, hi = bisect_right(self.days, after), bisect_right(self.days, upto)
        totals = self.totals
        return {k: totals[k][hi] - totals[k][lo] for k in KINDS}

    @property
    def nbytes(self) -> int:
        return len(self.days) * (len(KINDS) * 48 + 80) + 256


def scaled_total(amounts: Sequence[tuple[str, int]], day: date, converter: Converter) -> int:
    """``sum_converted`` times ``RATE_SCALE``: the same conversions (and the same first missing
    rate) in integers."""
    total = 0
    for cur, micros in amounts:
        if micros:
            rate = RATE_SCALE if cur == converter.reporting else converter.scaled(cur, day)
            total += micros * rate
    return total


def scaled_change(change: CustomerChange, converter: Converter) -> tuple[str, int] | None:
    """``Book.valued`` of one change in ``1/RATE_SCALE`` micros: (kind, positive amount), None
    when it nets to 0."""
    kind = change.kind
    if kind in (NEW, REACTIVATION):
        return kind, scaled_total(change.after, change.day, converter)
    if kind == CHURN:
        return kind, scaled_total(change.before, change.day, converter)
    delta = scaled_total(tuple(change.deltas().items()), change.day, converter)
    if delta > 0:
        return EXPANSION, delta
    if delta < 0:
        return CONTRACTION, -delta
    return None


class ChurnCounts:
    """How many distinct customers churned on days ``after < day <= upto``.

    A churn whose customer churned before on a day ``p`` is a *repeat* (``p``, its day); the
    distinct customers of a range are its churns less the repeats whose earlier churn is in the
    range too.  Repeats are sorted by their earlier day, in blocks with sorted later days, so a
    query bisects a few blocks instead of walking the range.
    """

    def __init__(self, churns: Sequence[tuple[date, str]]) -> None:
        self.days = [day for day, _ in churns]  # in day order
        last: dict[str, date] = {}
        repeats: list[tuple[date, date]] = []
        for day, customer in churns:
            before = last.get(customer)
            if before is not None:
                repeats.append((before, day))
            last[customer] = day
        repeats.sort()
        self.firsts = [p for p, _ in repeats]
        self.blocks = [
            sorted(d for _, d in repeats[i : i + _BLOCK]) for i in range(0, len(repeats), _BLOCK)
        ]
        self.seconds = [d for _, d in repeats]

    def distinct(self, after: date, upto: date) -> int:
        churns = count_between(self.days, after, upto)
        if not churns or not self.firsts:
            return churns
        # Repeats with after < earlier day (and so after < later day) and later day <= upto;
        # a repeat whose earlier day is after ``upto`` has its later day after it too, so only
        # the blocks up to the last earlier day <= upto can hold one.
        start = bisect_right(self.firsts, after)
        end = bisect_right(self.firsts, upto)
        repeats = 0
        block = -(-start // _BLOCK)
        for i in range(start, min(block * _BLOCK, end)):
            repeats += self.seconds[i] <= upto
        for b in range(block, -(-end // _BLOCK)):
            repeats += bisect_right(self.blocks[b], upto)
        return churns - repeats


def count_between(days: Sequence[date], after: date, upto: date) -> int:
    """How many of the sorted ``days`` are in ``after < day <= upto``."""
    if upto <= after:
        return 0
    return bisect_right(days, upto) - bisect_right(days, after)


__all__ = ["ChurnCounts", "Valuation", "count_between", "scaled_change", "scaled_total"]
