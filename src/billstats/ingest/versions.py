"""Subscription history: every change is a new version effective at a point in time.

The state of a subscription at time t is its version with the greatest (effective_at, version)
not after t.  Backdated versions are allowed; the ``subscriptions`` row always mirrors the latest
version in effective order.  A payload equal to the state in effect at its ``effective_at``
changes nothing.  A first version without ``effective_at`` takes effect at ``started_at``, so a
subscription loaded with its start in the past exists in the past; later changes without
``effective_at`` take effect now, except that an undated payload equal to the first version
(which took effect at ``started_at``) is a repeat of that first write and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from billstats.db import tables as t
from billstats.ingest import repository as repo

Row = dict[str, Any]
_STATE = [
    c.name
    for c in t.subscription_versions.c
    if c.name not in ("tenant_id", "subscription_id", "version", "effective_at", "recorded_at")
]


def _state(row: Row) -> Row:
    return {name: row.get(name) for name in _STATE}


def apply_subscription(
    conn: Connection, row: Row, effective_at: datetime | None, now: datetime
) -> tuple[str, Row]:
    tenant_id, sub_id = row["tenant_id"], row["id"]
    state = _state(row)
    stored = repo.fetch_by_keys(conn, t.subscriptions, tenant_id, ("id",), [(sub_id,)])
    current = stored.get((sub_id,))
    if current is None:
        eff = effective_at or row["started_at"]
        _insert_version(conn, tenant_id, sub_id, 1, eff, now, state)
        new_row = {"tenant_id": tenant_id, "id": sub_id, **state, "effective_at": eff, "version": 1}
        repo.save_current_subscription(conn, new_row, exists=False)
        return "created", new_row
    first = _first(conn, tenant_id, sub_id)
    if effective_at is None and _is_repeat_of_undated_first(first, state):
        return "unchanged", current
    eff = effective_at or now
    prior = repo.version_at(conn, tenant_id, sub_id, eff) or first
    if prior is not None and _state(prior) == state:
        return "unchanged", current
    version = repo.max_version(conn, tenant_id, sub_id) + 1
    _insert_version(conn, tenant_id, sub_id, version, eff, now, state)
    latest = repo.latest_version(conn, tenant_id, sub_id)
    assert latest is not None
    new_row = {
        "tenant_id": tenant_id,
        "id": sub_id,
        **_state(latest),
        "effective_at": latest["effective_at"],
        "version": latest["version"],
    }
    repo.save_current_subscription(conn, new_row, exists=True)
    return "updated", new_row


def _is_repeat_of_undated_first(first: Row | None, state: Row) -> bool:
    """An undated payload equal to a first version that took effect at its own started_at.

    Re-importing a history file (an undated creation line, then dated changes) must change
    nothing; without this rule the creation line would come back as a change effective now.
    To return to the original state on purpose, send ``effective_at``.
    """
    return (
        first is not None
        and first["effective_at"] == first["started_at"]
        and _state(first) == state
    )


def _first(conn: Connection, tenant_id: int, sub_id: str) -> Row | None:
    versions = repo.list_versions(conn, tenant_id, sub_id)
    return versions[0] if versions else None


def _insert_version(
    conn: Connection,
    tenant_id: int,
    sub_id: str,
    version: int,
    eff: datetime,
    now: datetime,
    state: Row,
) -> None:
    repo.insert_rows(
        conn,
        t.subscription_versions,
        [
            {
                "tenant_id": tenant_id,
                "subscription_id": sub_id,
                "version": version,
                "effective_at": eff,
                "recorded_at": now,
                **state,
            }
        ],
    )
