"""One customer's MRR over calendar buckets, per currency, from the MRR engine's day closes.

- ``mrr`` of a bucket: the customer's MRR in the currency at the close of the bucket's last day,
  or of today (tenant zone) when the bucket reaches past today; a bucket wholly after today shows
  today's close and no movement.
- The movements of a bucket: the sums of the customer's daily movements (one per day at most,
  classified by :mod:`billstats.metrics.mrr_movements`) on the bucket's days up to today.

So ``mrr(bucket) = mrr(previous bucket) + new_business + expansion + reactivation -
contraction - churn`` holds exactly for every bucket and currency.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from billstats.metrics.activities import TYPE_NAMES, TYPES
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.mrr_movements import Close
from billstats.metrics.mrr_shared import by_customer


def customer_history(history: MrrHistory, customer_id: str) -> MrrHistory:
    """``history`` restricted to the moments its subscriptions belonged to ``customer_id``."""
    if history.source is not None:  # the shared index by customer: no walk over every segment
        mine = by_customer(history.source, history.segments).get(customer_id, {})
        return MrrHistory(dict(mine), history.scope)
    segments = {
        sid: kept
        for sid, segs in history.segments.items()
        if (kept := [s for s in segs if s.customer_id == customer_id])
    }
    return MrrHistory(segments, history.scope)


@dataclass(frozen=True)
class CustomerPoint:
    """One bucket and currency (micros)."""

    first: date
    currency: str
    mrr: int
    movements: dict[str, int] = field(default_factory=dict)  # API type name -> magnitude


def _level(changes: list[Close], day: date) -> int:
    """The close of ``day``: the latest recorded close on or before it (0 before the first)."""
    index = bisect_right([c.day for c in changes], day) - 1
    return changes[index].value if index >= 0 else 0


def customer_series(
    history: MrrHistory,
    tz: ZoneInfo,
    buckets: list[tuple[date, date]],
    today: date,
    currency: str | None = None,
) -> tuple[list[str], list[CustomerPoint]]:
    """The currencies shown and one point per bucket and currency (ordered by bucket, then
    currency), for a history already restricted to one customer.

    The currencies are those with a positive close on some day up to the range's last day (or
    today, if earlier), narrowed to ``currency`` when given.
    """
    if not buckets:
        return [], []
    first, last = buckets[0][0], min(buckets[-1][1], today)
    shown = [c for c in history.currencies(tz, last) if currency is None or c == currency]
    per_currency: dict[str, list[Close]] = defaultdict(list)
    for (_, cur), changes in history.closes(tz).items():
        per_currency[cur] = changes
    sums: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(TYPES, 0))
    starts = [lo for lo, _ in buckets]
    if first <= last:
        for m in history.customer_movements(first, last, tz, currency):
            index = bisect_right(starts, m.day) - 1
            sums[(index, m.currency)][TYPE_NAMES[m.kind]] += m.amount
    points = [
        CustomerPoint(
            lo,
            cur,
            _level(per_currency[cur], min(hi, today)),
            sums.get((index, cur)) or dict.fromkeys(TYPES, 0),
        )
        for index, (lo, hi) in enumerate(buckets)
        for cur in shown
    ]
    return shown, points
