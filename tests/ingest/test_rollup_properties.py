"""Property tests: every daily roll-up equals a recomputation from the raw rows, after any
sequence of writes through the API.

Random sequences of bulk imports (new rows, rows already stored — a re-import overlapping
stored data — and both mixed in one chunk), single ``PUT``\\s, and customers moving between
reseller partners, in zones with DST and a 45-minute offset.  After every step the roll-up
tables of the tenant are compared with sums recomputed here, naively, from the raw rows (each
record on its tenant-local day).
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
from tests.conftest import LiveServer, make_tenant

ZONES = ["UTC", "America/New_York", "Asia/Kathmandu"]
START = datetime(2025, 3, 8, tzinfo=UTC)  # New York's clocks go forward on Mar 9
CUSTOMERS = [f"c{i}" for i in range(5)]
PARTNERS = [None, "p1", "p2"]
CALLS = 60
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


Step = tuple[str, Any]

steps = st.one_of(
    st.tuples(st.just("calls"), st.lists(st.integers(0, CALLS - 1), min_size=1, max_size=25)),
    st.tuples(st.just("call"), st.integers(0, CALLS - 1)),
    st.tuples(st.just("partner"), st.tuples(st.sampled_from(CUSTOMERS), st.sampled_from(PARTNERS))),
    st.tuples(st.just("wallet"), st.lists(st.integers(0, WALLET_TXS - 1), min_size=1, max_size=10)),
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
    _import(client, lines)


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
    else:
        _import(client, [("wallet_transactions", wallet_tx(n)) for n in sorted(set(arg))])


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
    return {
        "call_days": {k: tuple(v) for k, v in per_partner.items()},
        "call_account_days": {k: tuple(v) for k, v in per_account.items()},
        "wallet_totals": {k: tuple(v) for k, v in wallets.items()},
    }


def _check(engine: Engine, tenant_id: int, tz: ZoneInfo) -> None:
    with read_transaction(engine) as conn:
        expected = _expected(conn, tenant_id, tz)
        for table in (t.call_days, t.call_account_days, t.wallet_totals):
            assert _stored(conn, table, tenant_id) == expected[table.name], table.name


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(zone=st.sampled_from(ZONES), plan=st.lists(steps, min_size=1, max_size=8))
def test_rollups_equal_a_recomputation_after_every_write(
    live_server: LiveServer, engine: Engine, zone: str, plan: list[Step]
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
            _check(engine, tenant.id, tz)
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
    with read_transaction(engine) as conn:
        before = {
            table.name: _stored(conn, table, tenant.id)
            for table in (t.call_days, t.call_account_days, t.wallet_totals)
        }
    with write_transaction(engine) as conn:
        rebuild(conn, tenant.id)
    with read_transaction(engine) as conn:
        for table in (t.call_days, t.call_account_days, t.wallet_totals):
            assert _stored(conn, table, tenant.id) == before[table.name]
            assert before[table.name]  # not trivially empty
    _check(engine, tenant.id, ZoneInfo("America/New_York"))
