"""Property tests: every daily roll-up equals a recomputation from the raw rows, after any
sequence of writes through the API.

Random sequences of bulk imports (new rows, rows already stored — a re-import overlapping
stored data — and both mixed in one chunk), single ``PUT``\\s, customers moving between
reseller partners, payments changing any field (day, currency, mode, status, invoice,
subscription, affiliate), refunds, and invoices gaining or losing their subscription, in zones
with DST and a 45-minute offset.  After every step the roll-up tables of the tenant are
compared with sums recomputed here, naively, from the raw rows (each record on its tenant-local
day).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, Table, select

from billstats.db import tables as t
from billstats.db.dialect import read_transaction
from billstats.metrics import (
    dashboard,
    dashboard_shared,
    derived,
    invoices,
    native_flows,
    native_invoices,
    native_usage,
    overview,
    partner_queries,
    rollup_flows,
    rollup_invoices,
    sales,
    shared_rates,
)
from billstats.metrics.attribution import Attribution
from billstats.metrics.calendar import Span, day_start, local_date
from billstats.metrics.fx import Converter, MissingRate
from billstats.metrics.mrr import MrrHistory
from billstats.metrics.native_support import Money, Part, covering
from billstats.metrics.pricing import round_minor_scaled
from billstats.metrics.registry import Context, Filters, make_buckets
from billstats.metrics.tally import Tally
from billstats.tenants.schemas import Tenant
from tests.conftest import LiveServer, make_tenant

ZONES = ["UTC", "America/New_York", "Asia/Kathmandu"]
START = datetime(2025, 3, 8, tzinfo=UTC)  # New York's clocks go forward on Mar 9
CUSTOMERS = [f"c{i}" for i in range(5)]
PARTNERS = [None, "p1", "p2"]
CALLS = 60
TABLES = (
    t.call_days,
    t.call_account_days,
    t.wallet_totals,
    t.payment_days,
    t.refund_days,
    t.invoice_days,
    t.usage_days,
    t.invoice_event_days,
)
WALLET_TXS = 30


def call(n: int) -> dict[str, Any]:
    """Call record ``n``: the same content whenever it is sent again (append-only)."""
    billed = (n * 37) % 900
    return {
        "id": f"call-{n}",
        "account_id": CUSTOMERS[n % len(CUSTOMERS)],
        "direction": "inbound" if n % 3 == 0 else "outbound",
        "product": "sip_trunking" if n % 2 else "voice_api",
        "started_at": (START + timedelta(minutes=97 * n)).isoformat(),
        "duration_seconds": billed,
        "billed_seconds": billed,
        "answered": n % 5 != 0,
        "cost": f"{n * 0.0137:.4f}",
        "currency": "USD" if n % 4 else "EUR",
    }


def wallet_tx(n: int) -> dict[str, Any]:
    return {
        "id": f"wtx-{n}",
        "wallet_id": f"w{n % 3}",
        "amount": f"{(n - 9) * 1.25 or 2:.2f}",
        "created_at": (START + timedelta(hours=7 * n)).isoformat(),
    }


@st.composite
def payment(draw: st.DrawFn) -> dict[str, Any]:
    """A payment of customer c0 (upserted: any field may change between writes)."""
    n = draw(st.integers(0, 3))
    data: dict[str, Any] = {
        "id": f"pay-{n}",
        "customer_id": "c0",
        "amount": f"{draw(st.integers(100, 5000)) / 100:.2f}",
        "currency": draw(st.sampled_from(["USD", "USD", "EUR"])),
        "status": draw(st.sampled_from(["succeeded", "succeeded", "failed", "pending"])),
        "fee_amount": f"{draw(st.integers(0, 99)) / 100:.2f}",
        "created_at": (START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 4)))).isoformat(),
        "livemode": draw(st.booleans()),
    }
    link = draw(st.sampled_from(["none", "invoice", "subscription"]))
    if link != "none" and data["currency"] == "USD":  # invoices and subscription are in USD
        if link == "invoice":
            data["invoice_id"] = f"inv-{draw(st.integers(0, 2))}"
        else:
            data["subscription_id"] = "sub-0"
    if draw(st.booleans()):
        data["affiliate_id"] = draw(st.sampled_from(["a1", "a2"]))
        data["affiliate_commission"] = f"{draw(st.integers(0, 99)) / 100:.2f}"
    return data


USAGE = 40


def usage(n: int) -> dict[str, Any]:
    """Usage event ``n`` (append-only: the same content whenever it is sent again)."""
    return {
        "id": f"use-{n}",
        "customer_id": "c0",
        "subscription_id": None if n % 3 == 0 else "sub-0",
        "metric_code": "api_calls" if n % 2 else "storage_gb",
        "quantity": f"{n * 0.25:.2f}",
        "timestamp": (START + timedelta(minutes=53 * n)).isoformat(),
    }


@st.composite
def invoice(draw: st.DrawFn) -> dict[str, Any]:
    """An invoice of customer c0 in any state (upserted: it may change between writes)."""
    n = draw(st.integers(3, 7))
    issued = START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 4)))
    status = draw(st.sampled_from(["draft", "open", "paid", "paid", "void", "uncollectible"]))
    data: dict[str, Any] = {
        "id": f"inv-{n}",
        "customer_id": "c0",
        "currency": draw(st.sampled_from(["USD", "EUR"])),
        "status": status,
        "issued_at": issued.isoformat(),
        "lines": [{"type": "one_time", "amount": f"{n}.50"}],
        "total": f"{n}.50",
        "livemode": draw(st.booleans()),
    }
    if draw(st.booleans()):
        data["due_at"] = (issued + timedelta(minutes=draw(st.integers(0, 60 * 48)))).isoformat()
    if status == "paid":  # sometimes before it was issued
        data["paid_at"] = (issued + timedelta(minutes=draw(st.integers(-600, 60 * 72)))).isoformat()
    return data


Step = tuple[str, Any]

call_steps = st.one_of(
    st.tuples(st.just("calls"), st.lists(st.integers(0, CALLS - 1), min_size=1, max_size=25)),
    st.tuples(st.just("call"), st.integers(0, CALLS - 1)),
    st.tuples(st.just("partner"), st.tuples(st.sampled_from(CUSTOMERS), st.sampled_from(PARTNERS))),
    st.tuples(st.just("wallet"), st.lists(st.integers(0, WALLET_TXS - 1), min_size=1, max_size=10)),
    st.tuples(st.just("usage"), st.lists(st.integers(0, USAGE - 1), min_size=1, max_size=15)),
    st.tuples(st.just("mode"), st.booleans()),
)
payment_steps = st.one_of(
    st.tuples(st.just("payments"), st.lists(payment(), min_size=1, max_size=4)),
    st.tuples(
        st.just("refund"),
        st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(1, 100), st.integers(0, 5000)),
    ),
    st.tuples(st.just("invoice"), st.tuples(st.integers(0, 2), st.booleans())),
    st.tuples(st.just("invoices"), st.lists(invoice(), min_size=1, max_size=4)),
)


def _import(client: httpx.Client, lines: list[tuple[str, dict[str, Any]]]) -> None:
    body = "\n".join(json.dumps({"kind": k, "data": d}) for k, d in lines).encode()
    response = client.post("/v1/import", content=body)
    assert response.status_code == 200, response.text


def _setup(client: httpx.Client) -> None:
    lines: list[tuple[str, dict[str, Any]]] = [
        ("partners", {"id": p, "name": p, "slug": p, "created_at": START.isoformat()})
        for p in PARTNERS
        if p is not None
    ]
    lines += [
        ("customers", {"id": c, "name": c, "created_at": START.isoformat(), "partner_id": "p1"})
        for c in CUSTOMERS
    ]
    lines += [("wallets", {"id": f"w{i}", "customer_id": CUSTOMERS[i], "currency": "USD"})
              for i in range(3)]  # fmt: skip
    lines += [
        ("products", {"id": "prod", "name": "P"}),
        ("plans", {"id": "plan", "product_id": "prod", "name": "M", "currency": "USD",
                   "amount": "10.00", "interval_unit": "month"}),
        ("affiliates", {"id": "a1", "name": "A1"}),
        ("affiliates", {"id": "a2", "name": "A2"}),
        ("subscriptions", {"id": "sub-0", "customer_id": "c0", "plan_id": "plan",
                           "status": "active", "started_at": START.isoformat()}),
    ]  # fmt: skip
    lines += [("invoices", _invoice(i, i == 0)) for i in range(3)]
    # EUR rates on two days, carried a week: some windows convert, others miss a rate
    first = START.date()
    lines += [
        ("fx_rates", {"currency": "EUR", "date": (first + timedelta(days=n)).isoformat(),
                      "rate": rate})
        for n, rate in ((0, "1.0837"), (1, "1.1"))
    ]  # fmt: skip
    _import(client, lines)


def _invoice(n: int, subscribed: bool) -> dict[str, Any]:
    """Invoice ``n`` (its status, reason and issue instant follow whether it is subscribed)."""
    return {
        "id": f"inv-{n}",
        "customer_id": "c0",
        "subscription_id": "sub-0" if subscribed else None,
        "currency": "USD",
        "status": "open" if subscribed else "uncollectible",
        "billing_reason": "subscription_cycle" if subscribed else "manual",
        "issued_at": (START + timedelta(hours=13 * n + 17 * subscribed)).isoformat(),
        "due_at": (START + timedelta(days=1 + n)).isoformat() if n else None,
        "lines": [{"type": "subscription", "amount": "10.00"}],
        "total": "10.00",
    }


def _apply(client: httpx.Client, step: Step) -> None:
    kind, arg = step
    if kind == "calls":
        _import(client, [("call_records", call(n)) for n in sorted(set(arg))])
    elif kind == "call":
        data = call(arg)
        response = client.put(f"/v1/call_records/{data.pop('id')}", json=data)
        assert response.status_code in (200, 201), response.text
    elif kind == "partner":
        customer, partner = arg
        body = {"name": customer, "created_at": START.isoformat(), "partner_id": partner}
        response = client.put(f"/v1/customers/{customer}", json=body)
        assert response.status_code in (200, 201), response.text
    elif kind == "wallet":
        _import(client, [("wallet_transactions", wallet_tx(n)) for n in sorted(set(arg))])
    elif kind == "usage":
        _import(client, [("usage_events", usage(n)) for n in sorted(set(arg))])
    elif kind == "mode":  # sub-0 changes mode from now on: its events change mode
        body = {"customer_id": "c0", "plan_id": "plan", "status": "active",
                "started_at": START.isoformat(), "livemode": arg}  # fmt: skip
        response = client.put("/v1/subscriptions/sub-0", json=body)
        assert response.status_code in (200, 201), response.text
    elif kind == "invoices":
        lines = "\n".join(json.dumps({"kind": "invoices", "data": i}) for i in arg).encode()
        response = client.post("/v1/import", content=lines)
        assert response.status_code == 200, response.text
    elif kind == "payments":  # a rejected write (e.g. refunds above the amount) changes nothing
        lines = "\n".join(json.dumps({"kind": "payments", "data": p}) for p in arg).encode()
        assert client.post("/v1/import", content=lines).status_code in (200, 422)
    elif kind == "refund":
        n, pay, cents, minutes = arg
        data = {
            "payment_id": f"pay-{pay}",
            "amount": f"{cents / 100:.2f}",
            "created_at": (START + timedelta(minutes=minutes * 2)).isoformat(),
        }
        response = client.put(f"/v1/refunds/ref-{n}", json=data)
        assert response.status_code in (200, 201, 404, 422), response.text
    else:
        n, subscribed = arg
        data = _invoice(n, subscribed)
        response = client.put(f"/v1/invoices/{data.pop('id')}", json=data)
        assert response.status_code in (200, 201), response.text


def _stored(conn: Any, table: Table, tenant_id: int) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    key = [c for c in table.primary_key.columns if c.name != "tenant_id"]
    values = [c for c in table.columns if not c.primary_key]
    rows = conn.execute(select(*key, *values).where(table.c.tenant_id == tenant_id)).all()
    return {tuple(r[: len(key)]): tuple(r[len(key) :]) for r in rows}


def _expected(conn: Any, tenant_id: int, tz: ZoneInfo) -> dict[str, dict[Any, Any]]:
    """The roll-ups recomputed from the raw rows."""
    c, cu = t.call_records, t.customers
    partner_of = dict(
        conn.execute(select(cu.c.id, cu.c.partner_id).where(cu.c.tenant_id == tenant_id)).all()
    )
    per_partner: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    per_account: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in conn.execute(select(c).where(c.c.tenant_id == tenant_id)).mappings():
        day = r["started_at"].astimezone(tz).date()
        partner = partner_of[r["account_id"]] or ""
        key = (partner, day, r["direction"], r["product"], r["currency"], r["answered"])
        for sums, k in ((per_partner, key), (per_account, (r["account_id"], day, r["currency"]))):
            sums[k][0] += 1
            sums[k][1] += r["billed_seconds"]
            sums[k][2] += r["cost"]
    x = t.wallet_transactions
    wallets: dict[tuple[Any, ...], list[Any]] = {}
    for r in conn.execute(select(x).where(x.c.tenant_id == tenant_id)).mappings():
        w = wallets.setdefault((r["wallet_id"],), [0, 0, r["created_at"]])
        w[0] += r["amount"]
        w[1] += 1
        w[2] = max(w[2], r["created_at"])
    p, i, r = t.payments, t.invoices, t.refunds
    invoice_sub = dict(
        conn.execute(select(i.c.id, i.c.subscription_id).where(i.c.tenant_id == tenant_id)).all()
    )
    payments: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    pays: dict[str, Any] = {}
    for row in conn.execute(select(p).where(p.c.tenant_id == tenant_id)).mappings():
        pays[row["id"]] = row
        recurring = row["subscription_id"] is not None or (
            row["invoice_id"] is not None and invoice_sub[row["invoice_id"]] is not None
        )
        key = (
            row["created_at"].astimezone(tz).date(),
            row["currency"],
            row["livemode"],
            row["status"],
            recurring,
            row["affiliate_id"] or "",
        )
        for n, v in enumerate((1, row["amount"], row["fee_amount"], row["affiliate_commission"])):
            payments[key][n] += v
    refunds: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for row in conn.execute(select(r).where(r.c.tenant_id == tenant_id)).mappings():
        pay = pays[row["payment_id"]]
        day = row["created_at"].astimezone(tz).date()
        refunds[(day, pay["currency"], pay["livemode"])][0] += 1
        refunds[(day, pay["currency"], pay["livemode"])][1] += row["amount"]
    s_, u = t.subscriptions, t.usage_events
    mode = dict(
        conn.execute(select(s_.c.id, s_.c.livemode).where(s_.c.tenant_id == tenant_id)).all()
    )
    used: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for row in conn.execute(select(u).where(u.c.tenant_id == tenant_id)).mappings():
        live = True if row["subscription_id"] is None else mode[row["subscription_id"]]
        ukey = (row["timestamp"].astimezone(tz).date(), row["metric_code"], live)
        used[ukey][0] += 1
        used[ukey][1] += row["quantity"]
    invoices: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for row in conn.execute(select(i).where(i.c.tenant_id == tenant_id)).mappings():
        ikey = (
            row["issued_at"].astimezone(tz).date(),
            row["currency"],
            row["livemode"],
            row["status"],
            row["billing_reason"],
        )
        invoices[ikey][0] += 1
        invoices[ikey][1] += row["total"]
    events: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for row in conn.execute(select(i).where(i.c.tenant_id == tenant_id)).mappings():
        for event, at in _invoice_events(row):
            ekey = (at.astimezone(tz).date(), row["currency"], row["livemode"], event)
            events[ekey][0] += 1
            events[ekey][1] += row["total"]
    return {
        "invoice_event_days": {k: tuple(v) for k, v in events.items()},
        "usage_days": {k: tuple(v) for k, v in used.items()},
        "invoice_days": {k: tuple(v) for k, v in invoices.items()},
        "payment_days": {k: tuple(v) for k, v in payments.items()},
        "refund_days": {k: tuple(v) for k, v in refunds.items()},
        "call_days": {k: tuple(v) for k, v in per_partner.items()},
        "call_account_days": {k: tuple(v) for k, v in per_account.items()},
        "wallet_totals": {k: tuple(v) for k, v in wallets.items()},
    }


def _invoice_events(row: Any) -> list[tuple[str, datetime]]:
    """The roll-up events of an invoice, spelled out from their definitions."""
    status, issued, paid = row["status"], row["issued_at"], row["paid_at"]
    due = row["due_at"] or issued
    out: list[tuple[str, datetime]] = []
    if status not in ("draft", "void"):
        out.append(("due", due))
    if status in ("open", "uncollectible") or (status == "paid" and paid > due):
        out.append(("overdue", due))
    if status == "paid":
        out += [("paid", paid), ("closed", max(issued, paid)), ("due_closed", max(due, paid))]
        if paid < issued:
            out.append(("prepaid", paid))
    return out


def _check(engine: Engine, tenant_id: int, tz: ZoneInfo, reads: bool = False) -> None:
    with read_transaction(engine) as conn:
        expected = _expected(conn, tenant_id, tz)
        for table in TABLES:
            assert _stored(conn, table, tenant_id) == expected[table.name], table.name
        if reads:
            _check_reads(conn, tenant_id, tz)
        _check_usage(conn, tenant_id, tz)
        _check_call_metric(conn, tenant_id, tz)


def _same(tally: Tally) -> tuple[int, dict[Any, tuple[int, int]]]:
    """A tally's figures (groups left at zero by a correction are no figures)."""
    keys = tally.sums.keys() | tally.counts.keys()
    groups = {k: (tally.sums.get(k, 0), tally.counts.get(k, 0)) for k in keys}
    return tally.count, {k: v for k, v in groups.items() if v != (0, 0)}


