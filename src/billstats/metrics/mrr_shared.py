"""The MRR engine's loads and indexes, shared between requests (:mod:`billstats.metrics.derived`).

- :func:`tenant_timeline`: the tenant's segments (every subscription, every scope) at the
  transaction's data revision, loaded once per revision, with the sorted instants where any
  segment starts or ends.
- A history *as it stands at* an instant ``at`` (``mrr_timeline.known_at``) depends only on which
  of those instants are not after ``at``: their count is the history's **epoch**, and every
  ``at`` of one epoch gives the same history, so it is derived once per epoch.
- Indexes answer per-request questions without walking every segment: MRR at an instant
  (:class:`MrrIndex`, prefix sums over segment starts and ends) and cancellations in a span
  (:func:`all_cancellations`, sorted once).

Every function returns exactly what the walk over the segments it replaces returns.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from billstats.metrics import derived
from billstats.metrics.mrr_movements import Close, Key, classify, closes
from billstats.metrics.mrr_timeline import (
    ENDED,
    LIVE,
    Scope,
    Segment,
    known_at,
    load_segments,
)

# Rough bytes per segment held (the object, its share of the dict and lists, its datetimes).
SEGMENT_BYTES = 260
Segments = dict[str, list[Segment]]


@dataclass(frozen=True)
class Source:
    """Where a history's segments come from in the shared cache: the data snapshot and, for a
    history as it stands at some instant, that instant's epoch (None: the whole history)."""

    snap: derived.Snapshot
    epoch: int | None = None


class Timeline:
    """The tenant's segments and the sorted distinct instants where a segment starts or ends."""

    def __init__(self, segments: Segments) -> None:
        self.segments = segments
        marks: set[datetime] = set()
        count = 0
        for segs in segments.values():
            for seg in segs:
                count += 1
                marks.add(seg.start)
                if seg.end is not None:
                    marks.add(seg.end)
        self.instants = sorted(marks)
        self.count = count

    def epoch(self, at: datetime) -> int:
        """How many of the instants are not after ``at``."""
        return bisect_right(self.instants, at)

    @property
    def nbytes(self) -> int:
        return self.count * SEGMENT_BYTES + len(self.instants) * 60


def tenant_timeline(conn: Connection, tenant_id: int) -> tuple[Timeline, derived.Snapshot]:
    """The tenant's timeline at the transaction's revision (cached per revision)."""
    snap = derived.snapshot(conn, tenant_id)

    def build() -> tuple[Timeline, int]:
        timeline = Timeline(load_segments(conn, tenant_id))
        return timeline, timeline.nbytes

    return derived.from_database(conn, snap, "mrr.timeline", build), snap


def known_segments(source: Source, timeline: Timeline, at: datetime) -> tuple[Segments, Source]:
    """The segments as they stand at ``at`` (``mrr_timeline.known_at`` of each subscription),
    shared by every instant of the same epoch."""
    epoch = timeline.epoch(at)

    def build() -> tuple[Segments, int]:
        segments = {sid: known_at(segs, at) for sid, segs in timeline.segments.items()}
        # the dict, and the lists that differ from the timeline's (the others are shared)
        changed = sum(
            len(segs) for sid, segs in segments.items() if segs is not timeline.segments[sid]
        )
        return segments, 100 * len(segments) + changed * SEGMENT_BYTES

    segments = derived.derived(source.snap, ("mrr.known_at", epoch), build)
    return segments, Source(source.snap, epoch)


def shared(source: Source, name: str, scope: Scope, extra: Any, build: Any) -> Any:
    """A value derived from the segments of ``source`` under ``scope`` (``build() -> (value,
    bytes)``), cached with them."""
    return derived.derived(source.snap, (name, source.epoch, scope, extra), build)


def included(source: Source, segments: Segments, scope: Scope) -> list[Segment]:
    def build() -> tuple[list[Segment], int]:
        found = [s for segs in segments.values() for s in segs if scope.includes(s)]
        return found, 8 * len(found) + 64

    result: list[Segment] = shared(source, "mrr.included", scope, None, build)
    return result


