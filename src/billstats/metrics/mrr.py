"""Monthly recurring revenue: MRR at an instant, cancellations, and daily MRR movements.

Definitions (full text in ``docs/metrics.md``, "MRR"):

- A subscription contributes ``pricing.monthly_value`` (plan amount x quantity, less a
  ``forever`` discount, per month, rounded to the currency's minor unit) while its phase is
  ``active`` or ``past_due`` (see :mod:`billstats.metrics.mrr_timeline` for phases: not before
  ``started_at``, not in trial before ``trial_ends_at``, not from ``ended_at`` on).
- A **cancellation** happens at the instant a subscription goes from a live phase (trialing,
  active, past_due, paused) to ended: the ``effective_at`` of the version whose status becomes
  ``cancelled`` (or its ``ended_at``, when that lies later: cancel at period end), or the
  ``ended_at`` of a version that names its end in advance.  Its ``mrr`` is the MRR the
  subscription carried just before (0 when it was trialing or paused).
- **Movements** compare each customer's MRR per currency at the close of consecutive local days
  (:mod:`billstats.metrics.mrr_movements`).

Every function loads the tenant's subscription versions once (one query) and walks the
timelines in memory; :class:`MrrHistory` lets a caller reuse one load for several questions.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from billstats.metrics.calendar import Span, local_date
from billstats.metrics.cancellation_days import CancellationDays
from billstats.metrics.movement_index import MovementIndex
from billstats.metrics.mrr_movements import (
    Close,
    CustomerChange,
    CustomerMovement,
    DailyMovement,
    Key,
    closes,
    day_close,
)
from billstats.metrics.mrr_movements import currencies as _currencies
from billstats.metrics.mrr_movements import customer_changes as _customer_changes
from billstats.metrics.mrr_movements import customer_movements as _customer_movements
from billstats.metrics.mrr_movements import daily_series as _daily_series
from billstats.metrics.mrr_shared import (
    Source,
    Timeline,
    all_cancellations,
    included,
    known_segments,
    mrr_index,
    shared,
    shared_closes,
    tenant_timeline,
)
from billstats.metrics.mrr_timeline import ENDED, LIVE, Scope, Segment, known_at
from billstats.metrics.tally import Tally

__all__ = [
    "Cancellation",
    "CustomerChange",
    "CustomerMovement",
    "DailyMovement",
    "MrrHistory",
    "cancellations",
    "customer_movements",
    "daily_movements",
    "day_close",
    "mrr_at",
]


@dataclass(frozen=True)
class Cancellation:
    """A subscription ending: when, and the MRR (micros) it carried just before."""

    subscription_id: str
    customer_id: str
    currency: str
    at: datetime
    mrr: int


class MrrHistory:
    """The tenant's subscription timelines under one scope, loaded once."""

    def __init__(
        self,
        segments: dict[str, list[Segment]],
        scope: Scope,
        *,
        source: Source | None = None,
        timeline: Timeline | None = None,
    ) -> None:
        """``source``: where ``segments`` come from in the shared cache (their derived data is
        then shared between requests); ``timeline``: the whole history they are (for
        :meth:`known_at`)."""
        self.segments = segments
        self.scope = scope
        self.source = source
        self._timeline = timeline
        self._closes: dict[str, dict[Key, list[Close]]] = {}

    @classmethod
    def load(
        cls,
        conn: Connection,
        tenant_id: int,
        *,
        livemode: bool = True,
        product_id: str | None = None,
        plan_id: str | None = None,
        currency: str | None = None,
    ) -> MrrHistory:
        scope = Scope(livemode, product_id, plan_id, currency)
        timeline, snap = tenant_timeline(conn, tenant_id)
        return cls(timeline.segments, scope, source=Source(snap), timeline=timeline)

    def known_at(self, at: datetime) -> MrrHistory:
        """The history as it stands at instant ``at``: versions and dates after ``at`` (a
        scheduled cancellation, a future plan change) have not happened yet, so every
        subscription keeps the phase it has at ``at`` from then on."""
        if self.source is not None and self._timeline is not None:
            segments, source = known_segments(self.source, self._timeline, at)
            return MrrHistory(segments, self.scope, source=source)
        return MrrHistory(
            {sid: known_at(segs, at) for sid, segs in self.segments.items()}, self.scope
        )

    def included(self) -> list[Segment]:
        """Every segment under this history's scope."""
        return self._included()

    def _included(self) -> list[Segment]:
        if self.source is not None:
            return included(self.source, self.segments, self.scope)
        return [s for segs in self.segments.values() for s in segs if self.scope.includes(s)]

    def mrr_at(self, at: datetime) -> dict[str, int]:
        """Currency -> MRR micros at instant ``at`` (changes effective at ``at`` included);
        currencies without MRR are absent."""
        if self.source is not None:
            return mrr_index(self.source, self._included(), self.scope).at(at)
        totals: dict[str, int] = defaultdict(int)
        for seg in self._included():
            if seg.mrr and seg.covers(at):
                totals[seg.currency] += seg.mrr
        return {c: v for c, v in sorted(totals.items()) if v}

    def cancelled(self, span: Span, tz: ZoneInfo) -> Tally:
        """The cancellations effective in ``span`` as a tally, each on its local day in ``tz``
        (from per-day sums shared per data revision when the history has a source)."""
        if self.source is not None:
            source, segments, scope = self.source, self.segments, self.scope

            def build() -> tuple[CancellationDays, int]:
                made = CancellationDays(all_cancellations(source, segments, scope), tz)
                return made, made.nbytes

            days: CancellationDays = shared(source, "mrr.cancellation_days", scope, tz.key, build)
            return days.tally(span)
        out = Tally()
        for c in self.cancellations(span):
            out.add(c.currency, local_date(c.at, tz), c.mrr)
        return out

    def cancellations(self, span: Span) -> list[Cancellation]:
        """Cancellations effective in ``span``, ordered by instant then subscription id."""
        if self.source is not None:
            endings = all_cancellations(self.source, self.segments, self.scope)
            lo = bisect_left(endings, span.start, key=lambda e: e.at)
            hi = bisect_left(endings, span.end, key=lambda e: e.at)
            return [
                Cancellation(
                    e.prev.subscription_id, e.prev.customer_id, e.prev.currency, e.at, e.prev.mrr
                )
                for e in endings[lo:hi]
            ]
        out: list[Cancellation] = []
        for segs in self.segments.values():
            for prev, seg in pairwise(segs):
                if (
                    seg.phase == ENDED
                    and prev.phase in LIVE
                    and span.contains(seg.start)
                    and self.scope.includes(prev)
                ):
                    out.append(
                        Cancellation(
                            prev.subscription_id,
                            prev.customer_id,
                            prev.currency,
                            seg.start,
                            prev.mrr,
                        )
                    )
        out.sort(key=lambda c: (c.at, c.subscription_id))
        return out

    def closes(self, tz: ZoneInfo) -> dict[Key, list[Close]]:
        """Per (customer, currency): its MRR at the close of each local day where it changed."""
        name = tz.key
        if name not in self._closes:
            if self.source is not None:
                self._closes[name] = shared_closes(self.source, self._included(), self.scope, tz)
            else:
                self._closes[name] = closes(self._included(), tz)
        return self._closes[name]

    def customer_movements(
        self, first: date, last: date, tz: ZoneInfo, currency: str | None = None
    ) -> list[CustomerMovement]:
        if self.source is not None:
            return self.movement_index(tz).customer_movements(first, last, currency)
        return _customer_movements(self.closes(tz), first, last, currency)

    def movement_index(self, tz: ZoneInfo) -> MovementIndex:
        """The movements of :meth:`closes` sorted by day, shared per data revision (only for a
        history loaded with a source)."""
        assert self.source is not None
        history = self.closes(tz)

        def build() -> tuple[MovementIndex, int]:
            made = MovementIndex(history)
            return made, made.nbytes

        found: MovementIndex = shared(self.source, "mrr.movement_index", self.scope, tz.key, build)
        return found

    def customer_changes(self, tz: ZoneInfo) -> list[CustomerChange]:
        """Every customer's MRR changes, all currencies together (see ``CustomerChange``)."""
        if self.source is not None:
            history = self.closes(tz)

            def build() -> tuple[list[CustomerChange], int]:
                changes = _customer_changes(history)
                return changes, 200 * len(changes) + 64

            found: list[CustomerChange] = shared(
                self.source, "mrr.customer_changes", self.scope, tz.key, build
            )
            return found
        return _customer_changes(self.closes(tz))

    def currencies(self, tz: ZoneInfo, last: date | None = None) -> list[str]:
        """The currencies with MRR at the close of some local day up to ``last`` (any day when
        None), sorted."""
        if self.source is not None:
            return self.movement_index(tz).currencies(last)
        return _currencies(self.closes(tz), last)

    def daily(
        self,
        first: date,
        last: date,
        tz: ZoneInfo,
        currency: str | None = None,
        *,
        among: Iterable[str] | None = None,
    ) -> list[DailyMovement]:
        """One point per day ``first``..``last`` and currency (see ``daily_series``)."""
        if self.source is not None:
            return self.movement_index(tz).daily_series(first, last, currency, among=among)
        return _daily_series(self.closes(tz), first, last, currency, among=among)


