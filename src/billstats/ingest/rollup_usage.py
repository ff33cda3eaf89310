"""The usage roll-up (``usage_days``), kept by the ingest engine.

An event contributes its count and quantity to (local day of ``timestamp``, metric code, mode),
its mode being its subscription's ``livemode`` as the subscription stands now (live without a
subscription).  New events add their sums; a re-import overlapping stored events recomputes the
days it touches; a subscription whose mode changes moves its events to the other mode (found by
a scan of the tenant's events: there is no index by subscription, and a change of mode is rare).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, func, select, true

from billstats.db import tables as t
from billstats.db.dialect import rows_by_keys
from billstats.ingest.rollup_sql import Row, Sums, add_sums, replace_rows
from billstats.metrics.calendar import day_start

if TYPE_CHECKING:
    from billstats.ingest.rollups import Rollups

KEY = ("day", "metric_code", "livemode")


def modes(rollups: Rollups, subscription_ids: Iterable[str | None]) -> dict[str | None, bool]:
    """Subscription id -> its mode as stored now (None -> live: events without one)."""
    out: dict[str | None, bool] = {None: True}
    wanted = sorted({(i,) for i in subscription_ids if i is not None})
    found = rows_by_keys(
        rollups.conn, t.subscriptions, rollups.tenant_id, ("id",), wanted, ("id", "livemode")
    )
    out.update({row["id"]: bool(row["livemode"]) for row in found})
    return out


def sums(rollups: Rollups, rows: Sequence[Row], mode: Mapping[Any, bool]) -> Sums:
    days = rollups.days
    out: Sums = defaultdict(lambda: [0, 0])
    for r in rows:
        s = out[(days(r["timestamp"]), r["metric_code"], mode[r["subscription_id"]])]
        s[0] += 1
        s[1] += r["quantity"]
    return out


def appended(rollups: Rollups, rows: Sequence[Row], all_new: bool) -> None:
    if all_new:
        mode = modes(rollups, (r["subscription_id"] for r in rows))
        add_sums(rollups.conn, t.usage_days, rollups.tenant_id, KEY, sums(rollups, rows, mode))
        return
    recompute_days(rollups, {rollups.days(r["timestamp"]) for r in rows})


def _events_between(rollups: Rollups, first: date, last: date) -> list[Row]:
    """Every event of the tenant's customers on local days ``first``..``last`` (and the days
    around: callers keep the days they want)."""
    u, c = t.usage_events, t.customers
    lo = day_start(first - timedelta(days=1), rollups.days.tz)
    hi = day_start(last + timedelta(days=2), rollups.days.tz)
    stmt = select(u.c.subscription_id, u.c.metric_code, u.c.quantity, u.c.timestamp).where(
        u.c.tenant_id == rollups.tenant_id,
        # IN over the tenant's customers: walks the (tenant, customer, timestamp) index.
        u.c.customer_id.in_(select(c.c.id).where(c.c.tenant_id == rollups.tenant_id)),
        u.c.timestamp >= lo,
        u.c.timestamp < hi,
    )
    return [dict(r) for r in rollups.conn.execute(stmt).mappings()]


def recompute_days(rollups: Rollups, days: set[date]) -> None:
    rows = _events_between(rollups, min(days), max(days))
    mode = modes(rollups, (r["subscription_id"] for r in rows))
    found = {k: v for k, v in sums(rollups, rows, mode).items() if k[0] in days}
    replace_rows(
        rollups.conn, t.usage_days, rollups.tenant_id, KEY, {(d,) for d in days}, ("day",), found
    )


def subscriptions_written(
    rollups: Rollups, before: Mapping[str, bool], after: Mapping[str, bool]
) -> None:
    """Events of subscriptions whose mode changed (``before``/``after``: id -> mode) move."""
    moved = sorted(sid for sid, live in after.items() if sid in before and before[sid] != live)
    if not moved:
        return
    out: Sums = defaultdict(lambda: [0, 0])
    rows = rows_by_keys(
        rollups.conn, t.usage_events, rollups.tenant_id, ("subscription_id",),
        [(sid,) for sid in moved], ("subscription_id", "metric_code", "quantity", "timestamp"),
    )  # fmt: skip
    for sign, mode in ((-1, before), (1, after)):
        for k, v in sums(rollups, rows, mode).items():
            out[k][0] += sign * v[0]
            out[k][1] += sign * v[1]
    add_sums(
        rollups.conn, t.usage_days, rollups.tenant_id, KEY, {k: v for k, v in out.items() if any(v)}
    )


def rebuild(rollups: Rollups) -> None:
    """Recompute the usage roll-up of the tenant from its raw rows."""
    conn, tenant = rollups.conn, rollups.tenant_id
    conn.execute(delete(t.usage_days).where(t.usage_days.c.tenant_id == tenant))
    u, s = t.usage_events, t.subscriptions
    live = func.coalesce(s.c.livemode, true())
    stmt = (
        select(u.c.subscription_id, u.c.metric_code, u.c.quantity, u.c.timestamp, live)
        .select_from(
            u.outerjoin(s, and_(s.c.tenant_id == u.c.tenant_id, s.c.id == u.c.subscription_id))
        )
        .where(u.c.tenant_id == tenant)
    )
    days = rollups.days
    out: Sums = defaultdict(lambda: [0, 0])
    for _, code, quantity, at, mode in conn.execute(stmt.execution_options(yield_per=20_000)):
        v = out[(days(at), code, bool(mode))]
        v[0] += 1
        v[1] += quantity
    add_sums(conn, t.usage_days, tenant, KEY, dict(out))
