"""The native ``invoices`` metric from the daily roll-ups (no product or plan filter).

Flows (issued, paid, fallen overdue) of whole local days come from ``invoice_days`` and
``invoice_event_days``; levels (outstanding, overdue balance) at a bucket's end are running
totals of those days:

- outstanding at instant *e* = non-void invoices issued before *e*, less the paid ones whose
  issue and payment are both before *e* (event ``closed``);
- overdue balance at *e* = non-void invoices due before *e* (event ``due``; due is never before
  issue), less the paid ones whose due instant and payment are both before *e* (``due_closed``).

Pieces of days (the span's edges, a level read at ``now``) take the invoices issued, paid or due
in the piece from the raw rows (by the issue, payment and due indexes).  Every figure equals
:func:`billstats.metrics.native_invoices` over the raw rows.

The flows of whole days are summed once per data revision into running totals in the answer's
currency (:class:`~billstats.metrics.flow_series.DaySeries`, the same exact integer conversion as
the tallies'), so a bucket's whole days are two subtractions instead of a walk over every
(currency, day) group of the history.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from billstats.db import tables as t
from billstats.metrics import derived, shared_rates
from billstats.metrics.calendar import Span, day_start, local_date
from billstats.metrics.flow_series import DaySeries, Whole
from billstats.metrics.native_support import Buckets, Part, covering, level_instants
from billstats.metrics.registry import Bucket, Context
from billstats.metrics.rollup_days import split
from billstats.metrics.rollup_flows import add
from billstats.metrics.tally import Tally

DRAFT, PAID, VOID = "draft", "paid", "void"
UNPAID = ("open", "uncollectible")
_TICK = timedelta(microseconds=1)
Level = dict[str, list[int]]  # currency -> [count, micros]


def _filters(ctx: Context, table: Any) -> list[Any]:
    where = [table.c.tenant_id == ctx.tenant_id, table.c.livemode.is_(ctx.filters.livemode)]
    if ctx.filters.currency is not None:
        where.append(table.c.currency == ctx.filters.currency)
    return where


def _touching(ctx: Context, piece: Span) -> list[Any]:
    """The invoices (not draft, in scope) issued, paid or due in ``piece``."""
    i = t.invoices
    due = func.coalesce(i.c.due_at, i.c.issued_at).label("due")
    cols = (i.c.id, i.c.currency, i.c.status, i.c.total, i.c.issued_at, i.c.paid_at, due)
    where = [*_filters(ctx, i), i.c.status != DRAFT]
    found: dict[str, Any] = {}
    for column in (i.c.issued_at, i.c.paid_at, i.c.due_at):
        stmt = select(*cols).where(*where, column >= piece.start, column < piece.end)
        for row in ctx.conn.execute(stmt):
            found[row.id] = row
    return list(found.values())


DaySums = dict[str, list[tuple[str, date, int, int]]]


def _day_sums(ctx: Context) -> DaySums:
    """Per roll-up measure: (currency, day, invoices, total) of every local day."""
    d, e = t.invoice_days, t.invoice_event_days
    out: DaySums = defaultdict(list)
    issued = (
        select(d.c.currency, d.c.day, d.c.status, func.sum(d.c.invoices), func.sum(d.c.total))
        .where(*_filters(ctx, d), d.c.status != DRAFT)
        .group_by(d.c.currency, d.c.day, d.c.status)
    )
    for currency, day, status, n, total in ctx.conn.execute(issued):
        row = (currency, day, int(n), int(total))
        out["issued"].append(row)
        if status != VOID:
            out["open"].append(row)
    events = select(e.c.event, e.c.currency, e.c.day, e.c.invoices, e.c.total).where(
        *_filters(ctx, e)
    )
    for event, currency, day, n, total in ctx.conn.execute(events):
        out[event].append((currency, day, int(n), int(total)))
    return out


@dataclass(frozen=True)
class History:
    """The roll-ups' days of one mode (and currency filter) and their running totals."""

    sums: DaySums
    levels: Levels


