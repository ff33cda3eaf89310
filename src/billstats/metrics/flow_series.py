"""Whole days of sales, fees, commissions and refunds as running totals in one currency.

Per data revision, mode and currency of the answer, the daily roll-ups of
:class:`~billstats.metrics.rollup_flows.FlowDays` become running totals per figure over
consecutive local days, so the figures of the days ``first``..``last`` are two subtractions
instead of a walk over every (currency, day) group of the span:

- the answer in the reporting currency: each (currency, day) group converted with that day's rate
  (:class:`~billstats.metrics.fx.Converter`), in integer ``1/RATE_SCALE`` micros.  A group's
  conversion is its micros times the day's scaled rate, so these sums are exactly
  ``Converter.total_scaled`` of the same groups; every record counts;
- the answer in one currency (a ``currency`` filter): that currency's groups only, unconverted
  (``RATE_SCALE`` times their micros), and only their records count.

A day holding a foreign amount without a rate is listed: a span containing one has no whole-day
figures here (``None``), and the caller takes the per-group path, which raises the missing-rate
error naming the group it meets first.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

from sqlalchemy import Connection

from billstats.metrics import derived, shared_rates
from billstats.metrics.fx import RATE_SCALE, Converter, MissingRate
from billstats.metrics.registry import Bucket
from billstats.metrics.rollup_flows import FlowDays, flow_days

# The figures, in this order everywhere (Flows' tallies of the same names).
FIGURES = ("onetime", "recurring", "fees", "affiliate_sales", "commissions", "refunds")
ONETIME, RECURRING, FEES, AFFILIATE_SALES, COMMISSIONS, REFUNDS = range(len(FIGURES))


@dataclass(frozen=True)
class Whole:
    """The figures of a run of whole days: per figure (``FIGURES`` order) the amount in
    ``1/RATE_SCALE`` micros of the answer's currency and the number of records."""

    scaled: tuple[int, ...]
    counts: tuple[int, ...]


NOTHING = Whole((0,) * len(FIGURES), (0,) * len(FIGURES))


class DaySeries:
    """Running totals per figure over consecutive local days, in one currency.

    Built from groups ``(figure, local day, currency, micros, records)``: ``converter``: convert
    every group into ``currency`` (the reporting currency); None: keep only the groups in
    ``currency``, unconverted.  A day holding a foreign amount without a rate is listed, and
    :meth:`whole` of a run of days containing one is None."""

    def __init__(
        self,
        figures: int,
        groups: Sequence[tuple[int, date, str, int, int]],
        currency: str,
        converter: Converter | None,
    ) -> None:
        self.currency = currency
        self._converter = converter
        self.nothing = Whole((0,) * figures, (0,) * figures)
        self.base = min(g[1] for g in groups).toordinal() if groups else 0
        size = max(g[1] for g in groups).toordinal() - self.base + 1 if groups else 0
        amounts = [[0] * size for _ in range(figures)]
        counts = [[0] * size for _ in range(figures)]
        missing: set[int] = set()
        for figure, on, cur, micros, n in groups:
            day = on.toordinal() - self.base
            scaled = self._scaled(cur, on, micros)
            if scaled is None:
                if self._converter is None:
                    continue  # another currency than the filter's: neither amount nor count
                missing.add(day)
                scaled = 0
            amounts[figure][day] += scaled
            counts[figure][day] += n
        self._amounts = [[0, *accumulate(a)] for a in amounts]
        self._counts = [[0, *accumulate(c)] for c in counts]
        self._missing = sorted(missing)

    def _scaled(self, cur: str, on: date, micros: int) -> int | None:
        """The group's amount in ``1/RATE_SCALE`` micros of ``currency``; None: not counted
        (another currency under a filter) or no rate (converting)."""
        if self._converter is None:
            return micros * RATE_SCALE if cur == self.currency else None
        if not micros or cur == self.currency:
            return micros * RATE_SCALE
        try:
            return micros * self._converter.scaled(cur, on)
        except MissingRate:
            return None

    def whole(self, first: date, last: date) -> Whole | None:
        """The figures of the local days ``first``..``last`` (inclusive); None when one of them
        lacks a rate for a foreign amount."""
        lo = max(first.toordinal() - self.base, 0)
        hi = min(last.toordinal() - self.base + 1, len(self._amounts[0]) - 1)
        if lo >= hi:
            return self.nothing
        at = bisect_left(self._missing, lo)
        if at < len(self._missing) and self._missing[at] < hi:
            return None
        return Whole(
            tuple(a[hi] - a[lo] for a in self._amounts),
            tuple(c[hi] - c[lo] for c in self._counts),
        )

    def per_bucket(
        self, buckets: Sequence[Bucket], first: date | None, last: date | None
    ) -> list[Whole] | None:
        """:meth:`whole` of each bucket's days within ``first``..``last`` (the whole days of the
        span; None: there are none), ``nothing`` for a bucket with none of them; None when a day
        lacks a rate."""
        out: list[Whole] = []
        for b in buckets:
            whole: Whole | None = self.nothing
            if first is not None and last is not None:
                lo, hi = max(b.first, first), min(b.last, last)
                if lo <= hi:
                    whole = self.whole(lo, hi)
            if whole is None:
                return None
            out.append(whole)
        return out

    @property
    def nbytes(self) -> int:
        return 2 * len(self._amounts) * 40 * len(self._amounts[0]) + 8 * len(self._missing) + 200


class FlowSeries(DaySeries):
    """The flows' figures (``FIGURES``) per local day of :class:`FlowDays`."""

    def __init__(self, days: FlowDays, currency: str, converter: Converter | None) -> None:
        groups: list[tuple[int, date, str, int, int]] = []
        for on, cur, recurring, affiliate, n, amount, fee, commission in days.payments:
            groups.append((RECURRING if recurring else ONETIME, on, cur, amount, n))
            groups.append((FEES, on, cur, fee, n))
            if affiliate:
                groups.append((AFFILIATE_SALES, on, cur, amount, n))
                groups.append((COMMISSIONS, on, cur, commission, n))
        groups += [(REFUNDS, on, cur, amount, n) for on, cur, n, amount in days.refunds]
        super().__init__(len(FIGURES), groups, currency, converter)


def flow_series(
    conn: Connection, tenant_id: int, livemode: bool, currency: str, convert: bool
) -> FlowSeries:
    """The tenant's :class:`FlowSeries` of one mode at the transaction's revision (cached per
    revision): ``convert``: everything in ``currency`` (the reporting currency); else only the
    records in ``currency``."""
    snap = derived.snapshot(conn, tenant_id)
    days = flow_days(conn, tenant_id, livemode)
    converter = shared_rates.converter(conn, snap, currency) if convert else None

    def build() -> tuple[FlowSeries, int]:
        series = FlowSeries(days, currency, converter)
        return series, series.nbytes

    key = ("flow_series", livemode, currency, convert)
    return derived.derived(snap, key, build)