def _check_invoice_metric(conn: Any, tenant_id: int, tz: ZoneInfo) -> None:
    """The native invoices metric from the roll-ups equals the one from the invoices."""
    first = START.astimezone(tz).date()
    for livemode, currency in ((True, None), (False, None), (True, "EUR")):
        filters = Filters(currency=currency, livemode=livemode)
        for days, interval, now_minutes in (
            (6, "day", 60 * 24 * 3 + 17),
            (9, "month", 60 * 24 * 9),
        ):
            now = START + timedelta(minutes=now_minutes)
            ctx = Context(conn, tenant_id, tz, "USD", filters, now)
            last = first + timedelta(days=days)
            buckets = make_buckets(first - timedelta(days=1), last, interval, tz, now)
            rolled = rollup_invoices.invoice_tallies(ctx, buckets)
            money, raw = native_invoices._load_rows(ctx, buckets)
            for name, mine in rolled.items():
                theirs = [p.tally for p in getattr(raw, name)]
                assert [_same(x) for x in mine] == [_same(x) for x in theirs], (name, livemode)
            # The figures shown: whole days from the running totals (or all from the tallies).
            parts = rollup_invoices.invoice_parts(ctx, buckets)
            shown = [_part_figures(money, p) for p in parts.values()]
            expected = [_part_figures(money, getattr(raw, name)) for name in parts]
            assert shown == expected, (livemode, currency, interval)