def mrr_at(
    conn: Connection,
    tenant_id: int,
    at: datetime,
    *,
    product_id: str | None = None,
    livemode: bool = True,
) -> dict[str, int]:
    """Currency -> MRR micros at instant ``at``."""
    history = MrrHistory.load(conn, tenant_id, livemode=livemode, product_id=product_id)
    return history.mrr_at(at)


def cancellations(
    conn: Connection,
    tenant_id: int,
    span: Span,
    *,
    product_id: str | None = None,
    livemode: bool = True,
) -> list[Cancellation]:
    """Cancellations effective in ``span`` (under a product filter: the product of the plan the
    subscription had just before cancelling)."""
    history = MrrHistory.load(conn, tenant_id, livemode=livemode, product_id=product_id)
    return history.cancellations(span)


def daily_movements(
    conn: Connection,
    tenant_id: int,
    first: date,
    last: date,
    tz: ZoneInfo,
    *,
    currency: str | None = None,
    livemode: bool = True,
    product_id: str | None = None,
) -> list[DailyMovement]:
    """One :class:`DailyMovement` per local day ``first``..``last`` and currency, ordered by
    day then currency, for every currency with MRR at the close of some day up to ``last``."""
    history = MrrHistory.load(conn, tenant_id, livemode=livemode, product_id=product_id)
    return history.daily(first, last, tz, currency)


def customer_movements(
    conn: Connection,
    tenant_id: int,
    first: date,
    last: date,
    tz: ZoneInfo,
    *,
    currency: str | None = None,
    livemode: bool = True,
    product_id: str | None = None,
) -> list[CustomerMovement]:
    """Every customer's MRR movement on local days ``first``..``last``."""
    history = MrrHistory.load(conn, tenant_id, livemode=livemode, product_id=product_id)
    return history.customer_movements(first, last, tz, currency)
