"""Native metric ``call_accounts``: the ``calls`` metric split by account, for rankings such as
the dashboard's top accounts by cost.

The calls counted are exactly those of ``calls`` (:mod:`billstats.metrics.native_usage`): call
records that *started* in the bucket (tenant-local day; none after now), live data only
(``livemode=false``: none), product and plan filters do not apply, ``partner_id`` keeps the calls
of that partner's accounts, ``currency`` keeps only the calls in that currency (values in it);
without it each (currency, local day) group is converted with that day's rate.  Per account:

- ``account_cost`` (money, the headline): the calls' cost, rounded once per account and bucket;
- ``account_calls`` (count): how many calls;
- ``account_minutes`` (quantity): billed seconds / 60, exact to 6 decimals.

Each field is a breakdown by account id (the call record's ``account_id``, a customer id); every
entry lists every account with a call in any of the query's buckets (0 in the others), so the
columns line up.  ``summary`` compares each account's cost over the whole range with the
previous range of the same length.  Whole local days come from the daily roll-up
``call_account_days`` (one row per account, day and currency): with ``currency``, summed per
account and bucket in the database; without it, from the per-revision running totals of
:mod:`billstats.metrics.call_account_index` (converted once per revision, not per request).
Pieces of days at the range's edges (today, up to now) come from the call records, grouped in the
database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from billstats.db import tables as t
from billstats.metrics import call_account_index
from billstats.metrics.calendar import Span, local_date
from billstats.metrics.call_account_index import Totals
from billstats.metrics.fx import RATE_SCALE
from billstats.metrics.native_support import Buckets, Money, covering
from billstats.metrics.partner_queries import account_ids, calling_accounts, day_number
from billstats.metrics.pricing import round_minor_scaled
from billstats.metrics.registry import Bucket, Context, Field, Metric, Row, register
from billstats.metrics.rollup_days import split
from billstats.metrics.tally import Tally
from billstats.money import MICROS


@dataclass(frozen=True)
class AccountGroup:
    """The calls of one account on one local day in one currency."""

    account_id: str
    day: date
    currency: str
    calls: int
    billed_seconds: int
    cost: int  # micros of ``currency``


def account_groups(
    conn: Connection,
    tenant_id: int,
    partner_id: str | None,
    days: Sequence[date],
    bounds: Sequence[datetime],
    until: datetime,
) -> list[AccountGroup]:
    """Calls started in ``[bounds[0], min(bounds[-1], until))`` grouped by account, local day
    (``bounds[i]`` is the first instant of ``days[i]``) and currency."""
    end = min(bounds[-1], until)
    if not days or end <= bounds[0]:
        return []
    c = t.call_records
    rows = (
        select(
            c.c.account_id,
            day_number(c.c.started_at, bounds).label("day_no"),
            c.c.currency,
            c.c.billed_seconds,
            c.c.cost,
        )
        .where(
            c.c.tenant_id == tenant_id,
            c.c.account_id.in_(calling_accounts(tenant_id, partner_id, days[0], days[-1])),
            c.c.started_at >= bounds[0],
            c.c.started_at < end,
        )
        .subquery()
    )
    keys = (rows.c.account_id, rows.c.day_no, rows.c.currency)
    stmt = select(
        *keys, func.count(), func.sum(rows.c.billed_seconds), func.sum(rows.c.cost)
    ).group_by(*keys)
    return [
        AccountGroup(account, days[int(day_no)], currency, int(n), int(billed), int(cost))
        for account, day_no, currency, n, billed, cost in conn.execute(stmt)
    ]


def account_groups_in(
    conn: Connection,
    tenant_id: int,
    partner_id: str | None,
    span: Span,
    tz: ZoneInfo,
    only: str,
    firsts: Sequence[date],
) -> list[AccountGroup]:
    """The calls in currency ``only`` started in ``span``, grouped by account: whole local days
    summed by the database from the ``call_account_days`` roll-up per account and bucket
    (``firsts``: the first days of consecutive buckets covering the span; each group dated on
    its bucket's first day, or the span's first whole day, whichever is later), the pieces of
    days at the span's edges from the raw rows per account and local day."""
    parts = split(span, tz)
    out: list[AccountGroup] = []
    if parts.first is not None and parts.last is not None:
        out += _whole_days(conn, tenant_id, partner_id, parts.first, parts.last, only, firsts)
    return out + edge_groups(conn, tenant_id, partner_id, parts.pieces, tz, only)


def edge_groups(
    conn: Connection,
    tenant_id: int,
    partner_id: str | None,
    pieces: Sequence[Span],
    tz: ZoneInfo,
    only: str | None,
) -> list[AccountGroup]:
    """The groups of calls started in ``pieces`` (each inside one local day), from the raw
    rows; ``only``: that currency's calls alone."""
    out: list[AccountGroup] = []
    for piece in pieces:
        day = local_date(piece.start, tz)
        found = account_groups(
            conn, tenant_id, partner_id, [day], [piece.start, piece.end], piece.end
        )
        out += [g for g in found if only in (None, g.currency)]
    return out