def _part_figures(money: Money, parts: list[Part]) -> list[Any]:
    """Each part's amount and count as shown (or the missing-rate error raised)."""
    try:
        return [(money.amount_of(p), money.count_of(p)) for p in parts]
    except MissingRate as exc:
        return [str(exc)]


def _figures(ctx: Context, per_bucket: list[native_flows.BucketFlows]) -> list[Any]:
    """Each bucket's figures as the metrics show them (or the missing-rate error they raise)."""
    money = Money(ctx)
    try:
        return [
            [(money.amount_of(p), money.count_of(p)) for p in vars(flows).values()]
            for flows in per_bucket
        ]
    except MissingRate as exc:
        return [str(exc)]


def _check_flow_metric(conn: Any, tenant_id: int, tz: ZoneInfo) -> None:
    """The native flow metrics from the running totals equal those from the tallies."""
    first = START.astimezone(tz).date()
    for livemode, currency in ((True, None), (False, None), (True, "EUR"), (True, "USD")):
        filters = Filters(currency=currency, livemode=livemode)
        for days, interval, now_minutes in (
            (6, "day", 60 * 24 * 3 + 17),
            (9, "month", 60 * 24 * 9),
            (3, "week", 60 * 24 * 30),
        ):
            now = START + timedelta(minutes=now_minutes)
            ctx = Context(conn, tenant_id, tz, "USD", filters, now)
            last = first + timedelta(days=days)
            buckets = make_buckets(first - timedelta(days=1), last, interval, tz, now)
            series = native_flows._from_series(ctx, buckets)
            tallies = _figures(ctx, native_flows._from_tallies(ctx, buckets))
            if series is None:  # a whole day without its rate: the tallies' error is shown
                assert isinstance(tallies[0], str), (livemode, currency, interval)
            else:
                assert _figures(ctx, series) == tallies, (livemode, currency, interval)


