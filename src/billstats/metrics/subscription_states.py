"""How many subscriptions exist at an instant, and how many are active, by mode: shared per data
revision (:mod:`billstats.metrics.derived`).

A subscription exists at *t* from its first version's ``effective_at`` on, in the state of its
version with the greatest ``(effective_at, version)`` not after *t*; it is *active* when that
version's status is ``active`` or ``trialing``.  Each version's instant is a step of the counts
(per mode: the subscription leaves its old state and enters its new one); the counts at *t* are
the running totals of the steps not after *t*.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import datetime

from sqlalchemy import Connection, select

from billstats.db import tables as t
from billstats.metrics import derived

ACTIVE_STATUSES = ("active", "trialing")
State = tuple[bool, bool]  # (livemode, active)


class SubscriptionStates:
    """Running (live total, live active, test total, test active) over sorted instants."""

    def __init__(self, rows: list[tuple[str, datetime, str, bool]]) -> None:
        """``rows``: (subscription id, effective_at, status, livemode) of every version, in
        (subscription, effective_at, version) order."""
        steps: dict[datetime, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        i, n = 0, len(rows)
        while i < n:
            sid = rows[i][0]
            previous: State | None = None
            while i < n and rows[i][0] == sid:
                at = rows[i][1]
                while i + 1 < n and rows[i + 1][0] == sid and rows[i + 1][1] == at:
                    i += 1  # the greatest version of the instant is the one in effect
                _, _, status, livemode = rows[i]
                state = (bool(livemode), status in ACTIVE_STATUSES)
                if state != previous:
                    step = steps[at]
                    for sign, s in ((-1, previous), (1, state)):
                        if s is not None:
                            base = 0 if s[0] else 2
                            step[base] += sign
                            step[base + 1] += sign * s[1]
                    previous = state
                i += 1
        self.instants = sorted(steps)
        running = [0, 0, 0, 0]
        self.totals: list[tuple[int, int, int, int]] = []
        for at in self.instants:
            for k, v in enumerate(steps[at]):
                running[k] += v
            live, live_active, test, test_active = running
            self.totals.append((live, live_active, test, test_active))

    def at(self, instant: datetime, include_test: bool) -> tuple[int, int]:
        """(subscriptions existing at ``instant``, of which active), live only or every mode."""
        i = bisect_right(self.instants, instant)
        if not i:
            return 0, 0
        live, live_active, test, test_active = self.totals[i - 1]
        if include_test:
            return live + test, live_active + test_active
        return live, live_active


def states(conn: Connection, tenant_id: int) -> SubscriptionStates:
    snap = derived.snapshot(conn, tenant_id)

    def build() -> tuple[SubscriptionStates, int]:
        v = t.subscription_versions
        stmt = (
            select(v.c.subscription_id, v.c.effective_at, v.c.status, v.c.livemode)
            .where(v.c.tenant_id == tenant_id)
            .order_by(v.c.subscription_id, v.c.effective_at, v.c.version)
        )
        made = SubscriptionStates([tuple(r) for r in conn.execute(stmt)])
        return made, 100 * len(made.instants) + 64

    return derived.from_database(conn, snap, "subscription_states", build)
