"""SQL of the partner metrics: the partner, its accounts, their wallets and call records.

A partner's accounts are the tenant's customers whose ``partner_id`` is the partner; every query
is scoped by tenant and partner.  Call records are grouped in the database by the tenant-local
day they started on (a binary search over the day boundaries written as nested ``CASE``, so no
per-row work happens in Python and both SQLite and PostgreSQL run the same SQL), by direction,
product, currency and whether they were answered; whole days come from the daily roll-up
``call_days`` (:func:`call_groups_in`) and wallet balances from ``wallet_totals``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    case,
    func,
    literal_column,
    select,
)

from billstats.db import tables as t
from billstats.metrics.calendar import Span, local_date
from billstats.metrics.rollup_days import split

_T = TypeVar("_T", date, datetime)
_cust = t.customers
_calls = t.call_records


def partner(conn: Connection, tenant_id: int, partner_id: str) -> dict[str, Any] | None:
    stmt = select(t.partners).where(
        t.partners.c.tenant_id == tenant_id, t.partners.c.id == partner_id
    )
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def account_ids(tenant_id: int, partner_id: str | None) -> Select[tuple[str]]:
    """The partner's accounts; every customer of the tenant when ``partner_id`` is None."""
    stmt = select(_cust.c.id).where(_cust.c.tenant_id == tenant_id)
    if partner_id is not None:
        stmt = stmt.where(_cust.c.partner_id == partner_id)
    return stmt


def calling_accounts(
    tenant_id: int, partner_id: str | None, first: date, last: date
) -> Select[tuple[str]]:
    """The accounts of :func:`account_ids` that have a call started on a local day
    ``first``..``last``, from the ``call_account_days`` roll-up (kept in each write's
    transaction): reading raw call records of those days then probes the (tenant, account,
    started_at) index for those accounts only, not for every customer of the tenant."""
    d = t.call_account_days
    stmt = select(d.c.account_id).where(
        d.c.tenant_id == tenant_id, d.c.day >= first, d.c.day <= last
    )
    if partner_id is not None:
        stmt = stmt.where(d.c.account_id.in_(account_ids(tenant_id, partner_id)))
    return stmt


def accounts(conn: Connection, tenant_id: int, partner_id: str) -> list[dict[str, Any]]:
    """The partner's accounts, oldest first (ties by id)."""
    stmt = (
        select(
            _cust.c.id,
            _cust.c.auth_id,
            _cust.c.name,
            _cust.c.email,
            _cust.c.phone,
            _cust.c.currency,
            _cust.c.is_active,
            _cust.c.created_at,
        )
        .where(_cust.c.tenant_id == tenant_id, _cust.c.partner_id == partner_id)
        .order_by(_cust.c.created_at, _cust.c.id)
    )
    return [dict(r) for r in conn.execute(stmt).mappings()]


WalletRow = tuple[str, str, int | None, datetime | None]  # (id, currency, total, last_at)


def wallet_rows(conn: Connection, tenant_id: int, partner_id: str) -> list[WalletRow]:
    """The partner's accounts' active wallets with the ``wallet_totals`` roll-up: the sum of
    each wallet's transactions and the instant of its latest (None: no transaction)."""
    w, wt = t.wallets, t.wallet_totals
    stmt = (
        select(w.c.id, w.c.currency, wt.c.amount, wt.c.last_at)
        .select_from(
            w.outerjoin(wt, (wt.c.tenant_id == w.c.tenant_id) & (wt.c.wallet_id == w.c.id))
        )
        .where(
            w.c.tenant_id == tenant_id,
            w.c.customer_id.in_(account_ids(tenant_id, partner_id)),
            w.c.status == "active",
        )
    )
    return [
        (wallet_id, currency, None if amount is None else int(amount), last_at)
        for wallet_id, currency, amount, last_at in conn.execute(stmt)
    ]


def wallet_sum_until(conn: Connection, tenant_id: int, wallet_id: str, until: datetime) -> int:
    """The sum of one wallet's transactions up to ``until`` (inclusive), in micros."""
    x = t.wallet_transactions
    total = conn.execute(
        select(func.coalesce(func.sum(x.c.amount), 0)).where(
            x.c.tenant_id == tenant_id, x.c.wallet_id == wallet_id, x.c.created_at <= until
        )
    ).scalar_one()
    return int(total)


@dataclass(frozen=True)
class CallGroup:
    """Calls of one local day, direction, product, currency and answered flag."""

    day: date
    direction: str
    product: str
    currency: str
    answered: bool
    calls: int
    billed_seconds: int
    cost: int  # micros, in ``currency``


def call_instants(
    conn: Connection, tenant_id: int, partner_id: str | None, start: datetime, end: datetime
) -> tuple[datetime, datetime] | None:
    """When the first and the last call started in ``[start, end)`` (None: no call), for the
    partner's accounts (every customer's when ``partner_id`` is None)."""
    stmt = select(func.min(_calls.c.started_at), func.max(_calls.c.started_at)).where(
        _calls.c.tenant_id == tenant_id,
        _calls.c.account_id.in_(account_ids(tenant_id, partner_id)),
        _calls.c.started_at >= start,
        _calls.c.started_at < end,
    )
    row = conn.execute(stmt).one()
    if row[0] is None:
        return None
    return row[0], row[1]


