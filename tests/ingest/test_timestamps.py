"""Timestamps: any offset in, the same instant out as UTC with +00:00, stored as aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Engine, select

from billstats.db import tables as t
from billstats.db.dialect import read_transaction
from tests.conftest import TenantCtx
from tests.ingest.test_payloads import T0, seed

INSTANT = "2025-02-01T04:30:00+00:00"


@pytest.mark.parametrize(
    "given, returned",
    [
        ("2025-01-31T23:30:00-05:00", INSTANT),
        ("2025-02-01T04:30:00Z", INSTANT),
        ("2025-02-01T04:30:00+00:00", INSTANT),
        ("2025-02-01T04:30:00-00:00", INSTANT),
        ("2025-02-01T05:30:00+01:00", INSTANT),
        ("2025-02-01T10:00:00+05:30", INSTANT),
        ("2025-02-01T18:15:00+13:45", INSTANT),
        ("2025-01-31T16:30:00-12:00", INSTANT),
        ("2025-02-01 04:30:00+00:00", INSTANT),
        ("2025-02-01T04:30+00:00", INSTANT),
        ("20250201T043000Z", INSTANT),
        ("2025-02-01T04:30:00.5Z", "2025-02-01T04:30:00.500000+00:00"),
        ("2025-02-01T06:30:00.123456+02:00", "2025-02-01T04:30:00.123456+00:00"),
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00+00:00"),
        ("1970-01-01T01:00:00+01:00", "1970-01-01T00:00:00+00:00"),
        ("2199-12-31T23:59:59.999999Z", "2199-12-31T23:59:59.999999+00:00"),
    ],
)
def test_timestamp_round_trip(
    api: httpx.Client, engine: Engine, tenant: TenantCtx, given: str, returned: str
) -> None:
    response = api.put("/v1/customers/c1", json={"name": "C", "created_at": given})
    assert response.status_code == 201, response.text
    assert response.json()["data"]["created_at"] == returned
    assert api.get("/v1/customers/c1").json()["created_at"] == returned
    with read_transaction(engine) as conn:
        stored = conn.execute(
            select(t.customers.c.created_at).where(
                t.customers.c.tenant_id == tenant.id, t.customers.c.id == "c1"
            )
        ).scalar_one()
    assert stored == datetime.fromisoformat(returned)
    assert stored.utcoffset() is not None and stored.utcoffset().total_seconds() == 0


def test_every_timestamp_field_is_normalised(api: httpx.Client) -> None:
    seed(api)
    sub = {
        "customer_id": "cus",
        "plan_id": "plan",
        "status": "cancelled",
        "started_at": "2025-01-01T09:00:00+09:00",
        "trial_ends_at": "2025-01-14T19:00:00-05:00",
        "cancelled_at": "2025-03-01T01:00:00+01:00",
        "ended_at": "2025-03-31T20:00:00-04:00",
        "discount": {
            "percent": "5",
            "duration": "repeating",
            "ends_at": "2025-02-01T05:30:00+05:30",
        },
        "effective_at": "2025-01-01T09:00:00+09:00",
    }
    data = api.put("/v1/subscriptions/s1", json=sub).json()["data"]
    assert (
        data["started_at"],
        data["trial_ends_at"],
        data["cancelled_at"],
        data["ended_at"],
        data["effective_at"],
        data["discount"]["ends_at"],
    ) == (
        "2025-01-01T00:00:00+00:00",
        "2025-01-15T00:00:00+00:00",
        "2025-03-01T00:00:00+00:00",
        "2025-04-01T00:00:00+00:00",
        "2025-01-01T00:00:00+00:00",
        "2025-02-01T00:00:00+00:00",
    )

    invoice = {
        "customer_id": "cus",
        "currency": "USD",
        "status": "paid",
        "issued_at": "2025-01-31T23:30:00-05:00",
        "due_at": "2025-02-15T00:00:00+01:00",
        "paid_at": "2025-02-02T00:00:00-08:00",
        "lines": [
            {
                "type": "one_time",
                "amount": "1",
                "period_start": "2025-01-01T00:00:00-01:00",
                "period_end": "2025-02-01T00:00:00+01:00",
            }
        ],
        "total": "1",
    }
    data = api.put("/v1/invoices/i1", json=invoice).json()["data"]
    assert (data["issued_at"], data["due_at"], data["paid_at"]) == (
        INSTANT,
        "2025-02-14T23:00:00+00:00",
        "2025-02-02T08:00:00+00:00",
    )
    assert (data["lines"][0]["period_start"], data["lines"][0]["period_end"]) == (
        "2025-01-01T01:00:00+00:00",
        "2025-01-31T23:00:00+00:00",
    )


def test_rules_compare_instants_not_wall_clocks(api: httpx.Client) -> None:
    """10:00+09:00 is before 02:00+00:00 on the same day: not "trial ends before start"."""
    seed(api)
    sub = {
        "customer_id": "cus",
        "plan_id": "plan",
        "status": "trialing",
        "started_at": "2025-01-10T02:00:00+00:00",
        "trial_ends_at": "2025-01-10T10:00:00+09:00",
    }  # 01:00Z, an hour before the start
    response = api.put("/v1/subscriptions/s1", json=sub)
    assert response.status_code == 422
    assert response.json()["error"]["problems"][0]["message"] == (
        "trial_ends_at must not be before started_at"
    )
    ok = api.put("/v1/subscriptions/s1", json={**sub, "trial_ends_at": "2025-01-10T11:00:00+09:00"})
    assert ok.status_code == 201


def test_microseconds_survive_both_databases(api: httpx.Client) -> None:
    seed(api)
    base = {"customer_id": "cus", "metric_code": "m", "quantity": "1"}
    for n, micro in enumerate(("000001", "999999", "500000")):
        stamp = f"2025-01-01T00:00:00.{micro}+00:00"
        assert (
            api.put(f"/v1/usage_events/e{n}", json={**base, "timestamp": stamp}).json()["data"][
                "timestamp"
            ]
            == stamp
        )
    # since/until compare at microsecond precision
    listed = api.get(
        "/v1/usage_events",
        params={"since": "2025-01-01T00:00:00.000002Z", "until": "2025-01-01T00:00:00.999999Z"},
    )
    assert [e["id"] for e in listed.json()["data"]] == ["e2"]


def test_since_until_across_a_dst_change(api: httpx.Client) -> None:
    """Offsets, not zone names: the same instant is found whichever side of DST it is given."""
    seed(api)
    base = {"customer_id": "cus", "metric_code": "m", "quantity": "1"}
    # Europe/Berlin switched to summer time at 2025-03-30T01:00:00Z.
    api.put("/v1/usage_events/before", json={**base, "timestamp": "2025-03-30T01:59:59+01:00"})
    api.put("/v1/usage_events/after", json={**base, "timestamp": "2025-03-30T03:00:00+02:00"})
    got = api.get("/v1/usage_events", params={"since": "2025-03-30T03:00:00+02:00"}).json()
    assert [e["id"] for e in got["data"]] == ["after"]
    got = api.get("/v1/usage_events", params={"until": "2025-03-30T02:00:00+01:00"}).json()
    assert [e["id"] for e in got["data"]] == ["before"]
    assert got["data"][0]["timestamp"] == "2025-03-30T00:59:59+00:00"


def test_naive_and_out_of_range_timestamps_write_nothing(api: httpx.Client) -> None:
    for stamp in (
        "2025-01-31T23:30:00",
        "2025-01-31",
        "1969-12-31T23:59:59Z",
        "2200-01-01T00:00:00Z",
        "2025-02-30T00:00:00Z",
        "2025-01-31T24:00:00Z",
    ):
        response = api.put("/v1/customers/c1", json={"name": "C", "created_at": stamp})
        assert response.status_code == 422, stamp
        assert response.json()["error"]["problems"][0]["path"] == "data.created_at"
    assert api.get("/v1/customers").json()["data"] == []


def test_recorded_at_is_utc_now(api: httpx.Client) -> None:
    seed(api)
    before = datetime.now(UTC)
    api.put(
        "/v1/subscriptions/s1",
        json={"customer_id": "cus", "plan_id": "plan", "status": "active", "started_at": T0},
    )
    after = datetime.now(UTC)
    recorded = api.get("/v1/subscriptions/s1/history").json()["data"][0]["recorded_at"]
    assert recorded.endswith("+00:00")
    assert before <= datetime.fromisoformat(recorded) <= after
