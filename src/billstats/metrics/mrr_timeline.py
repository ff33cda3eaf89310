"""Subscription timelines: what each subscription was, instant by instant, from its versions.

A subscription's state at instant *t* is its version with the greatest ``(effective_at,
version)`` not after *t* (see ``docs/ingest.md``).  Within a version's window the version's own
dates refine it:

- before ``started_at`` the subscription has not started (``pending``);
- from its end on it has ``ended``; the end is ``ended_at``, and for a ``cancelled`` version
  ``ended_at`` or, when absent, ``cancelled_at``.  A ``cancelled`` version whose end lies in the
  future is a cancellation at period end: until then it keeps the status it had before (or
  ``active`` when it has no earlier version);
- status ``trialing``, or any status before ``trial_ends_at``, is ``trialing``;
- otherwise the status itself: ``active``, ``past_due`` or ``paused``.

Only ``active`` and ``past_due`` carry MRR (``pricing.monthly_value`` of the version's plan,
quantity and ``forever`` discount).  Each subscription becomes a list of :class:`Segment`
(half-open ``[start, end)``), loaded with one indexed query for the whole tenant.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.metrics.pricing import Discount, monthly_value

PENDING = "pending"
TRIALING = "trialing"
ACTIVE = "active"
PAST_DUE = "past_due"
PAUSED = "paused"
ENDED = "ended"
CANCELLED = "cancelled"

PAYING = frozenset({ACTIVE, PAST_DUE})
LIVE = frozenset({TRIALING, ACTIVE, PAST_DUE, PAUSED})


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch ``[start, end)`` of a subscription in one phase (``end`` None: open)."""

    subscription_id: str
    customer_id: str
    currency: str
    product_id: str
    livemode: bool
    phase: str
    start: datetime
    end: datetime | None
    value: int  # the version's monthly value in micros (whatever the phase)
    plan_id: str = ""

    @property
    def mrr(self) -> int:
        """What the segment contributes to MRR: its value while paying, else 0."""
        return self.value if self.phase in PAYING else 0

    def covers(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


@dataclass(frozen=True)
class Scope:
    """Which records count: live or test data, optionally one product, one plan and one
    currency (each judged by the version in force at the moment)."""

    livemode: bool = True
    product_id: str | None = None
    plan_id: str | None = None
    currency: str | None = None

    def includes(self, seg: Segment) -> bool:
        return (
            seg.livemode == self.livemode
            and (self.product_id is None or seg.product_id == self.product_id)
            and (self.plan_id is None or seg.plan_id == self.plan_id)
            and (self.currency is None or seg.currency == self.currency)
        )


def _columns() -> list[Any]:
    v, p = t.subscription_versions, t.plans
    return [
        v.c.subscription_id,
        v.c.version,
        v.c.plan_id,
        v.c.effective_at,
        v.c.customer_id,
        v.c.currency,
        v.c.quantity,
        v.c.status,
        v.c.started_at,
        v.c.trial_ends_at,
        v.c.cancelled_at,
        v.c.ended_at,
        v.c.discount_percent,
        v.c.discount_amount,
        v.c.discount_duration,
        v.c.discount_ends_at,
        v.c.livemode,
        p.c.product_id,
        p.c.amount,
        p.c.interval_unit,
        p.c.interval_count,
    ]


def load_versions(conn: Connection, tenant_id: int) -> Iterator[dict[str, Any]]:
    """Every subscription version of the tenant with its plan, in timeline order (one query),
    one row at a time (a whole history of row dicts would take far more memory than the
    segments made of it).

    The scan uses the ``(tenant_id, subscription_id, version)`` primary key; each version's plan
    is found by the plans' ``(tenant_id, id)`` primary key.
    """
    v, p = t.subscription_versions, t.plans
    stmt = (
        select(*_columns())
        .select_from(v.join(p, (p.c.tenant_id == v.c.tenant_id) & (p.c.id == v.c.plan_id)))
        .where(v.c.tenant_id == tenant_id)
        .order_by(v.c.subscription_id, v.c.effective_at, v.c.version)
    )
    for r in conn.execute(stmt).mappings():
        yield dict(r)


_PRICE_FIELDS = (
    "amount",
    "quantity",
    "interval_unit",
    "interval_count",
    "currency",
    "discount_percent",
    "discount_amount",
    "discount_duration",
    "discount_ends_at",
)


def _value(row: dict[str, Any], cache: dict[tuple[Any, ...], int]) -> int:
    """The version's monthly value (memoised: most versions share a few prices)."""
    key = tuple(row[f] for f in _PRICE_FIELDS)
    value = cache.get(key)
    if value is None:
        value = monthly_value(
            row["amount"],
            row["quantity"],
            row["interval_unit"],
            row["interval_count"],
            row["currency"],
            Discount.from_row(row),
        )
        cache[key] = value
    return value


def _end_of(row: dict[str, Any]) -> datetime | None:
    """When the version says the subscription ends (None: it does not)."""
    ended: datetime | None = row["ended_at"]
    if row["status"] == CANCELLED:
        return ended or row["cancelled_at"]
    return ended


def phase_at(row: dict[str, Any], at: datetime, carried: str) -> str:
    """The phase of version ``row`` at instant ``at`` (inside its window).

    ``carried`` is the status a ``cancelled`` version keeps until its end (cancel at period end).
    """
    if at < row["started_at"]:
        return PENDING
    end = _end_of(row)
    if end is not None and at >= end:
        return ENDED
    status: str = carried if row["status"] == CANCELLED else row["status"]
    trial_end: datetime | None = row["trial_ends_at"]
    if status == TRIALING or (trial_end is not None and at < trial_end):
        return TRIALING
    return status


def _breaks(row: dict[str, Any], lo: datetime, hi: datetime | None) -> list[datetime]:
    """The instants inside ``(lo, hi)`` where the version's phase may change."""
    marks = {row["started_at"], row["trial_ends_at"], _end_of(row)}
    return sorted(m for m in marks if m is not None and lo < m and (hi is None or m < hi))


def subscription_segments(
    rows: list[dict[str, Any]],
    prices: dict[tuple[Any, ...], int] | None = None,
    strings: dict[str, str] | None = None,
) -> Iterator[Segment]:
    """The segments of one subscription from its versions (sorted by effective_at, version).

    ``strings``: one object per distinct id, currency and plan string, shared by every segment
    holding it (a history of a million segments would otherwise hold millions of copies)."""
    prices = {} if prices is None else prices
    one = {} if strings is None else strings
    carried = ACTIVE
    for i, row in enumerate(rows):
        lo: datetime = row["effective_at"]
        hi: datetime | None = rows[i + 1]["effective_at"] if i + 1 < len(rows) else None
        if hi is not None and hi <= lo:
            continue  # superseded by a later version effective at the same instant
        value = _value(row, prices)
        starts = [lo, *_breaks(row, lo, hi)]
        ends: list[datetime | None] = [*starts[1:], hi]
        for start, end in zip(starts, ends, strict=True):
            yield Segment(
                one.setdefault(row["subscription_id"], row["subscription_id"]),
                one.setdefault(row["customer_id"], row["customer_id"]),
                one.setdefault(row["currency"], row["currency"]),
                one.setdefault(row["product_id"], row["product_id"]),
                bool(row["livemode"]),
                phase_at(row, start, carried),
                start,
                end,
                value,
                one.setdefault(row["plan_id"], row["plan_id"]),
            )
        if row["status"] != CANCELLED:
            carried = row["status"]


def segments_from_versions(rows: Iterable[dict[str, Any]]) -> dict[str, list[Segment]]:
    """Segments per subscription id, from versions sorted by subscription and timeline."""
    out: dict[str, list[Segment]] = {}
    prices: dict[tuple[Any, ...], int] = {}
    strings: dict[str, str] = {}
    group: list[dict[str, Any]] = []
    for row in rows:
        if group and group[0]["subscription_id"] != row["subscription_id"]:
            sid = group[0]["subscription_id"]
            out[strings.setdefault(sid, sid)] = list(subscription_segments(group, prices, strings))
            group = []
        group.append(row)
    if group:
        sid = group[0]["subscription_id"]
        out[strings.setdefault(sid, sid)] = list(subscription_segments(group, prices, strings))
    return out


def known_at(segments: list[Segment], at: datetime) -> list[Segment]:
    """The segments as they stand at instant ``at``: what starts later has not happened yet, and
    the segment in force at ``at`` runs on without an end (changes at ``at`` itself count).

    When that changes nothing, ``segments`` itself (shared, never modified)."""
    if all(seg.start <= at and (seg.end is None or seg.end <= at) for seg in segments):
        return segments
    out: list[Segment] = []
    for seg in segments:
        if seg.start > at:
            continue
        out.append(replace(seg, end=None) if seg.end is not None and seg.end > at else seg)
    return out


def load_segments(conn: Connection, tenant_id: int) -> dict[str, list[Segment]]:
    return segments_from_versions(load_versions(conn, tenant_id))
