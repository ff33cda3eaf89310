"""The MRR movement log: every customer movement with the subscriptions behind it.

The movements themselves are the MRR engine's (:meth:`MrrHistory.customer_movements`: one per
customer, currency and local day, classified once in :mod:`billstats.metrics.mrr_movements`);
this module only names their types for the API, orders and filters them, and adds the
**subscriptions involved**: those whose own MRR at the close of the day differs from their close
of the day before, for that customer and currency.  Their changes add up to the customer's
(a customer's close is the sum of its subscriptions' closes); a subscription whose MRR changed
and changed back within the day is not involved.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import overload
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.mrr_movements import (
    CHURN,
    CONTRACTION,
    EXPANSION,
    NEW,
    REACTIVATION,
    closes,
)
from billstats.metrics.mrr_shared import LogRow, by_customer, movement_rows
from billstats.metrics.mrr_timeline import Segment

# The engine's movement kinds under their API names.
TYPE_NAMES: dict[str, str] = {
    NEW: "new_business",
    EXPANSION: "expansion",
    CONTRACTION: "contraction",
    CHURN: "churn",
    REACTIVATION: "reactivation",
}
TYPES: tuple[str, ...] = tuple(TYPE_NAMES.values())

_NAME_CHUNK = 500  # customer ids per IN list


@dataclass(frozen=True)
class SubscriptionChange:
    """One subscription's MRR (micros) at the close of the day before and of the day."""

    subscription_id: str
    before: int
    after: int


@dataclass(frozen=True)
class Activity:
    """One movement of the log (micros of ``currency``)."""

    day: date
    customer_id: str
    currency: str
    type: str  # one of TYPES
    before: int
    after: int
    subscriptions: tuple[SubscriptionChange, ...]

    @property
    def amount(self) -> int:
        """The movement's magnitude (positive; ``after`` - ``before`` gives the sign)."""
        return abs(self.after - self.before)

    @property
    def order_key(self) -> tuple[int, str, str]:
        """Position in the log: newest day first, then customer id, then currency."""
        return (-self.day.toordinal(), self.customer_id, self.currency)


SubscriptionKey = tuple[str, str, date]  # (customer_id, currency, day)


def subscription_changes(
    segments: Iterable[Segment], tz: ZoneInfo
) -> dict[SubscriptionKey, list[SubscriptionChange]]:
    """For every (customer, currency, local day) where a subscription's day close changed, the
    subscriptions that changed, by id.  Day closes are the engine's (:func:`closes`), taken per
    subscription."""
    per_sub: dict[str, list[Segment]] = defaultdict(list)
    for seg in segments:
        per_sub[seg.subscription_id].append(seg)
    out: dict[SubscriptionKey, list[SubscriptionChange]] = defaultdict(list)
    for sid in sorted(per_sub):
        for (customer_id, currency), changes in closes(per_sub[sid], tz).items():
            before = 0
            for close in changes:
                out[(customer_id, currency, close.day)].append(
                    SubscriptionChange(sid, before, close.value)
                )
                before = close.value
    return out


@dataclass(frozen=True)
class LogFilter:
    """Which movements a log shows (None: no restriction)."""

    types: frozenset[str] | None = None
    customer_ids: Collection[str] | None = None
    currency: str | None = None


