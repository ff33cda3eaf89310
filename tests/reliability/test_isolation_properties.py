"""Isolation, property-based: random tenants never see or change each other's data.

Two tenants are drawn at random (``isolation_data.ledgers``: the same small id pools, so most ids
exist in both with different content; several partners and customers each) and loaded through
the API.  Then, through the real HTTP stack:

1. Tenant A is loaded and everything its credentials can read is recorded (``full_view``: every
   native record, listing with every filter and page, history, the metrics with every filter,
   the movement log, cohorts, customer metrics, the five vendor surfaces with their own
   credentials).  Each native listing is checked against a from-scratch filter of A's records.
2. Tenant B is loaded, makes changes, and probes A's ids (``probe``: every by-id path is 404,
   writes referencing A's records are refused and write nothing).  A's view must be exactly
   what it was when A was alone (so nothing of B's reached any response of A), A's rows in the
   database are untouched, and no response of either tenant contains the other's marker text.
3. A writes records away from its watched partner P1 and customer C1 and probes B's ids.  B's
   view and rows must not move; P1's partner credential, C1's portal token and the admin
   answers narrowed to P1 or C1 must not move either; A's own view must (the writes are real).

The CI profile draws a few examples per database; ``-m isolation_long`` runs many more.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from billstats.auth.service import create_key
from billstats.db.dialect import write_transaction
from tests.conftest import Clock, Frozen, make_tenant
from tests.reliability.isolation_data import NOW, Ledger, ledgers
from tests.reliability.isolation_probes import probe, tenant_rows
from tests.reliability.isolation_solo import comparable, solo_server
from tests.reliability.isolation_views import (
    Access,
    Credential,
    View,
    full_view,
    headline_view,
    watched_view,
)
from tests.reliability.selection import require_selected

EXAMPLES = int(os.environ.get("BILLSTATS_ISOLATION_EXAMPLES", "3"))
LONG_EXAMPLES = int(os.environ.get("BILLSTATS_ISOLATION_LONG_EXAMPLES", "60"))
HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]


@pytest.fixture
def client(frozen: Frozen) -> Iterator[httpx.Client]:
    frozen.clock.now = NOW
    with httpx.Client(base_url=frozen.url, timeout=120) as c:
        yield c


def load(engine: Engine, client: httpx.Client, ledger: Ledger) -> Access:
    """A new tenant with the ledger's first import and updates, and a credential of every kind."""
    tenant = make_tenant(engine, timezone=ledger.timezone, currency=ledger.currency)
    body = "\n".join(json.dumps({"kind": k, "data": d}) for k, d in ledger.lines).encode()
    response = client.post("/v1/import", content=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    for kind, record, data in ledger.updates:
        response = client.put(f"/v1/{kind}/{record}", json=data, headers=tenant.headers)
        assert response.status_code == 200, response.text
        assert response.json()["result"] == "updated", (kind, record, response.text)
    with write_transaction(engine) as conn:
        key = create_key(conn, tenant.id, ["analytics:read"])
    access = Access(tenant, ledger, (key["key_id"], key["secret"]))
    for customer in ledger.customers:
        path = f"/v1/customers/{customer}/portal_token"
        response = client.post(path, headers=tenant.headers)
        assert response.status_code == 200, response.text
        access.portal[customer] = response.json()["token"]
    for partner in ledger.partners:
        path = f"/v1/partners/{partner}/credentials"
        response = client.post(path, headers=tenant.headers)
        assert response.status_code == 201, response.text
        access.partners[partner] = Credential(response.json()["auth_id"], response.json()["token"])
    return access


def write_late(client: httpx.Client, access: Access) -> None:
    """The ledger's late writes, and a credential of another partner issued and revoked."""
    for kind, key, data in access.ledger.late:
        response = client.put(f"/v1/{kind}/{key}", json=data, headers=access.headers)
        assert response.status_code in (200, 201), (kind, key, response.text)
    access.late_done = True
    partner = access.ledger.partners[1]
    path = f"/v1/partners/{partner}/credentials"
    issued = client.post(path, headers=access.headers).json()
    revoked = client.delete(f"{path}/{issued['auth_id']}", headers=access.headers)
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True, revoked.text
    headers = {"X-Auth-ID": issued["auth_id"], "X-Auth-Token": issued["token"]}
    assert client.get("/api/v1/partner/dashboard", headers=headers).status_code == 401


def assert_same(before: View, after: View, who: str) -> None:
    assert before.keys() == after.keys()
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, (who, changed[:5], [(before[c], after[c]) for c in changed[:2]])


def assert_clean(view: View, marker: str) -> None:
    """No response of the view holds the other tenant's marker (its names, emails, slugs)."""
    text = json.dumps(view)
    assert marker not in text, f"the other tenant's {marker!r} leaked"


def assert_scoped(view: View, access: Access) -> None:
    """Each partner credential lists exactly its partner's accounts, and each portal token shows
    only its customer's subscriptions (from scratch: what the tenant's records say)."""
    ledger = access.ledger
    for partner in access.partners:
        for label in (f"vobiz dashboard {partner}", f"vobiz analytics {partner}"):
            status, body = view[label]
            listed = {c["auth_id"] for c in body["accounts"]["customers"]}
            assert (status, listed) == (200, ledger.accounts(partner, access.late_done)), label
            assert body["accounts"]["total"] == len(listed)
    for customer in access.portal:
        status, body = view[f"portal {customer}"]
        shown = {s["subscription_external_id"] for s in body["next_billing"]}
        shown |= {s["subscription_external_id"] for s in body["upcoming_charges"]}
        assert status == 200 and shown <= ledger.subscriptions_of(customer), (customer, shown)


def run_scenario(engine: Engine, client: httpx.Client, clock: Clock, data: st.DataObject) -> None:
    a_ledger = data.draw(ledgers("a", f"mka{uuid.uuid4().hex[:10]}"), label="tenant A")
    b_ledger = data.draw(ledgers("b", f"mkb{uuid.uuid4().hex[:10]}"), label="tenant B")

    # 1. A alone.
    a = load(engine, client, a_ledger)
    a_alone = full_view(client, a, b_ledger)
    a_watched = watched_view(client, a)
    a_rows = tenant_rows(engine, a.tenant.id)
    assert_scoped(a_alone, a)
    # ... and what A's data gives in a database of its own (no other tenant, nothing cached).
    with solo_server(clock) as (url, solo_engine), httpx.Client(base_url=url, timeout=120) as solo:
        by_itself = full_view(solo, load(solo_engine, solo, a_ledger), b_ledger)
    assert_same(comparable(by_itself), comparable(a_alone), "A beside others vs A by itself")

    # 2. B arrives, changes its records, and tries A's ids.
    b = load(engine, client, b_ledger)
    b_before = full_view(client, b, a_ledger)
    assert_scoped(b_before, b)
    assert probe(client, b, a) > 0
    assert_same(a_alone, full_view(client, a, b_ledger), "A after B's writes")
    assert tenant_rows(engine, a.tenant.id) == a_rows
    assert_clean(a_alone, b_ledger.marker)
    assert_clean(b_before, a_ledger.marker)
    b_rows = tenant_rows(engine, b.tenant.id)

    # 3. A writes away from its watched partner and customer, and tries B's ids.
    write_late(client, a)
    probe(client, a, b)
    assert_same(b_before, full_view(client, b, a_ledger), "B after A's writes")
    assert tenant_rows(engine, b.tenant.id) == b_rows
    assert_same(a_watched, watched_view(client, a), "A's watched partner and customer")
    # The late writes did happen, for A: in its listings and its metrics.
    a_after = headline_view(client, a)
    assert_clean(a_after, b_ledger.marker)
    assert a_after["LIST customers"] != a_alone["LIST customers"]
    assert a_after["metrics "] != a_alone["metrics "]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=HEALTH, database=None)
@given(data=st.data())
def test_tenants_partners_and_customers_stay_apart(
    engine: Engine, frozen: Frozen, client: httpx.Client, data: st.DataObject
) -> None:
    run_scenario(engine, client, frozen.clock, data)


@pytest.mark.isolation_long
@settings(max_examples=LONG_EXAMPLES, deadline=None, suppress_health_check=HEALTH, database=None)
@given(data=st.data())
def test_tenants_stay_apart_long(
    request: pytest.FixtureRequest,
    engine: Engine,
    frozen: Frozen,
    client: httpx.Client,
    data: st.DataObject,
) -> None:
    require_selected(request, "isolation_long")
    run_scenario(engine, client, frozen.clock, data)
