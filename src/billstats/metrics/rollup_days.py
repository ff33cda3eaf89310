"""Cutting a span of instants into whole tenant-local days and the pieces of days at its edges.

Daily roll-ups (``billstats.ingest.rollups``) hold whole local days; a span that starts or ends
inside a day (``now``, typically) takes those pieces from the raw rows.  The days
``day_start(d) <= at < day_start(d + 1)`` partition time, and a roll-up puts each record on
``local_date(at)``: so the whole days plus the pieces count every record of the span once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from billstats.metrics.calendar import Span, day_start, local_date

_TICK = timedelta(microseconds=1)
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class SpanDays:
    """``first``..``last``: the local days wholly inside the span (None: none); ``pieces``: the
    rest of the span (at most one piece at each end, each inside one local day)."""

    first: date | None
    last: date | None
    pieces: tuple[Span, ...]

    @property
    def whole(self) -> bool:
        return self.first is not None


def split(span: Span, tz: ZoneInfo) -> SpanDays:
    if span.end <= span.start:
        return SpanDays(None, None, ())
    first = local_date(span.start, tz)
    if day_start(first, tz) < span.start:
        first += _DAY
    last = local_date(span.end - _TICK, tz)
    if day_start(last + _DAY, tz) > span.end:
        last -= _DAY
    if first > last:  # no whole day: the span is cut where a local day starts
        cut = day_start(local_date(span.start, tz) + _DAY, tz)
        if span.start < cut < span.end:
            return SpanDays(None, None, (Span(span.start, cut), Span(cut, span.end)))
        return SpanDays(None, None, (span,))
    pieces = []
    head, tail = day_start(first, tz), day_start(last + _DAY, tz)
    if span.start < head:
        pieces.append(Span(span.start, head))
    if tail < span.end:
        pieces.append(Span(tail, span.end))
    return SpanDays(first, last, tuple(pieces))