def history(ctx: Context) -> History:
    """The tenant's invoice days, shared per data revision (``billstats.metrics.derived``): a
    request reads only the days it needs from them, and the levels at any day are running
    totals from the first day on, so every request would otherwise read the whole history."""
    snap = derived.snapshot(ctx.conn, ctx.tenant_id)

    def make() -> tuple[History, int]:
        sums = _day_sums(ctx)
        rows = sum(len(v) for v in sums.values())
        return History(dict(sums), Levels(sums)), 300 * rows + 1024

    name = ("invoice_history", ctx.filters.livemode, ctx.filters.currency)
    return derived.from_database(ctx.conn, snap, name, make)


def _piece_events(row: Any) -> list[tuple[str, datetime]]:
    """The instants at which an invoice enters each measure (as the roll-ups count it)."""
    if row.status == PAID and row.paid_at is None:
        return []  # cannot happen (ingest requires paid_at), but never guess an instant
    out = [("issued", row.issued_at)]
    if row.status == VOID:
        return out
    out += [("open", row.issued_at), ("due", row.due)]
    if row.status in UNPAID:
        out.append(("overdue", row.due))
    elif row.status == PAID:
        paid = row.paid_at
        out += [("paid", paid), ("closed", max(row.issued_at, paid))]
        out.append(("due_closed", max(row.due, paid)))
        if paid > row.due:
            out.append(("overdue", row.due))
    return out