class MrrIndex:
    """MRR per currency at any instant, from the sorted starts and ends of paying segments."""

    def __init__(self, segments: list[Segment]) -> None:
        steps: list[tuple[datetime, str, int]] = []
        for seg in segments:
            mrr = seg.mrr
            if not mrr:
                continue
            steps.append((seg.start, seg.currency, mrr))
            if seg.end is not None:
                steps.append((seg.end, seg.currency, -mrr))
        steps.sort(key=lambda s: s[0])
        self.instants = [at for at, _, _ in steps]
        self.currencies = sorted({cur for _, cur, _ in steps})
        running: dict[str, int] = defaultdict(int)
        self.levels: list[tuple[int, ...]] = []
        for _, cur, delta in steps:
            running[cur] += delta
            self.levels.append(tuple(running[c] for c in self.currencies))

    def at(self, at: datetime) -> dict[str, int]:
        """Currency -> MRR at ``at`` (segments starting at ``at`` included, ending at ``at``
        not), currencies without MRR left out, sorted."""
        i = bisect_right(self.instants, at)
        if not i:
            return {}
        return {c: v for c, v in zip(self.currencies, self.levels[i - 1], strict=True) if v}

    @property
    def nbytes(self) -> int:
        return len(self.instants) * (100 + 40 * len(self.currencies)) + 64


def mrr_index(source: Source, segments: list[Segment], scope: Scope) -> MrrIndex:
    def build() -> tuple[MrrIndex, int]:
        index = MrrIndex(segments)
        return index, index.nbytes

    result: MrrIndex = shared(source, "mrr.index", scope, None, build)
    return result


@dataclass(frozen=True, slots=True)
class Ending:
    """A subscription going from a live phase to ended: ``prev`` just before, at ``at``."""

    at: datetime
    prev: Segment


def all_cancellations(source: Source, segments: Segments, scope: Scope) -> list[Ending]:
    """Every cancellation under ``scope`` (judged by the segment before it), sorted by instant
    then subscription id."""

    def build() -> tuple[list[Ending], int]:
        found = [
            Ending(seg.start, prev)
            for segs in segments.values()
            for prev, seg in pairwise(segs)
            if seg.phase == ENDED and prev.phase in LIVE and scope.includes(prev)
        ]
        found.sort(key=lambda e: (e.at, e.prev.subscription_id))
        return found, 80 * len(found) + 64

    result: list[Ending] = shared(source, "mrr.cancellations", scope, None, build)
    return result


def shared_closes(
    source: Source, segments: list[Segment], scope: Scope, tz: ZoneInfo
) -> dict[Key, list[Close]]:
    """``mrr_movements.closes`` of the included segments in ``tz``."""

    def build() -> tuple[dict[Key, list[Close]], int]:
        found = closes(segments, tz)
        return found, sum(56 * len(v) + 200 for v in found.values()) + 64

    result: dict[Key, list[Close]] = shared(source, "mrr.closes", scope, tz.key, build)
    return result


ByCustomer = dict[str, dict[str, list[Segment]]]


def by_customer(source: Source, segments: Segments) -> ByCustomer:
    """Customer id -> subscription id -> the segments while the subscription was the
    customer's (subscriptions and segments in the order of ``segments``)."""

    def build() -> tuple[ByCustomer, int]:
        out: ByCustomer = {}
        for sid, segs in segments.items():
            for seg in segs:
                out.setdefault(seg.customer_id, {}).setdefault(sid, []).append(seg)
        return out, 16 * sum(len(s) for s in segments.values()) + 200 * len(out) + 64

    return derived.derived(source.snap, ("mrr.by_customer", source.epoch), build)


LogRow = tuple[
    int, str, str, str, int, int
]  # (-day ordinal, customer, currency, kind, before, after)


def movement_rows(
    source: Source, history: dict[Key, list[Close]], scope: Scope, tz: ZoneInfo
) -> list[LogRow]:
    """Every customer movement of the day closes ``history`` (``mrr_movements``'s
    classification), sorted in log order: newest day first, then customer id, then currency."""

    def build() -> tuple[list[LogRow], int]:
        rows: list[LogRow] = []
        for (customer_id, currency), changes in history.items():
            before, was_positive = 0, False
            for close in changes:
                kind = classify(before, close.value, was_positive)
                rows.append(
                    (-close.day.toordinal(), customer_id, currency, kind, before, close.value)
                )
                was_positive = was_positive or close.value > 0
                before = close.value
        rows.sort()
        return rows, 130 * len(rows) + 64

    result: list[LogRow] = shared(source, "mrr.movement_rows", scope, tz.key, build)
    return result


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_NEVER = 1 << 62  # an open end


