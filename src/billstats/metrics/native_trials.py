"""Native metrics: ``subscriptions`` (active) and ``trials`` with the trial→paid conversion rate.

Both count subscriptions by phase (``mrr_timeline``) under the request's filters, from the same
shared history as the MRR metrics (as it stands at ``now``).  A **trial** is a run of a
subscription's consecutive ``trialing`` moments in scope; it **converts** when the subscription
is paying (active or past_due, MRR > 0, still in scope) right where the run ends, and otherwise
simply ends (cancelled, paused, or moved out of the filter's product/plan/currency).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from billstats.metrics.mrr_shared import shared
from billstats.metrics.mrr_timeline import PAYING, TRIALING, Scope, Segment
from billstats.metrics.native_mrr_book import history, ratio, read_instant
from billstats.metrics.registry import Bucket, Context, Field, Metric, Row, register

_TICK = timedelta(microseconds=1)
_KEY = ("native_trials", "index")


class _Level:
    """How many subscriptions are in some state at an instant, from (instant, ±1) steps."""

    def __init__(self, steps: Iterable[tuple[datetime, int]]) -> None:
        totals: dict[datetime, int] = {}
        for at, delta in steps:
            totals[at] = totals.get(at, 0) + delta
        self.instants = sorted(totals)
        self.counts: list[int] = []
        running = 0
        for at in self.instants:
            running += totals[at]
            self.counts.append(running)

    def at(self, instant: datetime) -> int:
        i = bisect_right(self.instants, instant)
        return self.counts[i - 1] if i else 0


@dataclass(frozen=True)
class Trial:
    subscription_id: str
    start: datetime
    end: datetime | None  # None: still trialing
    converted: bool


def trials_of(segments: Sequence[Segment], scope: Scope) -> list[Trial]:
    """The trials of one subscription, from its (contiguous) segments in timeline order."""

    def trialing(seg: Segment | None) -> bool:
        return seg is not None and seg.phase == TRIALING and scope.includes(seg)

    out: list[Trial] = []
    start: datetime | None = None
    for i, seg in enumerate(segments):
        if not trialing(seg):
            continue
        if start is None:
            start = seg.start
        nxt = segments[i + 1] if i + 1 < len(segments) else None
        if trialing(nxt):
            continue  # the same trial goes on (e.g. a plan change during the trial)
        converted = nxt is not None and nxt.phase in PAYING and nxt.mrr > 0 and scope.includes(nxt)
        out.append(Trial(seg.subscription_id, start, seg.end, converted))
        start = None
    return out


class SubscriptionIndex:
    """Active and trialing subscriptions over time, and every trial, under one scope."""

    def __init__(self, segments: dict[str, list[Segment]], scope: Scope) -> None:
        paying: list[tuple[datetime, int]] = []
        trialing: list[tuple[datetime, int]] = []
        self.trials: list[Trial] = []
        for segs in segments.values():
            for seg in segs:
                if not scope.includes(seg):
                    continue
                if seg.phase in PAYING:
                    steps = paying
                elif seg.phase == TRIALING:
                    steps = trialing
                else:
                    continue
                steps.append((seg.start, 1))
                if seg.end is not None:
                    steps.append((seg.end, -1))
            self.trials.extend(trials_of(segs, scope))
        self.paying = _Level(paying)
        self.trialing = _Level(trialing)
        self.starts = sorted(t.start for t in self.trials)
        ended = sorted((t.end, t.converted) for t in self.trials if t.end is not None)
        self.ends = [at for at, _ in ended]
        self.converted_before = [0]
        for _, converted in ended:
            self.converted_before.append(self.converted_before[-1] + converted)

    @property
    def nbytes(self) -> int:
        steps = len(self.paying.instants) + len(self.trialing.instants)
        return 120 * steps + 200 * len(self.trials) + 64

    def started(self, lo: datetime, hi: datetime) -> int:
        """Trials started at instants ``lo <= at < hi``."""
        return bisect_left(self.starts, hi) - bisect_left(self.starts, lo)

    def ended(self, lo: datetime, hi: datetime) -> tuple[int, int]:
        """(trials ended, of which converted) at instants ``lo <= at < hi``."""
        a, b = bisect_left(self.ends, lo), bisect_left(self.ends, hi)
        return b - a, self.converted_before[b] - self.converted_before[a]


def index(ctx: Context) -> SubscriptionIndex:
    found = ctx.cache.get(_KEY)
    if found is None:
        h = history(ctx)

        def build() -> tuple[SubscriptionIndex, int]:
            made = SubscriptionIndex(h.segments, h.scope)
            return made, made.nbytes

        assert h.source is not None  # shared by every request of the same data and filters
        found = shared(h.source, "native_trials.index", h.scope, None, build)
        ctx.cache[_KEY] = found
    assert isinstance(found, SubscriptionIndex)
    return found


def _subscriptions(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    idx = index(ctx)
    return [{"subscriptions": idx.paying.at(read_instant(b.span.end, ctx.now))} for b in buckets]


def _trials(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    idx = index(ctx)
    rows: list[Row] = []
    for bucket in buckets:
        last = read_instant(bucket.span.end, ctx.now)
        lo, hi = bucket.span.start, last + _TICK
        ended, converted = idx.ended(lo, hi)
        rows.append(
            {
                "trials": idx.trialing.at(last),
                "trials_started": idx.started(lo, hi),
                "trials_converted": converted,
                "trial_conversion_rate": ratio(converted, ended),
            }
        )
    return rows


SUBSCRIPTIONS = register(
    Metric(
        name="subscriptions",
        title="Active subscriptions",
        fields=(Field("subscriptions", "count"),),
        compute=_subscriptions,
        description="Subscriptions active or past due at the bucket's end.",
    )
)

TRIALS = register(
    Metric(
        name="trials",
        title="Trials",
        fields=(
            Field("trials", "count"),
            Field("trials_started", "count"),
            Field("trials_converted", "count"),
            Field("trial_conversion_rate", "ratio"),
        ),
        compute=_trials,
        description=(
            "Subscriptions trialing at the bucket's end; trials started in the bucket; trials "
            "that ended in the bucket by becoming paying; converted ÷ trials ended in the bucket "
            "(null when none ended)."
        ),
    )
)
