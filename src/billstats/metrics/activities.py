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

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.metrics.mrr import CustomerMovement, MrrHistory
from billstats.metrics.mrr_movements import (
    CHURN,
    CONTRACTION,
    EXPANSION,
    NEW,
    REACTIVATION,
    closes,
)
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


def activity_log(
    history: MrrHistory, first: date, last: date, tz: ZoneInfo, where: LogFilter
) -> list[Activity]:
    """The movements of local days ``first``..``last`` that pass ``where``, in log order
    (day descending, customer id, currency)."""
    moves: list[CustomerMovement] = history.customer_movements(first, last, tz, where.currency)
    wanted = None if where.customer_ids is None else set(where.customer_ids)
    if wanted is not None:
        moves = [m for m in moves if m.customer_id in wanted]
    if where.types is not None:
        moves = [m for m in moves if TYPE_NAMES[m.kind] in where.types]
    if not moves:
        return []
    present = {m.customer_id for m in moves}
    segments = [s for s in history.included() if s.customer_id in present]
    involved = subscription_changes(segments, tz)
    out = [
        Activity(
            m.day,
            m.customer_id,
            m.currency,
            TYPE_NAMES[m.kind],
            m.before,
            m.after,
            tuple(involved.get((m.customer_id, m.currency, m.day), ())),
        )
        for m in moves
    ]
    out.sort(key=lambda a: a.order_key)
    return out


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