def day_number(started_at: ColumnElement[_T], bounds: Sequence[_T]) -> Any:
    """The index i with bounds[i] <= started_at < bounds[i + 1], as a balanced CASE tree (of
    instants, or of dates for a date column)."""

    def tree(lo: int, hi: int) -> Any:
        if hi - lo == 1:
            return literal_column(str(lo))
        mid = (lo + hi) // 2
        return case((started_at < bounds[mid], tree(lo, mid)), else_=tree(mid, hi))

    return tree(0, len(bounds) - 1)


def call_groups(
    conn: Connection,
    tenant_id: int,
    partner_id: str | None,
    days: Sequence[date],
    bounds: Sequence[datetime],
    until: datetime,
) -> list[CallGroup]:
    """The partner's calls (every call of the tenant's customers when ``partner_id`` is None)
    started in ``[bounds[0], min(bounds[-1], until))``, grouped.

    ``bounds[i]`` is the first instant of ``days[i]`` (``len(bounds) == len(days) + 1``).
    """
    end = min(bounds[-1], until)
    if not days or end <= bounds[0]:
        return []
    rows = (
        select(
            day_number(_calls.c.started_at, bounds).label("day_no"),
            _calls.c.direction,
            _calls.c.product,
            _calls.c.currency,
            _calls.c.answered,
            _calls.c.billed_seconds,
            _calls.c.cost,
        )
        .where(
            _calls.c.tenant_id == tenant_id,
            # IN (not a join): both databases then walk the (tenant, account, started_at) index
            # once per account with a call on those days, over the window only.
            _calls.c.account_id.in_(calling_accounts(tenant_id, partner_id, days[0], days[-1])),
            _calls.c.started_at >= bounds[0],
            _calls.c.started_at < end,
        )
        .subquery()
    )
    keys = (rows.c.day_no, rows.c.direction, rows.c.product, rows.c.currency, rows.c.answered)
    stmt = select(
        *keys, func.count(), func.sum(rows.c.billed_seconds), func.sum(rows.c.cost)
    ).group_by(*keys)
    return [
        CallGroup(
            days[int(day_no)],
            direction,
            product,
            currency,
            bool(answered),
            int(count),
            int(billed),
            int(cost),
        )
        for day_no, direction, product, currency, answered, count, billed, cost in conn.execute(
            stmt
        )
    ]


def call_groups_in(
    conn: Connection, tenant_id: int, partner_id: str | None, span: Span, tz: ZoneInfo
) -> list[CallGroup]:
    """The partner's calls (every call when ``partner_id`` is None) started in ``span``, grouped
    by local day, direction, product, currency and answered flag, ordered by those.

    Whole local days come from the ``call_days`` roll-up; the pieces of days at the span's edges
    (``now``) from the raw rows.  The same groups as :func:`call_groups` over the span's days.
    """
    parts = split(span, tz)
    out: list[CallGroup] = []
    if parts.first is not None and parts.last is not None:
        out += call_day_groups(conn, tenant_id, partner_id, parts.first, parts.last)
    out += piece_groups(conn, tenant_id, partner_id, parts.pieces, tz)
    out.sort(key=lambda g: (g.day, g.direction, g.product, g.currency, g.answered))
    return out


def call_day_groups(
    conn: Connection,
    tenant_id: int,
    partner_id: str | None,
    first: date | None = None,
    last: date | None = None,
) -> list[CallGroup]:
    """The groups of the ``call_days`` roll-up's days ``first``..``last`` (every day when None)
    summed over the partners (only ``partner_id``'s when given)."""
    d = t.call_days
    keys = (d.c.day, d.c.direction, d.c.product, d.c.currency, d.c.answered)
    stmt = (
        select(*keys, func.sum(d.c.calls), func.sum(d.c.billed_seconds), func.sum(d.c.cost))
        .where(d.c.tenant_id == tenant_id)
        .group_by(*keys)
    )
    if first is not None and last is not None:
        stmt = stmt.where(d.c.day >= first, d.c.day <= last)
    if partner_id is not None:
        stmt = stmt.where(d.c.partner_id == partner_id)
    return [
        CallGroup(day, direction, product, currency, bool(answered), int(n), int(b), int(c))
        for day, direction, product, currency, answered, n, b, c in conn.execute(stmt)
    ]


def piece_groups(
    conn: Connection,
    tenant_id: int,
    partner_id: str | None,
    pieces: Sequence[Span],
    tz: ZoneInfo,
) -> list[CallGroup]:
    """The groups of the calls started in ``pieces`` (each inside one local day), from the raw
    rows."""
    out: list[CallGroup] = []
    for piece in pieces:
        day = local_date(piece.start, tz)
        out += call_groups(conn, tenant_id, partner_id, [day], [piece.start, piece.end], piece.end)
    return out
