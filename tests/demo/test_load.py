"""Loading the demo stream through the ingest engine, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import httpx
from sqlalchemy import Engine, Table, func, select

from billstats.db import tables as t
from billstats.demo.load import load_demo
from billstats.demo.stream import digest, iter_objects
from tests.demo import ANCHOR, SMALL


def _count(engine: Engine, table: Table, tenant_id: int) -> int:
    with engine.connect() as conn:
        stmt = select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
        return int(conn.execute(stmt).scalar_one())


def test_small_demo_loads_cleanly_and_reloads_unchanged(engine: Engine) -> None:
    name = f"demo-{uuid.uuid4().hex[:10]}"
    _, counts = digest(SMALL)
    subs = len({o["data"]["id"] for o in iter_objects(SMALL) if o["kind"] == "subscriptions"})

    first = load_demo(engine, SMALL, tenant_name=name)
    assert first.tenant_created and first.imported and first.note is None
    assert first.summary is not None and first.summary["records"] == sum(counts.values())
    for kind, n in counts.items():
        expected = {"created": n, "updated": 0, "unchanged": 0}
        if kind == "subscriptions":  # later versions of a subscription are updates
            expected = {"created": subs, "updated": n - subs, "unchanged": 0}
        assert first.summary["kinds"][kind] == expected, kind
    tid = first.tenant_id
    assert _count(engine, t.customers, tid) == counts["customers"]
    assert _count(engine, t.subscriptions, tid) == subs
    assert _count(engine, t.subscription_versions, tid) == counts["subscriptions"]
    assert _count(engine, t.invoices, tid) == counts["invoices"]
    assert _count(engine, t.call_records, tid) == counts["call_records"]
    assert _count(engine, t.fx_rates, tid) == counts["fx_rates"]

    again = load_demo(engine, SMALL, tenant_name=name)
    assert (again.tenant_id, again.tenant_created, again.imported) == (tid, False, True)
    assert again.summary is not None
    assert again.summary["kinds"] == {
        kind: {"created": 0, "updated": 0, "unchanged": n} for kind, n in counts.items()
    }
    assert again.key["token"] != first.key["token"]
    assert _count(engine, t.subscription_versions, tid) == counts["subscriptions"]


def test_other_parameters_leave_the_tenant_as_it_is(engine: Engine) -> None:
    name = f"demo-{uuid.uuid4().hex[:10]}"
    first = load_demo(engine, SMALL, tenant_name=name, issue_key=False)
    calls = _count(engine, t.call_records, first.tenant_id)

    later = load_demo(engine, replace(SMALL, anchor=ANCHOR + timedelta(days=1)), tenant_name=name)
    assert not later.imported and later.summary is None
    assert later.note is not None and ANCHOR.isoformat() in later.note
    assert later.key["token"]

    reseeded = load_demo(engine, replace(SMALL, seed=8), tenant_name=name, issue_key=False)
    assert not reseeded.imported and reseeded.note is not None and "seed" in reseeded.note
    assert _count(engine, t.call_records, first.tenant_id) == calls


def test_printed_credentials_work_over_http(engine: Engine, http: httpx.Client) -> None:
    loaded = load_demo(engine, SMALL, tenant_name=f"demo-{uuid.uuid4().hex[:10]}")
    headers = {"Authorization": f"Bearer {loaded.key['token']}"}
    page = http.get("/v1/customers?limit=5", headers=headers)
    assert page.status_code == 200, page.text
    assert [c["id"] for c in page.json()["data"]] == [f"cus_{i:06d}" for i in range(1, 6)]
    subs = http.get("/v1/subscriptions?limit=500", headers=headers).json()["data"]
    longest = max(subs, key=lambda s: s["version"])
    history = http.get(f"/v1/subscriptions/{longest['id']}/history", headers=headers)
    assert history.status_code == 200
    assert len(history.json()["data"]) == longest["version"] > 1