def micros(at: datetime) -> int:
    """Microseconds since 1970 (exact)."""
    return (at - EPOCH) // _US


class SubscribedIndex:
    """Segments sorted by end: those overlapping a span are in the suffix of the segments that
    end after the span's start, and start before its end."""

    def __init__(self, segments: list[Segment]) -> None:
        ordered = sorted(segments, key=lambda s: _NEVER if s.end is None else micros(s.end))
        self.ends = array("q", (_NEVER if s.end is None else micros(s.end) for s in ordered))
        self.starts = array("q", (micros(s.start) for s in ordered))
        self.customers = [s.customer_id for s in ordered]
        # The segments by start, to find the few that start after a span's end (a trial that
        # converts next week) without scanning the others.
        by_start = sorted(range(len(ordered)), key=self.starts.__getitem__)
        self.by_start = array("q", by_start)
        self.sorted_starts = array("q", (self.starts[i] for i in by_start))
        self.positions: dict[str, list[int]] = defaultdict(list)
        for i, customer in enumerate(self.customers):
            self.positions[customer].append(i)
        # Each customer's latest segment end, sorted: how many customers have a segment ending
        # after an instant is one bisection.
        self.last_ends = array("q", sorted(self.ends[p[-1]] for p in self.positions.values()))

    def late(self, k: int, first: int, last: int) -> set[str] | None:
        """Of the customers with a segment ending after ``first`` (the suffix from ``k``), those
        whose every such segment starts at or after ``last`` (found among the few late-starting
        segments); None when the late segments are many (a span ending long before the data)."""
        late = [i for i in self.by_start[bisect_left(self.sorted_starts, last) :] if i >= k]
        if 8 * len(late) > len(self.customers) - k:
            return None
        candidates = {self.customers[i] for i in late}
        return {c for c in candidates if not self._overlaps(c, first, last)}

    def _overlaps(self, customer: str, first: int, last: int) -> bool:
        return any(
            self.ends[i] > first and self.starts[i] < last for i in self.positions.get(customer, ())
        )

    def customers_in(self, start: datetime, end: datetime) -> set[str]:
        """The customers of the segments with ``start < segment end`` (or none) and
        ``segment start < end``."""
        first, last = micros(start), micros(end)
        k = bisect_right(self.ends, first)
        excluded = self.late(k, first, last)
        if excluded is None:
            return {c for s, c in zip(self.starts[k:], self.customers[k:], strict=True) if s < last}
        return set(self.customers[k:]) - excluded

    others_ratio = 64  # count_with checks the others one by one below 1/64 of the segments

    def count_with(self, start: datetime, end: datetime, others: Iterable[str]) -> int:
        """``len(customers_in(start, end) | set(others))`` without building the first set: the
        customers with a segment ending after ``start`` (a bisection), less the late ones
        (``late``), plus the ``others`` not among them."""
        first, last = micros(start), micros(end)
        k = bisect_right(self.ends, first)
        others = set(others)
        # Checking each of many others one by one in Python costs more than the set union.
        excluded = (
            None
            if self.others_ratio * len(others) > len(self.customers) - k
            else (self.late(k, first, last))
        )
        if excluded is None:
            return len(self.customers_in(start, end) | others)
        count = len(self.last_ends) - bisect_right(self.last_ends, first) - len(excluded)
        return count + sum(1 for c in others if not self._overlaps(c, first, last))

    @property
    def nbytes(self) -> int:
        return 48 * len(self.ends) + 120 * len(self.positions) + 64


def phase_index(
    source: Source, segments: Segments, scope: Scope, phases: frozenset[str]
) -> SubscribedIndex:
    """The segments of ``phases`` under ``scope``, indexed by end."""

    def build() -> tuple[SubscribedIndex, int]:
        found = [
            s for segs in segments.values() for s in segs if s.phase in phases and scope.includes(s)
        ]
        made = SubscribedIndex(found)
        return made, made.nbytes

    result: SubscribedIndex = shared(source, "mrr.phase_index", scope, phases, build)
    return result
