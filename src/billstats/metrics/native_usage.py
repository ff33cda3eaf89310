"""Native metrics: metered ``usage`` by metric code, and telephony ``calls``.

- ``usage``: per metric code, the sum of the ``quantity`` of the usage events whose timestamp
  falls in the bucket (tenant-local day); every entry lists every code that has events anywhere
  in the queried range (0 where it has none); ``usage_events`` counts the events.  Filters:
  product and plan (of the event's subscription at the event's instant; events without a
  subscription count only unfiltered); livemode (an event takes its subscription's; one without
  a subscription is live data); ``currency`` does not apply (quantities are not money).
- ``calls``: the call records that *started* in the bucket (tenant-local day; none after now),
  as the Vobiz partner analytics count them (:mod:`billstats.metrics.partner_queries`): calls,
  answered calls, billed minutes (billed seconds / 60, exact to 6 decimals) and cost (converted
  on the call's day, or only the calls in ``currency``), in total, by direction (inbound,
  outbound) and by telephony product (sip_trunking, voice_api).  ``partner_id``: only the calls
  of that partner's accounts.  Call records are live data (``livemode=false``: none); product and
  plan filters do not apply (a call belongs to no billing product).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from fractions import Fraction

from sqlalchemy import and_, func, select, true

from billstats.db import tables as t
from billstats.metrics import partner_queries
from billstats.metrics.calendar import Span, local_date
from billstats.metrics.call_series import ANSWERED, COST, PARTS, SECONDS, call_series, figure
from billstats.metrics.flow_series import Whole
from billstats.metrics.native_support import Buckets, Money, covering, record_scope
from billstats.metrics.registry import Bucket, Context, Field, Metric, Row, register
from billstats.metrics.rollup_days import split
from billstats.metrics.tally import Tally
from billstats.money import MICROS

UsageDays = dict[tuple[date, str], tuple[int, int]]  # (local day, code) -> (quantity, events)


def _usage_days(ctx: Context, span: Span) -> UsageDays:
    """The in-scope usage of ``span`` per local day and metric code, loaded once per request:
    whole local days from the ``usage_days`` roll-up (without a product or plan filter, which
    judges each event by its subscription at its instant), the rest from the events."""
    key = ("native_usage.days", span.start, span.end)
    if key not in ctx.cache:
        f = ctx.filters
        if f.product_id is not None or f.plan_id is not None:
            ctx.cache[key] = _usage_events(ctx, span)
        else:
            parts = split(span, ctx.timezone)
            days: UsageDays = {}
            if parts.first is not None:
                d = t.usage_days
                stmt = select(d.c.day, d.c.metric_code, d.c.quantity, d.c.events).where(
                    d.c.tenant_id == ctx.tenant_id,
                    d.c.day >= parts.first,
                    d.c.day <= parts.last,
                    d.c.livemode.is_(f.livemode),
                )
                for day, code, quantity, events in ctx.conn.execute(stmt):
                    days[(day, code)] = (int(quantity), int(events))
            for piece in parts.pieces:
                for group, (quantity, events) in _usage_events(ctx, piece).items():
                    before = days.get(group, (0, 0))
                    days[group] = (before[0] + quantity, before[1] + events)
            ctx.cache[key] = days
    result: UsageDays = ctx.cache[key]
    return result


def _usage_events(ctx: Context, span: Span) -> UsageDays:
    """The in-scope usage events of ``span`` per local day and metric code."""
    u, c, s = t.usage_events, t.customers, t.subscriptions
    # An event is of its subscription's mode (live without one).
    live = func.coalesce(s.c.livemode, true())
    stmt = (
        select(u.c.subscription_id, u.c.metric_code, u.c.quantity, u.c.timestamp)
        .select_from(
            u.outerjoin(s, and_(s.c.tenant_id == u.c.tenant_id, s.c.id == u.c.subscription_id))
        )
        .where(
            u.c.tenant_id == ctx.tenant_id,
            # IN over the tenant's customers: walks the (tenant, customer, timestamp) index.
            u.c.customer_id.in_(select(c.c.id).where(c.c.tenant_id == ctx.tenant_id)),
            u.c.timestamp >= span.start,
            u.c.timestamp < span.end,
            live.is_(ctx.filters.livemode),
        )
    )
    scope = record_scope(ctx)
    days: UsageDays = {}
    for row in ctx.conn.execute(stmt):
        if scope.includes(row.subscription_id, row.timestamp):
            group = (local_date(row.timestamp, ctx.timezone), row.metric_code)
            quantity, events = days.get(group, (0, 0))
            days[group] = (quantity + row.quantity, events + 1)
    return days


def _usage(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    where = Buckets(buckets)
    sums: list[dict[str, int]] = [defaultdict(int) for _ in buckets]
    events = [0] * len(buckets)
    codes: set[str] = set()
    for (day, code), (quantity, n) in _usage_days(ctx, covering(buckets, ctx.now)).items():
        k = where.index(day)
        if k is None:
            continue
        sums[k][code] += quantity
        events[k] += n
        codes.add(code)
    order = sorted(codes)
    return [
        {"usage": {code: Fraction(s.get(code, 0)) for code in order}, "usage_events": n}
        for s, n in zip(sums, events, strict=True)
    ]


class _CallCells:
    """Per part of the metric and bucket: calls, answered calls, billed seconds and the cost
    (whole days already summed by the series in ``1/RATE_SCALE`` reporting micros, other groups
    in a tally, made only for the cells that have some)."""

    def __init__(self, buckets: Sequence[Bucket]) -> None:
        size = len(buckets)
        self.size = size
        self.where = Buckets(buckets)
        self.counts = {p: [0] * size for p in PARTS}
        self.answered = {p: [0] * size for p in PARTS}
        self.seconds = {p: [0] * size for p in PARTS}
        self.scaled = {p: [0] * size for p in PARTS}
        self.tallies: dict[str, list[Tally | None]] = {p: [None] * size for p in PARTS}

    def add_whole(self, k: int, whole: Whole) -> None:
        counts = whole.counts
        for p in PARTS:
            cost = figure(p, COST)
            self.counts[p][k] += counts[cost]
            self.answered[p][k] += counts[figure(p, ANSWERED)]
            self.seconds[p][k] += counts[figure(p, SECONDS)]
            self.scaled[p][k] += whole.scaled[cost]

    def add_group(self, g: partner_queries.CallGroup) -> None:
        k = self.where.index(g.day)
        if k is None:
            return
        for p in ("", f"{g.direction}_", f"{g.product}_"):
            self.counts[p][k] += g.calls
            self.answered[p][k] += g.calls if g.answered else 0
            self.seconds[p][k] += g.billed_seconds
            tally = self.tallies[p][k]
            if tally is None:
                tally = self.tallies[p][k] = Tally()
            tally.sums[(g.currency, g.day)] += g.cost
            tally.counts[(g.currency, g.day)] += g.calls

    def cost(self, money: Money, p: str, k: int) -> int:
        """The cost of part ``p`` in bucket ``k``, rounded once."""
        tally = self.tallies[p][k]
        if tally is None:
            return money.rounded(self.scaled[p][k])
        return money.amount(tally, self.scaled[p][k])


def _call_cells(ctx: Context, buckets: Sequence[Bucket]) -> _CallCells:
    """The calls of each bucket: whole days from the running totals (``call_series``) and the
    pieces of days at the edges from the raw rows; every group from the roll-up when a whole day
    lacks a rate (the conversion then raises the error naming it)."""
    f = ctx.filters
    cells = _CallCells(buckets)
    if not f.livemode:
        return cells
    span = covering(buckets, ctx.now)
    parts = split(span, ctx.timezone)
    groups: list[partner_queries.CallGroup] = []
    if parts.first is not None and parts.last is not None:
        series = call_series(ctx.conn, ctx.tenant_id, f.partner_id, ctx.currency, f.currency)
        wholes = series.per_bucket(buckets, parts.first, parts.last)
        if wholes is None:
            groups = partner_queries.call_day_groups(
                ctx.conn, ctx.tenant_id, f.partner_id, parts.first, parts.last
            )
        else:
            for k, whole in enumerate(wholes):
                cells.add_whole(k, whole)
    groups += partner_queries.piece_groups(
        ctx.conn, ctx.tenant_id, f.partner_id, parts.pieces, ctx.timezone
    )
    for g in groups:
        if f.currency is None or g.currency == f.currency:
            cells.add_group(g)
    return cells


def _calls(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    return _call_rows(ctx, _call_cells(ctx, buckets))


def _call_rows(ctx: Context, cells: _CallCells) -> list[Row]:
    money = Money(ctx)
    rows: list[Row] = []
    for k in range(cells.size):
        row: Row = {}
        for p in PARTS:
            row[f"{p}calls"] = cells.counts[p][k]
            row[f"{p}answered_calls"] = cells.answered[p][k]
            row[f"{p}minutes"] = Fraction(cells.seconds[p][k] * MICROS, 60)
            row[f"{p}cost"] = cells.cost(money, p, k)
        rows.append(row)
    return rows


USAGE = register(
    Metric(
        "usage",
        "Usage",
        (Field("usage", "breakdown", "quantity"), Field("usage_events", "count")),
        _usage,
        "Metered usage per metric code: the quantities of the usage events in the bucket.",
    )
)
CALLS = register(
    Metric(
        "calls",
        "Calls",
        tuple(
            f
            for p in PARTS
            for f in (
                Field(f"{p}calls", "count"),
                Field(f"{p}answered_calls", "count"),
                Field(f"{p}minutes", "quantity"),
                Field(f"{p}cost", "money"),
            )
        ),
        _calls,
        "Calls started in the bucket: count, answered, billed minutes and cost, in total, by "
        "direction and by telephony product (optionally one partner's).",
    )
)
