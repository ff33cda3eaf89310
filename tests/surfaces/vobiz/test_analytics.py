"""GET /api/v1/partner/analytics: inclusive local-day windows, defaults, and 400s."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.surfaces.vobiz import scenario
from tests.surfaces.vobiz.conftest import ANALYTICS, DASHBOARD, World
from tests.surfaces.vobiz.schema import assert_valid


def _analytics(http: httpx.Client, world: World, **params: str) -> Any:
    response = http.get(ANALYTICS, headers=world.p1.headers, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_valid(body)
    return body


def test_default_window_is_the_dashboards(http: httpx.Client, world: World) -> None:
    body = _analytics(http, world)
    dashboard = http.get(DASHBOARD, headers=world.p1.headers).json()
    assert body == dashboard
    assert body["period"] == {"from": "2026-04-12", "to": "2026-05-12"}


# (from_date, to_date) -> period, calls, series dates.  Hand-computed from scenario.CALLS.
WINDOWS = [
    pytest.param(
        {"from_date": "2026-04-12", "to_date": "2026-05-11"},
        ("2026-04-12", "2026-05-11"),
        # c1..c5: 227 s = 3.78 min; 1.595 -> "1.60" (half-even: 159.5 -> 160)
        scenario.roll(5, 4, 3.8, "1.60"),
        ["2026-04-12", "2026-04-19", "2026-04-25", "2026-05-11"],
        id="to_date includes 23:30 local on its day",
    ),
    pytest.param(
        {"from_date": "2026-04-19", "to_date": "2026-05-11"},
        ("2026-04-19", "2026-05-11"),
        # c3 c4 c5: 102 s = 1.7 min; 0.345 -> "0.34"
        scenario.roll(3, 3, 1.7, "0.34"),
        ["2026-04-19", "2026-04-25", "2026-05-11"],
        id="from_date includes 23:30 local on its day",
    ),
    pytest.param(
        {"from_date": "2026-04-20", "to_date": "2026-05-11"},
        ("2026-04-20", "2026-05-11"),
        # c3 started on UTC day 04-20 but local 04-19: out.  c4 c5: 12 s = 0.2 min; 0.011667
        scenario.roll(2, 2, 0.2, "0.01"),
        ["2026-04-25", "2026-05-11"],
        id="a call on the UTC day but not the local day",
    ),
    pytest.param(
        {"from_date": "2026-05-12", "to_date": "2026-05-12"},
        ("2026-05-12", "2026-05-12"),
        scenario.roll(1, 0, 0, "0.01"),  # c6 only; c5 is UTC 05-12 but local 05-11
        ["2026-05-12"],
        id="one day",
    ),
    pytest.param(
        {"from_date": "2026-04-11", "to_date": "2026-04-11"},
        ("2026-04-11", "2026-04-11"),
        scenario.roll(1, 1, 1, "9.00"),  # x1, 23:30 local on 04-11
        ["2026-04-11"],
        id="the day before the dashboard",
    ),
    pytest.param(
        {"from_date": "2026-04-01"},
        ("2026-04-01", "2026-05-12"),
        # x1 + c1..c6: 287 s = 4.783 min; 10.605 -> "10.60"
        scenario.roll(7, 5, 4.8, "10.60"),
        ["2026-04-11", "2026-04-12", "2026-04-19", "2026-04-25", "2026-05-11", "2026-05-12"],
        id="to_date defaults to today",
    ),
    pytest.param(
        {"to_date": "2026-04-19"},
        ("2026-03-20", "2026-04-19"),  # 30 days before to_date
        # x1 c1 c2 c3: 275 s = 4.583 min; 9 + 1.25 + 0.333333 = 10.583333
        scenario.roll(4, 3, 4.6, "10.58"),
        ["2026-04-11", "2026-04-12", "2026-04-19"],
        id="from_date defaults to 30 days before to_date",
    ),
    pytest.param(
        {"from_date": "2025-05-12", "to_date": "2026-05-12"},
        ("2025-05-12", "2026-05-12"),  # 366 days inclusive: the longest window
        scenario.roll(7, 5, 4.8, "10.60"),
        ["2026-04-11", "2026-04-12", "2026-04-19", "2026-04-25", "2026-05-11", "2026-05-12"],
        id="366 days",
    ),
    pytest.param(
        {"from_date": "2026-05-13", "to_date": "2026-06-30"},
        ("2026-05-13", "2026-06-30"),
        scenario.roll(0, 0, 0, "0.00"),  # the future: nothing yet
        [],
        id="after today",
    ),
]


@pytest.mark.parametrize(("params", "period", "calls", "dates"), WINDOWS)
def test_windows(
    http: httpx.Client,
    world: World,
    params: dict[str, str],
    period: tuple[str, str],
    calls: dict[str, Any],
    dates: list[str],
) -> None:
    body = _analytics(http, world, **params)
    assert body["period"] == {"from": period[0], "to": period[1]}
    assert body["calls"] == calls
    assert [d["date"] for d in body["time_series"]] == dates
    assert sum(d["total_calls"] for d in body["time_series"]) == calls["total_calls"]
    # accounts and balance describe the partner now, whatever the window
    assert body["accounts"]["total"] == 3
    assert body["total_balance"] == scenario.TOTAL_BALANCE


def test_series_entries_of_a_window(http: httpx.Client, world: World) -> None:
    body = _analytics(http, world, from_date="2026-04-19", to_date="2026-05-11")
    assert body["time_series"] == scenario.DASHBOARD_SERIES[1:4]
    assert body["traffic"] == {
        "inbound": scenario.roll(1, 1, 1.5, "0.33"),  # c3
        "outbound": scenario.roll(2, 2, 0.2, "0.01"),  # c4 c5: 12 s; 0.011667
    }
    assert body["by_product"] == {
        "sip_trunking": scenario.roll(2, 2, 2, "0.34"),  # c3 c4: 93 s = 1.55 -> 2; 0.335
        "voice_api": scenario.roll(1, 1, 0.2, "0.01"),  # c5
    }


BAD = [
    pytest.param({"from_date": "2026-05-12", "to_date": "2026-05-11"}, "after", id="from > to"),
    pytest.param({"from_date": "2026-02-30"}, "YYYY-MM-DD", id="no such day"),
    pytest.param({"from_date": "2026-5-1"}, "YYYY-MM-DD", id="not zero-padded"),
    pytest.param({"to_date": "20260512"}, "YYYY-MM-DD", id="basic format"),
    pytest.param({"to_date": "2026-W19-2"}, "YYYY-MM-DD", id="week date"),
    pytest.param({"from_date": "2026-05-12T00:00:00"}, "YYYY-MM-DD", id="a timestamp"),
    pytest.param({"from_date": ""}, "YYYY-MM-DD", id="empty"),
    pytest.param({"from_date": "yesterday"}, "YYYY-MM-DD", id="a word"),
    pytest.param({"from_date": "2026-05-12\x00"}, "YYYY-MM-DD", id="NUL"),
    pytest.param({"from_date": "0001-01-01"}, "between", id="year 1"),
    pytest.param({"to_date": "9999-12-31", "from_date": "9999-12-01"}, "between", id="year 9999"),
    pytest.param({"from_date": "2025-05-11", "to_date": "2026-05-12"}, "367 days", id="367 days"),
    pytest.param({"to_date": "2027-06-01", "from_date": "2020-01-01"}, "366", id="years"),
    pytest.param({"from_date": "2027-01-01"}, "after", id="from after today"),
]


@pytest.mark.parametrize(("params", "fragment"), BAD)
def test_invalid_date_range(
    http: httpx.Client, world: World, params: dict[str, str], fragment: str
) -> None:
    response = http.get(ANALYTICS, headers=world.p1.headers, params=params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == "INVALID_DATE_RANGE"
    assert fragment in body["error"]["message"]
    details = body["error"]["details"]
    assert details["from_date"] == params.get("from_date")
    assert details["to_date"] == params.get("to_date")


def test_credentials_are_checked_before_dates(http: httpx.Client, world: World) -> None:
    bad = {"X-Auth-ID": world.p1.auth_id, "X-Auth-Token": "wrong"}
    response = http.get(ANALYTICS, headers=bad, params={"from_date": "nonsense"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_CREDENTIALS"