def _rows_or_error(compute: Any, *args: Any) -> list[Any] | str:
    try:
        rows: list[Any] = compute(*args)
        return rows
    except MissingRate as exc:
        return str(exc)


def _calls_from_raw(ctx: Context, buckets: list[Any]) -> list[Any]:
    """The calls metric from the call records themselves, grouped per local day."""
    span = covering(buckets, ctx.now)
    tz = ctx.timezone
    days = [local_date(span.start, tz)]
    while day_start(days[-1] + timedelta(days=1), tz) < span.end:
        days.append(days[-1] + timedelta(days=1))
    bounds = [day_start(d, tz) for d in (*days, days[-1] + timedelta(days=1))]
    f = ctx.filters
    found = partner_queries.call_groups(
        ctx.conn, ctx.tenant_id, f.partner_id, days, bounds, ctx.now
    )
    cells = native_usage._CallCells(buckets)
    for g in found if f.livemode else ():
        if f.currency in (None, g.currency):
            cells.add_group(g)
    return native_usage._call_rows(ctx, cells)


def _check_call_metric(conn: Any, tenant_id: int, tz: ZoneInfo) -> None:
    """The calls metric from the running totals (and the edges' raw rows) equals the one from
    the call records; GBP has no rate at all (every path raises the same error)."""
    first = START.astimezone(tz).date()
    cases = (
        (None, "USD", None, True),
        (None, "USD", "p1", True),
        ("EUR", "USD", None, True),
        ("USD", "USD", "p2", True),
        (None, "GBP", None, True),
        (None, "USD", None, False),
    )
    for currency, reporting, partner, livemode in cases:
        filters = Filters(currency=currency, partner_id=partner, livemode=livemode)
        for days, interval, now_minutes in (
            (6, "day", 60 * 24 * 3 + 17),
            (9, "month", 60 * 24 * 9),
            (3, "week", 60 * 24 * 30),
        ):
            now = START + timedelta(minutes=now_minutes)
            ctx = Context(conn, tenant_id, tz, reporting, filters, now)
            last = first + timedelta(days=days)
            buckets = make_buckets(first - timedelta(days=1), last, interval, tz, now)
            shown = _rows_or_error(native_usage._calls, ctx, buckets)
            expected = _rows_or_error(_calls_from_raw, ctx, buckets)
            assert shown == expected, (currency, reporting, partner, interval)


