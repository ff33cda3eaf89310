"""Customer movements of a whole history, sorted by day once, for the daily MRR series.

``mrr_movements.daily_series`` walks every (customer, currency) history of the tenant to find
the movements of a few days and the MRR at their opening: its cost grows with the number of
customers, whatever the range.  :class:`MovementIndex` makes that walk once per data revision
(scope and zone; ``mrr_shared.shared``): every customer movement classified exactly as the
walk classifies it, sorted by (day, currency, customer), and per currency the running MRR and
paying-customer count after each day with a change.  A range then costs a bisection and its own
movements.  The points are built by the same ``series_from`` as the walk's, so they are the very
same points.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from billstats.metrics.mrr_movements import (
    Close,
    CustomerMovement,
    DailyMovement,
    Key,
    classify,
    series_from,
)


class MovementIndex:
    def __init__(self, history: dict[Key, list[Close]]) -> None:
        movements: list[CustomerMovement] = []
        first_paying: dict[str, date] = {}  # currency -> first day some close was non-zero
        changes: dict[str, dict[date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
        for (customer_id, currency), closes in history.items():
            before, was_positive = 0, False
            for close in closes:
                kind = classify(before, close.value, was_positive)
                movements.append(
                    CustomerMovement(close.day, customer_id, currency, kind, before, close.value)
                )
                change = changes[currency][close.day]
                change[0] += close.value - before
                change[1] += (close.value != 0) - (before != 0)
                if close.value and (
                    currency not in first_paying or close.day < first_paying[currency]
                ):
                    first_paying[currency] = close.day
                was_positive = was_positive or close.value > 0
                before = close.value
        movements.sort(key=lambda m: (m.day, m.currency, m.customer_id))
        self.movements = movements
        self.days = [m.day for m in movements]
        self.first_paying = first_paying
        # per currency: the days with a change and (MRR, paying customers) after each
        self.level_days: dict[str, list[date]] = {}
        self.levels: dict[str, list[tuple[int, int]]] = {}
        for currency, by_day in changes.items():
            days = sorted(by_day)
            running, levels = (0, 0), []
            for day in days:
                dv, dn = by_day[day]
                running = (running[0] + dv, running[1] + dn)
                levels.append(running)
            self.level_days[currency] = days
            self.levels[currency] = levels

    @property
    def nbytes(self) -> int:
        return 150 * len(self.movements) + 64 * sum(len(v) for v in self.levels.values()) + 64

    def currencies(self, last: date | None = None) -> list[str]:
        """As ``mrr_movements.currencies``: with MRR at the close of some day up to ``last``."""
        return sorted(c for c, d in self.first_paying.items() if last is None or d <= last)

    def customer_movements(
        self, first: date, last: date, currency: str | None = None
    ) -> list[CustomerMovement]:
        """As ``mrr_movements.customer_movements`` (same order)."""
        found = self.movements[bisect_left(self.days, first) : bisect_right(self.days, last)]
        return found if currency is None else [m for m in found if m.currency == currency]

    def opening(self, before: date) -> dict[str, tuple[int, int]]:
        """Per currency: (MRR, paying customers) at the close of the day before ``before``."""
        out: dict[str, tuple[int, int]] = {}
        for currency, days in self.level_days.items():
            i = bisect_left(days, before)
            if i and self.levels[currency][i - 1][1]:
                out[currency] = self.levels[currency][i - 1]
        return out

    def daily_series(
        self,
        first: date,
        last: date,
        currency: str | None = None,
        *,
        among: Iterable[str] | None = None,
    ) -> list[DailyMovement]:
        """As ``mrr_movements.daily_series``."""
        if first > last:
            raise ValueError("first must not be after last")
        pool = sorted(set(among)) if among is not None else self.currencies(last)
        wanted = [c for c in pool if currency is None or c == currency]
        if not wanted:
            return []
        movements = self.customer_movements(first, last, currency)
        return series_from(self.opening(first), movements, wanted, first, last)
