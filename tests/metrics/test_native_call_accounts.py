"""``call_accounts``: the calls metric per account, through ``GET /v1/metrics/call_accounts``.

Tenant in America/New_York, reporting USD; now = 2026-03-03 10:00 local.  Hand-computed:

| call | account (partner) | local start | billed | cost |
|---|---|---|---|---|
| k1 | a1 (pa1) | 03-01 12:00 | 90 s | 0.015 USD |
| k2 | a1 (pa1) | 03-01 13:00 | 30 s | 0.020 USD |
| k3 | a1 (pa1) | 03-02 23:30 (03-03 04:30 UTC) | 100 s | 1.00 EUR x 1.20 (03-02 rate) |
| k4 | a2 (pa1) | 03-02 00:30 (05:30 UTC) | 60 s | 0.50 USD |
| k5 | a3 | 03-01 10:00 | 600 s | 3.00 USD |
| k6 | a2 (pa1) | 02-28 12:00 (previous range) | 60 s | 0.25 USD |
| k7 | a3 | 03-03 11:00 (after now: not counted) | 60 s | 9.00 USD |
| k8 | a3 | 02-10 12:00 (no EUR rate within 7 days) | 60 s | 2.00 EUR |

a1 on 03-01: 0.035 USD, rounded once (half-even) to 0.04; over the whole range 0.035 + 1.20 =
1.235 -> 1.24.  Minutes = billed seconds / 60: 100 s -> 1.666667.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from billstats.db.dialect import read_transaction
from billstats.metrics.calendar import Span, day_start
from billstats.metrics.native_call_accounts import (
    AccountGroup,
    account_groups,
    account_groups_in,
    minute_micros,
)
from tests.conftest import Frozen, TenantCtx, make_tenant
from tests.metrics_api.support import Api, ingest, reader

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # 10:00 in New York
WINDOW = {"start_date": "2026-03-01", "end_date": "2026-03-03", "interval": "day"}
CREATED = "2026-01-01T00:00:00Z"


def _call(cid: str, account: str, at: str, billed: int, cost: str, currency: str = "USD") -> Any:
    return (
        "call_records",
        {
            "id": cid,
            "account_id": account,
            "direction": "outbound",
            "product": "sip_trunking",
            "started_at": at,
            "duration_seconds": billed,
            "billed_seconds": billed,
            "answered": True,
            "cost": cost,
            "currency": currency,
        },
    )


def _ledger() -> list[Any]:
    partner = {"id": "pa1", "name": "Reseller", "slug": "reseller", "created_at": CREATED}
    return [
        ("partners", partner),
        ("customers", {"id": "a1", "name": "A1", "created_at": CREATED, "partner_id": "pa1"}),
        ("customers", {"id": "a2", "name": "A2", "created_at": CREATED, "partner_id": "pa1"}),
        ("customers", {"id": "a3", "name": "A3", "created_at": CREATED}),
        ("fx_rates", {"currency": "EUR", "date": "2026-03-01", "rate": "1.10"}),
        ("fx_rates", {"currency": "EUR", "date": "2026-03-02", "rate": "1.20"}),
        _call("k1", "a1", "2026-03-01T12:00:00-05:00", 90, "0.015"),
        _call("k2", "a1", "2026-03-01T13:00:00-05:00", 30, "0.020"),
        _call("k3", "a1", "2026-03-02T23:30:00-05:00", 100, "1.00", "EUR"),
        _call("k4", "a2", "2026-03-02T00:30:00-05:00", 60, "0.50"),
        _call("k5", "a3", "2026-03-01T10:00:00-05:00", 600, "3.00"),
        _call("k6", "a2", "2026-02-28T12:00:00-05:00", 60, "0.25"),
        _call("k7", "a3", "2026-03-03T11:00:00-05:00", 60, "9.00"),
        _call("k8", "a3", "2026-02-10T12:00:00-05:00", 60, "2.00", "EUR"),  # no rate near
    ]


@pytest.fixture
def loaded(engine: Engine, frozen: Frozen) -> tuple[Api, TenantCtx]:
    tenant: TenantCtx = make_tenant(engine, timezone="America/New_York")
    client = Api(frozen, reader(engine, tenant), NOW)
    ingest(client.client, tenant, _ledger())
    # Another tenant with the same account ids and far bigger calls: never counted here.
    other = make_tenant(engine, timezone="America/New_York")
    ingest(
        client.client,
        other,
        [
            ("customers", {"id": "a1", "name": "Other", "created_at": CREATED}),
            _call("k1", "a1", "2026-03-01T12:00:00-05:00", 6000, "500.00"),
        ],
    )
    return client, tenant


@pytest.fixture
def api(loaded: tuple[Api, TenantCtx]) -> Api:
    return loaded[0]


def _column(body: dict[str, Any], field: str) -> list[Any]:
    return [e[field] for e in body["entries"]]


def test_per_account_cost_calls_and_minutes_by_local_day(api: Api) -> None:
    body = api.metric("call_accounts", **WINDOW)
    assert body["currency"] == "USD"
    assert [e["date"] for e in body["entries"]] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert _column(body, "account_cost") == [
        {"a1": "0.04", "a2": "0.00", "a3": "3.00"},
        {"a1": "1.20", "a2": "0.50", "a3": "0.00"},
        {"a1": "0.00", "a2": "0.00", "a3": "0.00"},
    ]
    assert _column(body, "account_calls") == [
        {"a1": 2, "a2": 0, "a3": 1},
        {"a1": 1, "a2": 1, "a3": 0},
        {"a1": 0, "a2": 0, "a3": 0},
    ]
    assert _column(body, "account_minutes") == [
        {"a1": "2", "a2": "0", "a3": "10"},
        {"a1": "1.666667", "a2": "1", "a3": "0"},
        {"a1": "0", "a2": "0", "a3": "0"},
    ]


def test_summary_ranks_accounts_over_the_range_against_the_previous_one(api: Api) -> None:
    summary = api.metric("call_accounts", **WINDOW)["summary"]
    assert summary == {
        "current": {"a1": "1.24", "a2": "0.50", "a3": "3.00"},
        "previous": {"a1": "0.00", "a2": "0.25", "a3": "0.00"},
        "percentage_change": {"a1": None, "a2": "100.00", "a3": None},
    }


def test_accounts_add_up_to_the_calls_metric(api: Api) -> None:
    for params in ({}, {"partner_id": "pa1"}, {"currency": "EUR"}):
        body = api.several("calls,call_accounts", **WINDOW, **params)
        for entry in body["entries"]:
            assert sum(entry["account_calls"].values()) == entry["calls"], params


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"partner_id": "pa1"}, {"a1": "1.24", "a2": "0.50"}),
        ({"currency": "EUR"}, {"a1": "1.00"}),
        ({"currency": "USD"}, {"a1": "0.04", "a2": "0.50", "a3": "3.00"}),
        ({"livemode": "false"}, {}),
        ({"product_id": "nope"}, None),
    ],
)
def test_filters(api: Api, params: dict[str, str], expected: dict[str, str] | None) -> None:
    response = api.get("/v1/metrics/call_accounts", **WINDOW, **params)
    if expected is None:
        assert response.status_code == 404
        return
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["current"] == expected


def test_a_missing_rate_is_a_clear_error(api: Api) -> None:
    day = {"start_date": "2026-02-10", "end_date": "2026-02-10"}
    response = api.get("/v1/metrics/call_accounts", **day)
    assert response.status_code == 422, response.text
    assert "EUR" in response.json()["error"]["message"]
    # In its own currency the call needs no rate.
    assert api.metric("call_accounts", **day, currency="EUR")["summary"]["current"] == {
        "a3": "2.00"
    }


def test_new_calls_and_rates_show_at_once(loaded: tuple[Api, TenantCtx]) -> None:
    # Whole days come from an index built once per data revision: a write moves the revision,
    # so the next question sees the new call and the new rate.
    api, tenant = loaded
    day = {"start_date": "2026-02-10", "end_date": "2026-02-10"}
    assert api.get("/v1/metrics/call_accounts", **day).status_code == 422
    first = api.metric("call_accounts", **WINDOW)["summary"]["current"]
    assert first == {"a1": "1.24", "a2": "0.50", "a3": "3.00"}
    ingest(
        api.client,
        tenant,
        [
            _call("k9", "a2", "2026-03-01T09:00:00-05:00", 30, "2.00", "EUR"),  # x 1.10
            ("fx_rates", {"currency": "EUR", "date": "2026-02-09", "rate": "1.5"}),
        ],
    )
    after = api.metric("call_accounts", **WINDOW)["summary"]["current"]
    assert after == {"a1": "1.24", "a2": "2.70", "a3": "3.00"}
    assert api.metric("call_accounts", **day)["summary"]["current"] == {"a3": "3.00"}


def test_long_buckets_sum_whole_days_once_per_account(api: Api) -> None:
    # One yearly bucket from 02-28: a2's k6 (02-28) and k4 (03-02) add up; a1's USD days and its
    # EUR day are converted and rounded once: 0.035 + 1.20 = 1.235 -> 1.24.
    year = {"start_date": "2026-02-28", "end_date": "2026-03-03", "interval": "year"}
    body = api.metric("call_accounts", **year)
    assert [e["date"] for e in body["entries"]] == ["2026-02-28"]
    assert body["entries"][0]["account_cost"] == {"a1": "1.24", "a2": "0.75", "a3": "3.00"}
    assert body["entries"][0]["account_calls"] == {"a1": 3, "a2": 2, "a3": 1}
    assert body["entries"][0]["account_minutes"] == {"a1": "3.666667", "a2": "2", "a3": "10"}
    usd = api.metric("call_accounts", **year, currency="USD")["entries"][0]
    assert usd["account_cost"] == {"a1": "0.04", "a2": "0.75", "a3": "3.00"}
    assert usd["account_calls"] == {"a1": 2, "a2": 2, "a3": 1}
    eur = api.metric("call_accounts", **year, currency="EUR")["entries"][0]
    assert eur["account_cost"] == {"a1": "1.00"}


def _per_bucket(groups: list[AccountGroup], firsts: list[date]) -> dict[Any, list[int]]:
    out: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0])
    for g in groups:
        k = max(i for i, f in enumerate(firsts) if f <= g.day)
        key = (g.account_id, k, g.currency)
        out[key][0] += g.calls
        out[key][1] += g.billed_seconds
        out[key][2] += g.cost
    return dict(out)


@pytest.mark.parametrize(
    "firsts",
    [
        [date(2026, 2, 20)],
        [date(2026, 2, 20), date(2026, 3, 1)],
        [date(2026, 2, 20), date(2026, 3, 2), date(2026, 3, 3)],
        [date(2026, 2, 25), date(2026, 2, 26), date(2026, 3, 3)],
    ],
)
@pytest.mark.parametrize("only", ["USD", "EUR"])
@pytest.mark.parametrize("partner", [None, "pa1"])
def test_groups_per_bucket_equal_the_raw_calls(
    engine: Engine,
    loaded: tuple[Api, TenantCtx],
    firsts: list[date],
    only: str,
    partner: str | None,
) -> None:
    """The database's per-bucket sums of the roll-up (and today's piece from the raw rows)
    equal the raw call records grouped per local day, summed per bucket."""
    tenant = loaded[1]
    tz = ZoneInfo("America/New_York")
    # From 02-20 00:00 local to 03-03 10:00 local (a piece of today at the end).
    days = [date(2026, 2, 20) + timedelta(days=n) for n in range(12)]  # to 03-03
    bounds = [day_start(d, tz) for d in [*days, days[-1] + timedelta(days=1)]]
    span = Span(bounds[0], NOW)
    with read_transaction(engine) as conn:
        raw = account_groups(conn, tenant.id, partner, days, bounds, NOW)
        bucketed = account_groups_in(conn, tenant.id, partner, span, tz, only, firsts)
    daily = [g for g in raw if g.currency == only]
    assert daily  # the ledger has calls in the span
    assert len(bucketed) <= len(daily)
    assert _per_bucket(bucketed, firsts) == _per_bucket(daily, firsts)
    assert all(g.currency == only for g in bucketed)


@given(st.integers(0, 10**12))
def test_minutes_in_micros_round_as_the_exact_fraction(seconds: int) -> None:
    assert minute_micros(seconds) == round(Fraction(seconds * 1_000_000, 60))


def test_minutes_in_micros_by_hand() -> None:
    # 1 s = 16,666.66.. micros of a minute; 3 s = 50,000 exactly; half-way cases cannot occur
    # (a remainder of 30 sixtieths needs seconds * 10**6 = 30 mod 60), checked all the same
    assert [minute_micros(s) for s in (0, 1, 2, 3, 59, 60, 61)] == [
        0, 16_667, 33_333, 50_000, 983_333, 1_000_000, 1_016_667,
    ]  # fmt: skip