class ActivityLog(Sequence[Activity]):
    """Movements in log order (day descending, customer id, currency), each made into an
    :class:`Activity` only when read: a page of a long log costs the page, not the log."""

    def __init__(self, rows: list[LogRow], history: MrrHistory, tz: ZoneInfo) -> None:
        self._rows = rows
        self._history = history
        self._tz = tz
        self._involved: dict[str, dict[SubscriptionKey, list[SubscriptionChange]]] = {}
        self.order_keys: Sequence[tuple[int, str, str]] = _Keys(rows)

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Activity: ...

    @overload
    def __getitem__(self, index: slice) -> list[Activity]: ...

    def __getitem__(self, index: int | slice) -> Activity | list[Activity]:
        if isinstance(index, slice):
            return [self._activity(row) for row in self._rows[index]]
        return self._activity(self._rows[index])

    def __iter__(self) -> Iterator[Activity]:
        return (self._activity(row) for row in self._rows)

    def _activity(self, row: LogRow) -> Activity:
        order, customer_id, currency, kind, before, after = row
        day = date.fromordinal(-order)
        involved = self._changes(customer_id).get((customer_id, currency, day), ())
        return Activity(
            day, customer_id, currency, TYPE_NAMES[kind], before, after, tuple(involved)
        )

    def _changes(self, customer_id: str) -> dict[SubscriptionKey, list[SubscriptionChange]]:
        """The subscriptions involved in the customer's movements (its segments in scope)."""
        found = self._involved.get(customer_id)
        if found is None:
            h = self._history
            if h.source is not None:
                mine = by_customer(h.source, h.segments).get(customer_id, {})
                segments = [s for segs in mine.values() for s in segs if h.scope.includes(s)]
            else:
                segments = [s for s in h.included() if s.customer_id == customer_id]
            found = self._involved[customer_id] = subscription_changes(segments, self._tz)
        return found


class _Keys(Sequence[tuple[int, str, str]]):
    """The log positions (``Activity.order_key``) of log rows, for bisecting a cursor."""

    def __init__(self, rows: list[LogRow]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> tuple[int, str, str]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, str, str]]: ...

    def __getitem__(self, index: int | slice) -> tuple[int, str, str] | list[tuple[int, str, str]]:
        if isinstance(index, slice):
            return [(r[0], r[1], r[2]) for r in self._rows[index]]
        row = self._rows[index]
        return (row[0], row[1], row[2])


def activity_log(
    history: MrrHistory, first: date, last: date, tz: ZoneInfo, where: LogFilter
) -> ActivityLog:
    """The movements of local days ``first``..``last`` that pass ``where``, in log order
    (day descending, customer id, currency)."""
    rows: list[LogRow]
    if history.source is not None:  # every movement, shared and sorted: take the days asked
        every = movement_rows(history.source, history.closes(tz), history.scope, tz)
        lo = bisect_left(every, (-last.toordinal(),))
        hi = bisect_left(every, (1 - first.toordinal(),))
        rows = every[lo:hi]
    else:
        moves = history.customer_movements(first, last, tz)
        rows = sorted(
            (-m.day.toordinal(), m.customer_id, m.currency, m.kind, m.before, m.after)
            for m in moves
        )
    if where.currency is not None:
        rows = [r for r in rows if r[2] == where.currency]
    if where.customer_ids is not None:
        wanted = set(where.customer_ids)
        rows = [r for r in rows if r[1] in wanted]
    if where.types is not None:
        rows = [r for r in rows if TYPE_NAMES[r[3]] in where.types]
    return ActivityLog(rows, history, tz)


def customer_names(conn: Connection, tenant_id: int, ids: Iterable[str]) -> dict[str, str]:
    """Customer id -> name for ``ids`` of the tenant (primary key lookups, in chunks)."""
    c = t.customers
    wanted = sorted(set(ids))
    out: dict[str, str] = {}
    for i in range(0, len(wanted), _NAME_CHUNK):
        chunk = wanted[i : i + _NAME_CHUNK]
        query = select(c.c.id, c.c.name).where(c.c.tenant_id == tenant_id, c.c.id.in_(chunk))
        out.update({row.id: row.name for row in conn.execute(query)})
    return out


def matching(names: dict[str, str], ids: Iterable[str], query: str) -> set[str]:
    """The customers among ``ids`` whose id or name contains ``query`` (case-insensitive,
    Unicode case folding, the same on every database)."""
    needle = query.casefold()
    return {
        cid for cid in ids if needle in cid.casefold() or needle in names.get(cid, "").casefold()
    }
