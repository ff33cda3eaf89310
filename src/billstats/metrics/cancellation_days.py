"""Cancellations summed per tenant-local day, for the tallies of long spans.

The Pabbly dashboard's cancelled count and amount over a span are a :class:`Tally` of the
cancellations effective in it, each on its local day.  Over ``all_time`` that is every
cancellation of the tenant; building the tally one cancellation at a time grows with history.
:class:`CancellationDays` holds, once per data revision (and scope and zone), the cancellations
in instant order cut into runs of one local day each, with the run's count and MRR per currency:
a span's tally takes the runs wholly inside it as they are and the cancellations of the (at
most two) runs it cuts one by one.  The result is the very tally the one-by-one walk builds.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from datetime import date
from zoneinfo import ZoneInfo

from billstats.metrics.calendar import Span, local_date
from billstats.metrics.mrr_shared import Ending, micros
from billstats.metrics.tally import Tally


class CancellationDays:
    def __init__(self, endings: list[Ending], tz: ZoneInfo) -> None:
        """``endings``: every cancellation, sorted by instant (``mrr_shared.all_cancellations``)."""
        self.endings = endings
        self.instants = array("q", (micros(e.at) for e in endings))
        self.firsts: list[int] = []  # index of each run's first cancellation
        self.days: list[date] = []
        self.sums: list[dict[str, list[int]]] = []  # per run: currency -> [count, mrr micros]
        for i, e in enumerate(endings):
            day = local_date(e.at, tz)
            if not self.days or self.days[-1] != day:
                self.firsts.append(i)
                self.days.append(day)
                self.sums.append({})
            v = self.sums[-1].setdefault(e.prev.currency, [0, 0])
            v[0] += 1
            v[1] += e.prev.mrr
        self.firsts.append(len(endings))

    @property
    def nbytes(self) -> int:
        return 8 * len(self.instants) + 200 * len(self.days) + 64

    def tally(self, span: Span) -> Tally:
        """The cancellations effective in ``span``, each on its local day."""
        out = Tally()
        lo = bisect_left(self.instants, micros(span.start))
        hi = bisect_left(self.instants, micros(span.end))
        if lo >= hi:
            return out
        for run in range(bisect_right(self.firsts, lo) - 1, bisect_right(self.firsts, hi - 1)):
            a, b, day = self.firsts[run], self.firsts[run + 1], self.days[run]
            if lo <= a and b <= hi:
                for currency, (n, mrr) in self.sums[run].items():
                    out.count += n
                    out.sums[(currency, day)] += mrr
                    out.counts[(currency, day)] += n
            else:
                for e in self.endings[max(a, lo) : min(b, hi)]:
                    out.add(e.prev.currency, day, e.prev.mrr)
        return out
