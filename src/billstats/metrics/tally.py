"""Counts and amounts in many currencies, kept per (currency, local day) until converted.

Records are summed exactly in their own currency per day; conversion into the reporting currency
(with the ``fx_rates`` of that day, :mod:`billstats.metrics.fx`) happens once per group, exactly,
and the result is rounded once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

Entry = tuple[str, date, int]  # (currency, day, micros)


@dataclass
class Tally:
    """How many records, and their amounts per (currency, day) in micros (``counts``: how many
    records per (currency, day), for callers that split a tally into periods or currencies)."""

    count: int = 0
    sums: dict[tuple[str, date], int] = field(default_factory=lambda: defaultdict(int))
    counts: dict[tuple[str, date], int] = field(default_factory=lambda: defaultdict(int))

    def add(self, currency: str, day: date, micros: int) -> None:
        self.count += 1
        self.sums[(currency, day)] += micros
        self.counts[(currency, day)] += 1

    def entries(self) -> Iterator[Entry]:
        for (currency, day), micros in self.sums.items():
            yield currency, day, micros
