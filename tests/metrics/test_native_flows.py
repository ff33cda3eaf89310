"""The flow metrics (sales, refunds, net_revenue, fees, affiliate_commissions) through the real
HTTP stack on both databases: every field of every bucket, hand-computed from the flows ledger
(``tests/metrics_api/flows_ledger.py`` lists each record's local day and USD amount)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import Frozen, make_tenant
from tests.metrics_api import flows_ledger as ledger
from tests.metrics_api.support import Api, ingest, reader

FLOWS = "sales,refunds,net_revenue,fees,affiliate_commissions"
FIELDS = (
    "sales",
    "sales_count",
    "onetime_sales",
    "onetime_sales_count",
    "recurring_sales",
    "recurring_sales_count",
    "refunds",
    "refund_count",
    "net_revenue",
    "fees",
    "affiliate_commissions",
    "affiliate_sales",
    "affiliate_sales_count",
)
# date, sales, n, onetime, n, recurring, n, refunds, n, net, fees, commissions, aff. sales, n
Z = ("0.00", 0, "0.00", 0, "0.00", 0, "0.00", 0, "0.00", "0.00", "0.00", "0.00", 0)
Q4_2024 = ("30.00", 1, "0.00", 0, "30.00", 1, "0.00", 0, "28.80", "1.20", "0.00", "0.00", 0)
Q1_2025 = (
    "345.00",
    5,
    "25.00",
    1,
    "320.00",
    4,
    "49.00",
    2,
    "268.15",
    "10.85",
    "17.00",
    "170.00",
    2,
)
JAN = ("140.00", 2, "0.00", 0, "140.00", 2, "0.00", 0, "124.50", "4.50", "11.00", "110.00", 1)
FEB = ("145.00", 2, "25.00", 1, "120.00", 1, "49.00", 2, "91.65", "4.35", "0.00", "0.00", 0)
MAR = ("60.00", 1, "0.00", 0, "60.00", 1, "0.00", 0, "52.00", "2.00", "6.00", "60.00", 1)
P1_ONLY = ("30.00", 1, "0.00", 0, "30.00", 1, "0.00", 0, "28.80", "1.20", "0.00", "0.00", 0)
P4_ONLY = MAR
MONTHS = {"start_date": "2025-01-10", "end_date": "2025-03-31", "interval": "month"}

CASES: list[tuple[str, dict[str, str], list[tuple[Any, ...]]]] = [
    (
        # Jan 10-31 and Mar 1-5 (now) are partial months; P1 (Jan 31 23:30 local, Feb 1 UTC)
        # is January's, P7 (Feb 28 23:30 local, Mar 1 UTC) February's at Feb 28's rate.
        "month",
        MONTHS,
        [("2025-01-10", *JAN), ("2025-02-01", *FEB), ("2025-03-01", *MAR)],
    ),
    (
        "week",  # Wed Jan 29 - Sun Feb 2 (partial), Feb 3-9, Mon Feb 10 - Wed Feb 12 (partial)
        {"start_date": "2025-01-29", "end_date": "2025-02-12", "interval": "week"},
        [
            ("2025-01-29", *P1_ONLY),
            ("2025-02-03", "0.00", 0, "0.00", 0, "0.00", 0, "44.00", 1, "-44.00", "0.00", "0.00",
             "0.00", 0),
            ("2025-02-10", "25.00", 1, "25.00", 1, "0.00", 0, "0.00", 0, "24.25", "0.75", "0.00",
             "0.00", 0),
        ],
    ),
    (
        "day",  # the zone edge: P7 and R2 are on Feb 28 locally, on Mar 1 in UTC
        {"start_date": "2025-02-27", "end_date": "2025-03-01", "interval": "day"},
        [
            ("2025-02-27", *Z),
            ("2025-02-28", "120.00", 1, "0.00", 0, "120.00", 1, "5.00", 1, "111.40", "3.60",
             "0.00", "0.00", 0),
            ("2025-03-01", *Z),
        ],
    ),
    (
        "quarter",  # Dec 15-31 (partial Q4) and Q1 up to now
        {"start_date": "2024-12-15", "end_date": "2025-03-31", "interval": "quarter"},
        [("2024-12-15", *Q4_2024), ("2025-01-01", *Q1_2025)],
    ),
    (
        "year",  # 2025 runs to Dec 31 but stops at now: P9 (after now) is not counted
        {"start_date": "2024-12-01", "end_date": "2025-12-31", "interval": "year"},
        [("2024-12-01", *Q4_2024), ("2025-01-01", *Q1_2025)],
    ),
    (
        "EUR only: no conversion, USD records left out",
        {**MONTHS, "currency": "EUR"},
        [
            ("2025-01-10", "100.00", 1, "0.00", 0, "100.00", 1, "0.00", 0, "87.00", "3.00",
             "10.00", "100.00", 1),
            ("2025-02-01", "100.00", 1, "0.00", 0, "100.00", 1, "40.00", 1, "57.00", "3.00",
             "0.00", "0.00", 0),
            ("2025-03-01", *Z),
        ],
    ),
    (
        "USD only",
        {**MONTHS, "currency": "usd"},
        [
            ("2025-01-10", *P1_ONLY),
            ("2025-02-01", "25.00", 1, "25.00", 1, "0.00", 0, "5.00", 1, "19.25", "0.75", "0.00",
             "0.00", 0),
            ("2025-03-01", *P4_ONLY),
        ],
    ),
    (
        "product prod_a: its subscriptions' records, no one-time sale nor its refund",
        {**MONTHS, "product_id": "prod_a"},
        [("2025-01-10", *P1_ONLY), ("2025-02-01", *Z), ("2025-03-01", *P4_ONLY)],
    ),
    (
        "product prod_b: R1 follows its payment's product",
        {**MONTHS, "product_id": "prod_b"},
        [
            ("2025-01-10", "110.00", 1, "0.00", 0, "110.00", 1, "0.00", 0, "95.70", "3.30",
             "11.00", "110.00", 1),
            ("2025-02-01", "120.00", 1, "0.00", 0, "120.00", 1, "44.00", 1, "72.40", "3.60",
             "0.00", "0.00", 0),
            ("2025-03-01", *Z),
        ],
    ),
    (
        "plan a_usd (prod_a's other plan a_usd2 has P4)",
        {**MONTHS, "plan_id": "a_usd"},
        [("2025-01-10", *P1_ONLY), ("2025-02-01", *Z), ("2025-03-01", *Z)],
    ),
    (
        "plan a_usd2 within its product",
        {**MONTHS, "plan_id": "a_usd2", "product_id": "prod_a"},
        [("2025-01-10", *Z), ("2025-02-01", *Z), ("2025-03-01", *P4_ONLY)],
    ),
    (
        "test mode: only P6",
        {**MONTHS, "livemode": "false"},
        [
            ("2025-01-10", *Z),
            ("2025-02-01", "45.00", 1, "0.00", 0, "45.00", 1, "0.00", 0, "45.00", "0.00", "0.00",
             "0.00", 0),
            ("2025-03-01", *Z),
        ],
    ),
]  # fmt: skip


@pytest.fixture
def api(engine: Engine, frozen: Frozen) -> Iterator[Api]:
    tenant = make_tenant(engine, timezone=ledger.TIMEZONE, currency="USD")
    client = Api(frozen, reader(engine, tenant), ledger.NOW)
    ingest(client.client, tenant, ledger.records())
    yield client
    client.close()


def test_every_flow_field_of_every_bucket(api: Api) -> None:
    """One tenant, every case (loading the ledger once per database)."""
    for label, params, expected in CASES:
        body = api.several(FLOWS, **params)
        got = [tuple(entry[f] for f in ("date", *FIELDS)) for entry in body["entries"]]
        assert got == expected, label
        assert all(set(e) == {"date", *FIELDS} for e in body["entries"]), label
        currency = params.get("currency", "USD").upper()
        assert body["currency"] == currency, label
        assert body["metrics"] == FLOWS.split(",")


def test_summaries_compare_with_the_range_just_before(api: Api) -> None:
    # Jan 10 - Mar 31 is 81 days; the previous range, Oct 21 2024 - Jan 9 2025, holds P8 only.
    body = api.several(FLOWS, **MONTHS)
    assert body["summary"] == {
        "sales": {"current": "345.00", "previous": "30.00", "percentage_change": "1050.00"},
        "refunds": {"current": "49.00", "previous": "0.00", "percentage_change": None},
        # (268.15 - 28.80) / 28.80 = 8.3107638...
        "net_revenue": {"current": "268.15", "previous": "28.80", "percentage_change": "831.08"},
        # (10.85 - 1.20) / 1.20 = 8.041666...
        "fees": {"current": "10.85", "previous": "1.20", "percentage_change": "804.17"},
        "affiliate_commissions": {
            "current": "17.00",
            "previous": "0.00",
            "percentage_change": None,
        },
    }
    # Weeks Jan 29 - Feb 12 (15 days) against Jan 14-28 (P2: 110.00 sales, 95.70 net).
    week = api.metric(
        "net_revenue", start_date="2025-01-29", end_date="2025-02-12", interval="week"
    )
    assert week["summary"] == {
        "current": "9.05",  # 30 - 1.20 - 44 + 25 - 0.75
        "previous": "95.70",
        "percentage_change": "-90.54",  # -86.65 / 95.70 = -0.90543...
    }
    sales = api.metric("sales", start_date="2025-01-29", end_date="2025-02-12")
    assert sales["metric"] == "sales" and sales["interval"] == "day"
    assert sales["summary"] == {
        "current": "55.00",
        "previous": "110.00",
        "percentage_change": "-50.00",
    }


def test_default_range_is_the_last_30_days_by_day(api: Api) -> None:
    body = api.metric("sales")
    assert (body["start_date"], body["end_date"], body["interval"]) == (
        "2025-02-04",
        "2025-03-05",
        "day",
    )
    assert len(body["entries"]) == 30
    nonzero = {e["date"]: e["sales"] for e in body["entries"] if e["sales"] != "0.00"}
    assert nonzero == {"2025-02-10": "25.00", "2025-02-28": "120.00", "2025-03-03": "60.00"}
    # the previous 30 days (Jan 5 - Feb 3): P2 110.00 + P1 30.00
    assert body["summary"] == {
        "current": "205.00",
        "previous": "140.00",
        "percentage_change": "46.43",
    }


def test_response_shapes(api: Api) -> None:
    window = {"start_date": "2025-02-28", "end_date": "2025-02-28"}
    one = api.several("fees", **window)  # one metric through the list endpoint: single shape
    assert one == {
        "metric": "fees",
        "currency": "USD",
        "interval": "day",
        "start_date": "2025-02-28",
        "end_date": "2025-02-28",
        "entries": [{"date": "2025-02-28", "fees": "3.60"}],
        "summary": {"current": "3.60", "previous": "0.00", "percentage_change": None},
    }
    assert api.several(" fees , fees ", **window) == one  # spaces and duplicates dropped
    two = api.several("net_revenue,fees", **window)
    assert two["metrics"] == ["net_revenue", "fees"]
    assert two["entries"] == [{"date": "2025-02-28", "net_revenue": "111.40", "fees": "3.60"}]
    assert set(two["summary"]) == {"net_revenue", "fees"}
    # a range wholly in the future: valid, nothing counted yet
    future = api.metric("sales", start_date="2025-04-01", end_date="2025-04-02")
    assert [e["sales"] for e in future["entries"]] == ["0.00", "0.00"]