class Levels:
    """Running totals per measure and currency over the days with invoices."""

    def __init__(self, sums: DaySums) -> None:
        self._days: dict[tuple[str, str], list[date]] = {}
        self._totals: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for measure in ("open", "closed", "due", "due_closed"):
            per: dict[str, dict[date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
            for currency, day, n, total in sums.get(measure, ()):
                v = per[currency][day]
                v[0] += n
                v[1] += total
            for currency, days in per.items():
                ordered = sorted(days)
                running, totals = [0, 0], []
                for day in ordered:
                    running = [running[0] + days[day][0], running[1] + days[day][1]]
                    totals.append((running[0], running[1]))
                self._days[(measure, currency)] = ordered
                self._totals[(measure, currency)] = totals

    def through(self, measure: str, day: date) -> Level:
        """Per currency, [count, micros] of the measure's days up to ``day``."""
        out: Level = {}
        for (m, currency), days in self._days.items():
            if m != measure:
                continue
            i = bisect_right(days, day)
            if i:
                count, micros = self._totals[(m, currency)][i - 1]
                out[currency] = [count, micros]
        return out


FLOWS = ("issued", "paid", "overdue")


def series(ctx: Context) -> DaySeries:
    """The flows (``FLOWS`` order) of the whole days of :func:`history` as running totals in the
    answer's currency (every currency converted on its day, or the filter's currency alone),
    shared per data revision, mode, filter and reporting currency."""
    f = ctx.filters
    snap = derived.snapshot(ctx.conn, ctx.tenant_id)
    found = history(ctx)
    converter = None
    if f.currency is None:
        converter = shared_rates.converter(ctx.conn, snap, ctx.currency)

    def build() -> tuple[DaySeries, int]:
        groups = [
            (k, day, currency, total, n)
            for k, name in enumerate(FLOWS)
            for currency, day, n, total in found.sums.get(name, ())
        ]
        made = DaySeries(len(FLOWS), groups, f.currency or ctx.currency, converter)
        return made, made.nbytes

    key = ("invoice_series", f.livemode, f.currency, ctx.currency)
    return derived.derived(snap, key, build)


def invoice_parts(ctx: Context, buckets: Sequence[Bucket]) -> dict[str, list[Part]]:
    """Per figure (issued, paid, overdue, open, past_due), one part per bucket: the flows' whole
    days already summed from :func:`series`, everything else (pieces of days at the span's
    edges, the levels) as tallies.  When a whole day lacks a rate, all of it as tallies (so the
    missing-rate error names the group the conversion meets first, as before)."""
    span = covering(buckets, ctx.now)
    parts = split(span, ctx.timezone)
    wholes: list[Whole] | None = None
    if parts.first is not None and parts.last is not None:
        wholes = series(ctx).per_bucket(buckets, parts.first, parts.last)
    tallies = invoice_tallies(ctx, buckets, whole_days=wholes is None)
    out = {name: [Part(x) for x in found_tallies] for name, found_tallies in tallies.items()}
    if wholes is not None:
        for k, name in enumerate(FLOWS):
            for part, whole in zip(out[name], wholes, strict=True):
                part.scaled, part.count = whole.scaled[k], whole.counts[k]
    return out


def invoice_tallies(
    ctx: Context, buckets: Sequence[Bucket], *, whole_days: bool = True
) -> dict[str, list[Tally]]:
    """Per figure (issued, paid, overdue, open, past_due), one tally per bucket (without the
    flows' whole days unless ``whole_days``: :func:`invoice_parts` has them summed)."""
    tz = ctx.timezone
    span = covering(buckets, ctx.now)
    where = Buckets(buckets)
    out = {name: [Tally() for _ in buckets] for name in ("issued", "paid", "overdue")}
    ends = level_instants(buckets, ctx.now)
    end_days = [local_date(e - _TICK, tz) for e in ends]
    parts = split(span, tz)
    found = history(ctx)
    sums = found.sums
    for name in out if whole_days else ():  # whole days of the span
        for currency, day, n, total in sums.get(name, ()):
            if parts.first is not None and parts.last is not None:
                k = where.index(day) if parts.first <= day <= parts.last else None
                if k is not None:
                    add(out[name][k], currency, day, total, n)
    if parts.first is not None and parts.last is not None:
        _prepaid(ctx, sums, parts.first, parts.last, span, where, out["paid"])
    for piece in parts.pieces:  # and the pieces of days at its edges
        for row in _touching(ctx, piece):
            if row.issued_at >= span.end:
                continue  # (paid before issued, issued after the span: not in the figures)
            for name, at in _piece_events(row):
                if name in out and piece.contains(at):
                    k = where.index(local_date(at, tz))
                    if k is not None:
                        out[name][k].add(row.currency, local_date(at, tz), row.total)
    levels = found.levels
    opened: list[Tally] = []
    past: list[Tally] = []
    for end, day in zip(ends, end_days, strict=True):
        whole = day_start(day + timedelta(days=1), tz) == end
        through = day if whole else day - timedelta(days=1)
        level = {m: levels.through(m, through) for m in ("open", "closed", "due", "due_closed")}
        if not whole:  # the piece of ``day`` before ``end`` (a level read at now)
            for row in _touching(ctx, Span(day_start(day, tz), end)):
                for name, at in _piece_events(row):
                    if name in level and day_start(day, tz) <= at < end:
                        v = level[name].setdefault(row.currency, [0, 0])
                        v[0] += 1
                        v[1] += row.total
        opened.append(_level(level["open"], level["closed"], day))
        past.append(_level(level["due"], level["due_closed"], day))
    return {**out, "open": opened, "past_due": past}


def _prepaid(
    ctx: Context,
    sums: DaySums,
    first: date,
    last: date,
    span: Span,
    where: Buckets,
    paid: list[Tally],
) -> None:
    """Take back from the paid flow the invoices paid in the span but issued after its end
    (paid before they were issued: the figures only know invoices issued by the span's end)."""
    days = sorted({day for _, day, _, _ in sums.get("prepaid", ()) if first <= day <= last})
    if not days:
        return  # the usual case: no invoice of these days was paid before it was issued
    i = t.invoices
    tz = ctx.timezone
    for day in days:
        stmt = select(i.c.currency, i.c.total, i.c.paid_at).where(
            *_filters(ctx, i),
            i.c.status == PAID,
            i.c.paid_at >= day_start(day, tz),
            i.c.paid_at < day_start(day + timedelta(days=1), tz),
            i.c.issued_at >= span.end,
        )
        for currency, total, paid_at in ctx.conn.execute(stmt):
            k = where.index(day)
            if k is not None:
                add(paid[k], currency, local_date(paid_at, tz), -total, -1)


def _level(added: Level, removed: Level, day: date) -> Tally:
    tally = Tally()
    for currency in sorted(added.keys() | removed.keys()):
        a, r = added.get(currency, [0, 0]), removed.get(currency, [0, 0])
        n, micros = a[0] - r[0], a[1] - r[1]
        if n:
            add(tally, currency, day, micros, n)
    return tally