def _check_usage(conn: Any, tenant_id: int, tz: ZoneInfo) -> None:
    """The native usage metric's days from the roll-up equal those from the events."""
    for livemode in (True, False):
        ctx = Context(conn, tenant_id, tz, "USD", Filters(livemode=livemode), START)
        for lo, hi in ((-30, 60 * 24 * 3), (17, 60 * 24 + 5)):
            span = Span(START + timedelta(minutes=lo), START + timedelta(minutes=hi))
            assert native_usage._usage_days(ctx, span) == native_usage._usage_events(ctx, span)


def _tally(tally: Tally) -> tuple[int, dict[Any, int], dict[Any, int]]:
    return tally.count, dict(tally.sums), dict(tally.counts)


def _check_dashboard_sales(
    conn: Any, tenant: Tenant, span: Span, rolled: rollup_flows.Flows, paid: sales.Sales
) -> None:
    """The Pabbly dashboard's live figures (running totals of whole days plus the tallies of the
    rest; customers counted on the indexes) equal those of the roll-ups' tallies (equal to the
    records': checked above) and of the records."""
    fast, fast_refunded, whole = dashboard._sales_from_rollups(conn, tenant, span, tenant.zone)
    converter = shared_rates.converter(conn, derived.snapshot(conn, tenant.id), "USD")
    mine = (fast.onetime, fast.recurring, fast.fees, fast.affiliate_sales, fast.commissions)
    theirs = (rolled.onetime, rolled.recurring, rolled.fees, rolled.affiliate_sales)
    theirs += (rolled.commissions, rolled.refunds)
    for k, (a, b) in enumerate(zip((*mine, fast_refunded), theirs, strict=True)):
        assert _converted(converter, a, whole.scaled[k]) == _converted(converter, b, 0)
        assert a.count + whole.counts[k] == b.count
    assert fast.affiliates == paid.affiliates
    history = MrrHistory.load(conn, tenant.id, livemode=True)
    walk = Attribution(MrrHistory(history.segments, history.scope))  # no shared index: a walk
    expected = (len(paid.customers), len(walk.subscribed_customers(span) | paid.customers))
    assert dashboard._customer_counts(conn, tenant.id, history, span) == expected