def _whole_days(
    conn: Connection,
    tenant_id: int,
    partner_id: str | None,
    first: date,
    last: date,
    only: str,
    firsts: Sequence[date],
) -> list[AccountGroup]:
    d = t.call_account_days
    where = [d.c.tenant_id == tenant_id, d.c.day >= first, d.c.day <= last, d.c.currency == only]
    if partner_id is not None:
        where.append(d.c.account_id.in_(account_ids(tenant_id, partner_id)))
    # Boundaries inside [first, last]: bucket k holds the days in [starts[k], starts[k+1]).
    starts = [first, *(f for f in firsts if first < f <= last)]
    bucket = day_number(d.c.day, [*starts, last + timedelta(days=1)]).label("bucket")
    stmt = (
        select(
            d.c.account_id,
            bucket,
            func.sum(d.c.calls),
            func.sum(d.c.billed_seconds),
            func.sum(d.c.cost),
        )
        .where(*where)
        .group_by(d.c.account_id, *([bucket] if len(starts) > 1 else []))
    )
    return [
        AccountGroup(account, starts[int(k)], only, int(n), int(b), int(c))
        for account, k, n, b, c in conn.execute(stmt)
    ]


class _Cells:
    """Per bucket and account: calls, billed seconds and cost (a tally of (currency, day)
    amounts still to convert, plus exact reporting micros already converted)."""

    def __init__(self, buckets: Sequence[Bucket]) -> None:
        self.where = Buckets(buckets)
        self.calls: list[dict[str, int]] = [defaultdict(int) for _ in buckets]
        self.seconds: list[dict[str, int]] = [defaultdict(int) for _ in buckets]
        self.costs: list[dict[str, Tally]] = [defaultdict(Tally) for _ in buckets]
        # exact cost already converted, in 1/RATE_SCALE reporting micros
        self.converted: list[dict[str, int]] = [defaultdict(int) for _ in buckets]
        self.accounts: set[str] = set()

    def add_group(self, g: AccountGroup) -> None:
        k = self.where.index(g.day)
        if k is None:
            return
        self._count(k, g.account_id, g.calls, g.billed_seconds)
        tally = self.costs[k][g.account_id]
        tally.count += g.calls
        tally.sums[(g.currency, g.day)] += g.cost
        tally.counts[(g.currency, g.day)] += g.calls

    def add_totals(self, k: int, totals: Totals) -> None:
        self._count(k, totals.account_id, totals.calls, totals.billed_seconds)
        self.converted[k][totals.account_id] += totals.cost

    def _count(self, k: int, account: str, calls: int, seconds: int) -> None:
        self.accounts.add(account)
        self.calls[k][account] += calls
        self.seconds[k][account] += seconds


def _fill(ctx: Context, buckets: Sequence[Bucket], cells: _Cells) -> None:
    span = covering(buckets, ctx.now)
    if not ctx.filters.livemode or span.end <= span.start:
        return
    only, partner = ctx.filters.currency, ctx.filters.partner_id
    groups: list[AccountGroup]
    if only is not None:
        firsts = [b.first for b in buckets]
        tz = ctx.timezone
        groups = account_groups_in(ctx.conn, ctx.tenant_id, partner, span, tz, only, firsts)
    else:
        # Converted into the reporting currency: whole days from the per-revision index.
        parts = split(span, ctx.timezone)
        if parts.first is not None and parts.last is not None:
            first, last = parts.first, parts.last
            starts = [first, *(b.first for b in buckets if first < b.first <= last)]
            bucket_of = [cells.where.index(s) for s in starts]
            among: set[str] | None = None
            if partner is not None:
                among = set(map(str, ctx.conn.scalars(account_ids(ctx.tenant_id, partner))))
            found = call_account_index.index(ctx.conn, ctx.tenant_id, ctx.currency)
            for totals in found.totals(starts, last, among):
                k = bucket_of[totals.part]
                if k is not None:
                    cells.add_totals(k, totals)
        groups = edge_groups(ctx.conn, ctx.tenant_id, partner, parts.pieces, ctx.timezone, None)
    for g in groups:
        cells.add_group(g)


def minute_micros(seconds: int) -> int:
    """``seconds / 60`` minutes in micros, rounded half-even (``round`` of the exact
    ``Fraction``, which is what the quantity's text shows), in integer arithmetic."""
    q, r = divmod(seconds * MICROS, 60)
    return q + 1 if 2 * r > 60 or (2 * r == 60 and q % 2) else q


def _compute(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    cells = _Cells(buckets)
    _fill(ctx, buckets, cells)
    costs, converted, currency = cells.costs, cells.converted, ctx.currency
    money = Money(ctx)

    def cost(k: int, account: str) -> int:
        tally = costs[k].get(account)
        done = converted[k].get(account, 0)
        if tally is None or not tally.sums:  # converted whole days alone: in integers
            return round_minor_scaled(done, RATE_SCALE, currency) if done else 0
        return money.amount(tally, done)

    order = sorted(cells.accounts)
    rows: list[Row] = []
    for k in range(len(buckets)):
        calls, seconds = cells.calls[k], cells.seconds[k]
        rows.append(
            {
                "account_cost": {a: cost(k, a) for a in order},
                "account_calls": {a: calls.get(a, 0) for a in order},
                "account_minutes": {a: minute_micros(seconds.get(a, 0)) for a in order},
            }
        )
    return rows


CALL_ACCOUNTS = register(
    Metric(
        "call_accounts",
        "Calls by account",
        (
            Field("account_cost", "breakdown", "money"),
            Field("account_calls", "breakdown", "count"),
            Field("account_minutes", "breakdown", "quantity"),
        ),
        _compute,
        "The calls metric per account (customer): cost, calls and billed minutes of the calls "
        "started in the bucket (optionally one partner's accounts).",
    )
)
