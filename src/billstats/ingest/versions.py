"""Subscription history: every change is a new version effective at a point in time.

The state of a subscription at time t is its version with the greatest (effective_at, version)
not after t.  Backdated versions are allowed; the ``subscriptions`` row always mirrors the latest
version in effective order.  A payload equal to the state in effect at its ``effective_at``
changes nothing.  A first version without ``effective_at`` takes effect at ``started_at``, so a
subscription loaded with its start in the past exists in the past; later changes without
``effective_at`` take effect now, except that an undated payload equal to the first version
(which took effect at ``started_at``) is a repeat of that first write and changes nothing.

A group of payloads (one per subscription) is applied with a fixed number of statements: the
current rows and every stored version of those subscriptions are read at once, the rules above
run in Python, and the new versions and rows are written together.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from billstats.db import tables as t
from billstats.db.dialect import rows_by_keys
from billstats.ingest import repository as repo

Row = dict[str, Any]
Change = tuple[Row, datetime | None]  # (subscription row, its effective_at if given)
_STATE = [
    c.name
    for c in t.subscription_versions.c
    if c.name not in ("tenant_id", "subscription_id", "version", "effective_at", "recorded_at")
]


def _state(row: Row) -> Row:
    return {name: row.get(name) for name in _STATE}


def _order(version: Row) -> tuple[datetime, int]:
    return version["effective_at"], version["version"]


def apply_subscriptions(
    conn: Connection, tenant_id: int, changes: Sequence[Change], now: datetime
) -> list[tuple[str, Row]]:
    """Apply payloads of distinct subscriptions; (created|updated|unchanged, row) for each, the
    row being the subscription as it stands afterwards."""
    ids = [(row["id"],) for row, _ in changes]
    current = repo.fetch_by_keys(conn, t.subscriptions, tenant_id, ("id",), ids)
    history: dict[str, list[Row]] = {}
    stored = [key for key in ids if key in current]
    for v in rows_by_keys(conn, t.subscription_versions, tenant_id, ("subscription_id",), stored):
        history.setdefault(v["subscription_id"], []).append(v)
    added: list[Row] = []
    created: list[Row] = []
    updated: list[Row] = []
    out: list[tuple[str, Row]] = []
    for row, effective_at in changes:
        sub_id, state = row["id"], _state(row)
        now_row = current.get((sub_id,))
        if now_row is None:
            eff = effective_at or row["started_at"]
            added.append(_version(tenant_id, sub_id, 1, eff, now, state))
            new_row = {
                "tenant_id": tenant_id,
                "id": sub_id,
                **state,
                "effective_at": eff,
                "version": 1,
            }
            created.append(new_row)
            out.append(("created", new_row))
            continue
        versions = sorted(history.get(sub_id, []), key=_order)
        first = versions[0] if versions else None
        if effective_at is None and _is_repeat_of_undated_first(first, state):
            out.append(("unchanged", now_row))
            continue
        eff = effective_at or now
        prior = _version_at(versions, eff) or first
        if prior is not None and _state(prior) == state:
            out.append(("unchanged", now_row))
            continue
        number = max((v["version"] for v in versions), default=0) + 1
        version = _version(tenant_id, sub_id, number, eff, now, state)
        added.append(version)
        latest = max([*versions, version], key=_order)
        new_row = {
            "tenant_id": tenant_id,
            "id": sub_id,
            **_state(latest),
            "effective_at": latest["effective_at"],
            "version": latest["version"],
        }
        updated.append(new_row)
        out.append(("updated", new_row))
    repo.insert_rows(conn, t.subscription_versions, added)
    repo.insert_rows(conn, t.subscriptions, created)
    repo.update_rows(conn, t.subscriptions, ("id",), updated)
    return out


def _version_at(versions: Sequence[Row], at: datetime) -> Row | None:
    """The version in effect at ``at`` (``versions`` in effective order)."""
    found = None
    for v in versions:
        if v["effective_at"] > at:
            break
        found = v
    return found


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


def _version(
    tenant_id: int, sub_id: str, version: int, eff: datetime, now: datetime, state: Row
) -> Row:
    return {
        "tenant_id": tenant_id,
        "subscription_id": sub_id,
        "version": version,
        "effective_at": eff,
        "recorded_at": now,
        **state,
    }