def _attempt(compute: Any, *args: Any) -> int | str:
    try:
        result: int = compute(*args)
        return result
    except MissingRate as exc:
        return str(exc)


def _converted(converter: Converter, tally: Tally, scaled: int) -> int | str:
    try:
        return round_minor_scaled(converter.total_scaled(tally.entries()) + scaled, 10**12, "USD")
    except MissingRate as exc:
        return str(exc)


def _check_reads(conn: Any, tenant_id: int, tz: ZoneInfo) -> None:
    """What the read path takes from the roll-ups equals what the raw rows give."""
    tenant = Tenant(id=tenant_id, name="x", timezone=str(tz), currency="USD")
    for livemode in (True, False):
        everything = rollup_flows.everything(livemode)
        for lo, hi in ((-30, 60 * 24 * 6), (17, 60 * 24 * 2 + 5), (61, 62)):
            span = Span(START + timedelta(minutes=lo), START + timedelta(minutes=hi))
            rolled = rollup_flows.flows(conn, tenant_id, span, tz, livemode)
            paid = sales.sales(conn, tenant_id, span, tz, everything)
            refunded = sales.refunds(conn, tenant_id, span, tz, everything)
            for mine, theirs in (
                (rolled.onetime, paid.onetime),
                (rolled.recurring, paid.recurring),
                (rolled.fees, paid.fees),
                (rolled.affiliate_sales, paid.affiliate_sales),
                (rolled.commissions, paid.commissions),
                (rolled.refunds, refunded),
            ):
                assert _tally(mine) == _tally(theirs), (livemode, lo, hi)
            assert rolled.affiliates == paid.affiliates
            if livemode:  # the dashboard's live figures: paying customers, rebills, missed
                _check_dashboard_sales(conn, tenant, span, rolled, paid)
                for now in (span.end, START + timedelta(days=2)):
                    mine_i = dashboard_shared.invoice_figures_fast(conn, tenant_id, span, tz, now)
                    theirs_i = invoices.invoice_figures(conn, tenant_id, span, tz, everything, now)
                    assert _tally(mine_i.rebills) == _tally(theirs_i.rebills)
                    assert _tally(mine_i.missed) == _tally(theirs_i.missed)
                    assert mine_i.subscriptions_rebilled == theirs_i.subscriptions_rebilled
    _check_invoice_metric(conn, tenant_id, tz)
    _check_flow_metric(conn, tenant_id, tz)
    p = t.payments
    for minutes in (0, 60 * 24 * 3 + 7):
        now = START + timedelta(minutes=minutes)
        for include_test in (True, False):
            live = [] if include_test else [p.c.livemode.is_(True)]
            rows = conn.execute(
                select(p.c.status).where(p.c.tenant_id == tenant_id, p.c.created_at <= now, *live)
            ).all()
            expected = (len(rows), sum(1 for (status,) in rows if status == "succeeded"))
            assert overview._payment_counts(conn, tenant, include_test, now) == expected
            # revenue: whole days from the running totals = every (currency, day) group
            parts = overview._until_now(tenant, now)
            groups = _attempt(overview._revenue_by_groups, conn, tenant, include_test, parts)
            assert _attempt(overview._revenue_minor, conn, tenant, include_test, now) == groups


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(zone=st.sampled_from(ZONES), plan=st.lists(call_steps, min_size=1, max_size=8))
def test_call_and_wallet_rollups_equal_a_recomputation_after_every_write(
    live_server: LiveServer, engine: Engine, zone: str, plan: list[Step]
) -> None:
    _run(live_server, engine, zone, plan)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(zone=st.sampled_from(ZONES), plan=st.lists(payment_steps, min_size=3, max_size=12))
