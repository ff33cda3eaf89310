"""Which plan a subscription was on at an instant, and an MRR history narrowed to one plan.

The MRR engine's timelines (:mod:`billstats.metrics.mrr_timeline`) carry each moment's product,
not its plan.  A plan filter follows the product filter's rule: a moment counts under a plan when
the subscription version in force then (greatest ``(effective_at, version)`` not after it) is on
that plan, so a subscription moving to another plan leaves the first plan's MRR (a churn or a
contraction under that filter) and enters the other's.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import datetime

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.metrics.mrr import MrrHistory


class PlanTimeline:
    """Per subscription: the instants its versions took effect and their plans."""

    def __init__(self, versions: dict[str, list[tuple[datetime, str]]]) -> None:
        self._versions = versions
        self._instants = {sid: [at for at, _ in rows] for sid, rows in versions.items()}

    @classmethod
    def load(cls, conn: Connection, tenant_id: int) -> PlanTimeline:
        """Every version's (effective_at, plan), in timeline order (the primary key scan)."""
        v = t.subscription_versions
        query = (
            select(v.c.subscription_id, v.c.effective_at, v.c.plan_id)
            .where(v.c.tenant_id == tenant_id)
            .order_by(v.c.subscription_id, v.c.effective_at, v.c.version)
        )
        versions: dict[str, list[tuple[datetime, str]]] = {}
        for row in conn.execute(query):
            versions.setdefault(row.subscription_id, []).append((row.effective_at, row.plan_id))
        return cls(versions)

    def plan_at(self, subscription_id: str, at: datetime) -> str | None:
        """The plan of the version in force at ``at``; its first plan when ``at`` precedes its
        history (as payments before a subscription's first version are attributed); None for an
        unknown subscription."""
        rows = self._versions.get(subscription_id)
        if not rows:
            return None
        # Versions effective at the same instant: the last one (greatest version) is in force.
        index = bisect_right(self._instants[subscription_id], at) - 1
        return rows[max(index, 0)][1]

    def narrow(self, history: MrrHistory, plan_id: str) -> MrrHistory:
        """``history`` with only the moments spent on ``plan_id`` (same scope otherwise)."""
        segments = {
            sid: kept
            for sid, segs in history.segments.items()
            if (kept := [s for s in segs if self.plan_at(sid, s.start) == plan_id])
        }
        return MrrHistory(segments, history.scope)
