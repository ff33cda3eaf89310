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
from billstats.metrics.native_support import Buckets, Money, covering, record_scope
from billstats.metrics.partner import DIRECTIONS, PRODUCTS
from billstats.metrics.registry import Bucket, Context, Field, Metric, Row, register
from billstats.metrics.rollup_days import split
from billstats.metrics.tally import Tally
from billstats.money import MICROS

PARTS = ("", *(f"{name}_" for name in (*DIRECTIONS, *PRODUCTS)))


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


def _call_groups(ctx: Context, span: Span) -> list[partner_queries.CallGroup]:
    """The calls started in ``span`` grouped by local day (and direction, product, currency,
    answered), loaded once per request (whole days from the daily roll-up)."""
    key = ("native_usage.calls", span.start, span.end)
    if key not in ctx.cache:
        ctx.cache[key] = partner_queries.call_groups_in(
            ctx.conn, ctx.tenant_id, ctx.filters.partner_id, span, ctx.timezone
        )
    result: list[partner_queries.CallGroup] = ctx.cache[key]
    return result


def _calls(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
    size = len(buckets)
    counts = {p: [0] * size for p in PARTS}
    answered = {p: [0] * size for p in PARTS}
    seconds = {p: [0] * size for p in PARTS}
    costs = {p: [Tally() for _ in buckets] for p in PARTS}
    where = Buckets(buckets)
    groups = _call_groups(ctx, covering(buckets, ctx.now)) if ctx.filters.livemode else []
    for g in groups:
        if ctx.filters.currency is not None and g.currency != ctx.filters.currency:
            continue
        k = where.index(g.day)
        if k is None:
            continue
        for part in ("", f"{g.direction}_", f"{g.product}_"):
            counts[part][k] += g.calls
            answered[part][k] += g.calls if g.answered else 0
            seconds[part][k] += g.billed_seconds
            costs[part][k].sums[(g.currency, g.day)] += g.cost
            costs[part][k].counts[(g.currency, g.day)] += g.calls
    money = Money(ctx)
    rows: list[Row] = []
    for k in range(size):
        row: Row = {}
        for p in PARTS:
            row[f"{p}calls"] = counts[p][k]
            row[f"{p}answered_calls"] = answered[p][k]
            row[f"{p}minutes"] = Fraction(seconds[p][k] * MICROS, 60)
            row[f"{p}cost"] = money.amount(costs[p][k])
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