def test_payment_and_refund_rollups_equal_a_recomputation_after_every_write(
    live_server: LiveServer, engine: Engine, zone: str, plan: list[Step]
) -> None:
    _run(live_server, engine, zone, [("payments", _payments()), *plan], reads=True)


def _payments() -> list[dict[str, Any]]:
    """Succeeded payments pay-0..3: on their own, by invoice (with and without subscription),
    by subscription."""
    links: list[dict[str, Any]] = [
        {},
        {"invoice_id": "inv-0"},
        {"invoice_id": "inv-1"},
        {"subscription_id": "sub-0"},
    ]
    return [
        {
            "id": f"pay-{n}",
            "customer_id": "c0",
            "amount": "20.00",
            "currency": "USD",
            "status": "succeeded",
            "created_at": (START + timedelta(hours=11 * n)).isoformat(),
            **link,
        }
        for n, link in enumerate(links)
    ]


def _run(
    live_server: LiveServer, engine: Engine, zone: str, plan: list[Step], reads: bool = False
) -> None:
    tenant = make_tenant(engine, timezone=zone)
    other = make_tenant(engine, timezone="UTC")  # its writes never touch this tenant's roll-ups
    tz = ZoneInfo(zone)
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        client.headers.update(other.headers)
        _setup(client)
        _apply(client, ("calls", list(range(10))))
        client.headers.update(tenant.headers)
        _setup(client)
        _check(engine, tenant.id, tz)
        for step in plan:
            _apply(client, step)
            _check(engine, tenant.id, tz, reads)
    _check(engine, other.id, ZoneInfo("UTC"))


def test_rebuild_equals_the_maintained_rollups(live_server: LiveServer, engine: Engine) -> None:
    """The migration's backfill (``rollups.rebuild``) gives what the writes maintained."""
    from billstats.db.dialect import write_transaction
    from billstats.ingest.rollups import rebuild

    tenant = make_tenant(engine, timezone="America/New_York")
    with httpx.Client(base_url=live_server.url, timeout=60, headers=tenant.headers) as client:
        _setup(client)
        _apply(client, ("calls", list(range(CALLS))))
        _apply(client, ("partner", ("c1", "p2")))
        _apply(client, ("wallet", list(range(WALLET_TXS))))
        _apply(client, ("usage", list(range(USAGE))))
        _apply(client, ("mode", False))
        pays = [
            {"id": f"pay-{n}", "customer_id": "c0", "amount": "12.50", "currency": "USD",
             "status": "succeeded", "created_at": (START + timedelta(hours=9 * n)).isoformat(),
             **({"invoice_id": "inv-0"} if n % 2 else {})}
            for n in range(8)
        ]  # fmt: skip
        _apply(client, ("payments", pays))
        _apply(client, ("refund", (0, 1, 250, 900)))
        _apply(client, ("invoice", (0, False)))
    with read_transaction(engine) as conn:
        before = {table.name: _stored(conn, table, tenant.id) for table in TABLES}
    with write_transaction(engine) as conn:
        rebuild(conn, tenant.id)
    with read_transaction(engine) as conn:
        for table in TABLES:
            assert _stored(conn, table, tenant.id) == before[table.name]
            assert before[table.name]  # not trivially empty
    _check(engine, tenant.id, ZoneInfo("America/New_York"))
