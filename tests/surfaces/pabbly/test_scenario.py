"""Every field of every window, hand-computed from ``scenario.py`` (frozen now, New York, USD+EUR).

Expected values are the literal JSON text of each number, so ``30`` vs ``30.0`` or ``9.9`` vs
``9.90`` would fail; the schema transcribed from the seed checks the JSON types.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
import jsonschema
import pytest
from sqlalchemy import Engine

from billstats.metrics.windows import INTERVALS
from billstats.surfaces.pabbly.schemas import Stats
from tests.surfaces.pabbly import scenario
from tests.surfaces.pabbly.conftest import Frozen, Key, ingest, new_tenant, reader, stats
from tests.surfaces.pabbly.seed_schema import FIELDS, STATS_SCHEMA

Pair = tuple[int, str]


def expect(
    *,
    customers: int,
    paid: int,
    sales: Pair,
    onetime: Pair,
    recurring: Pair,
    refunds: Pair = (0, "0"),
    cancelled: Pair = (0, "0"),
    mrr: str,
    net: str,
    affiliates: tuple[str, str, str, int] = ("0", "0", "0", 0),
    rebills: tuple[str, int] = ("0", 0),
    missed: tuple[str, int] = ("0", 0),
    arpu: str,
) -> dict[str, str]:
    values: dict[str, object] = {
        "total_customer_count": customers,
        "total_paid_customer_count": paid,
        "total_sales_amount": sales[1],
        "total_sales_count": sales[0],
        "total_onetime_sales_count": onetime[0],
        "total_onetime_sales_amount": onetime[1],
        "total_recurring_sales_count": recurring[0],
        "total_recurring_sales_amount": recurring[1],
        "total_refund_count": refunds[0],
        "total_refund_amount": refunds[1],
        "total_cancelled_subscription_count": cancelled[0],
        "total_cancelled_subscription_amount": cancelled[1],
        "mrr": mrr,
        "total_net_revenue": net,
        "total_affiliate_sales_amount": affiliates[0],
        "total_affiliate_commission_amount": affiliates[1],
        "total_net_amount_via_affiliate": affiliates[2],
        "total_affiliate_count": affiliates[3],
        "total_rebill_amount": rebills[0],
        "total_rebill_subscription_count": rebills[1],
        "total_missed_invoice_amount": missed[0],
        "total_missed_invoice_count": missed[1],
        "arpu": arpu,
    }
    return {k: str(v) for k, v in values.items()}


AFF_ALL = ("206", "20.6", "185.4", 2)

CASES: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
    # [Feb 12 00:00, now): P4 one-time 19.99 (fee 0.60), R3 5.00, draft rebill I8 of s1.
    # Customers: subscribed c1 c2 c4(trial) c8, paid c5.  MRR: 80 USD + 10 EUR x 1.10.
    (
        "today",
        "all",
        {},
        expect(
            customers=5,
            paid=1,
            sales=(1, "19.99"),
            onetime=(1, "19.99"),
            recurring=(0, "0"),
            refunds=(1, "5"),
            mrr="91.00",
            net="14.39",
            rebills=("30", 1),
            arpu="2.8780000",
        ),
    ),
    # Feb 11: P5 50 EUR x 1.10 = 55.00 (fee 1.65); R2 20 EUR x 1.10 = 22.00; s3 cancelled (50).
    (
        "yesterday",
        "all",
        {},
        expect(
            customers=6,
            paid=1,
            sales=(1, "55"),
            onetime=(1, "55"),
            recurring=(0, "0"),
            refunds=(1, "22"),
            cancelled=(1, "50"),
            mrr="91.00",
            net="31.35",
            arpu="5.2250000",
        ),
    ),
    # Mon Feb 10 - now: P5 + P4, R2 + R3; I7 (due Feb 20) is not missed yet.
    (
        "this_week",
        "all",
        {},
        expect(
            customers=7,
            paid=2,
            sales=(2, "74.99"),
            onetime=(2, "74.99"),
            recurring=(0, "0"),
            refunds=(2, "27"),
            cancelled=(1, "50"),
            mrr="91.00",
            net="45.74",
            rebills=("30", 1),
            arpu="6.5342857",
        ),
    ),
    # Feb 3-9: no sale (P7 failed), R1 10.00; rebill I2; missed I2 50 + I6 40 EUR (44.00) +
    # I11 5 (no due date).  MRR at Feb 9's close: s1 30 + s3 50 + s8 50 + 10 EUR x 1.10.
    (
        "last_week",
        "all",
        {},
        expect(
            customers=4,
            paid=0,
            sales=(0, "0"),
            onetime=(0, "0"),
            recurring=(0, "0"),
            refunds=(1, "10"),
            mrr="141.00",
            net="-10",
            rebills=("50", 1),
            missed=("99", 3),
            arpu="-2.5000000",
        ),
    ),
    (
        "last_7_days",
        "all",
        {},
        expect(
            customers=7,
            paid=2,
            sales=(2, "74.99"),
            onetime=(2, "74.99"),
            recurring=(0, "0"),
            refunds=(2, "27"),
            cancelled=(1, "50"),
            mrr="91.00",
            net="45.74",
            rebills=("30", 1),
            missed=("5", 1),
            arpu="6.5342857",
        ),
    ),
    # Jan 14 - now: recurring P6 50, P10 50, P3 126 (120 EUR x 1.05), P2 30; s5 (9 EUR x 1.10)
    # and s3 cancelled.  Net 330.99 - 37 - 20.60 - 9.85.
    (
        "last_30_days",
        "all",
        {},
        expect(
            customers=7,
            paid=6,
            sales=(6, "330.99"),
            onetime=(2, "74.99"),
            recurring=(4, "256"),
            refunds=(3, "37"),
            cancelled=(2, "59.9"),
            mrr="91.00",
            net="263.54",
            affiliates=AFF_ALL,
            rebills=("160", 3),
            missed=("99", 3),
            arpu="37.6485714",
        ),
    ),
    # Feb 1 - now: P3 (Jan 31 23:30 local) is not in February.
    (
        "this_month",
        "all",
        {},
        expect(
            customers=7,
            paid=3,
            sales=(3, "104.99"),
            onetime=(2, "74.99"),
            recurring=(1, "30"),
            refunds=(3, "37"),
            cancelled=(1, "50"),
            mrr="91.00",
            net="61.54",
            affiliates=("30", "3", "27", 1),
            rebills=("110", 2),
            missed=("99", 3),
            arpu="8.7914286",
        ),
    ),
    # January: P1, P9, P6, P10 and P3 (its local day is Jan 31: 1.05, not Feb 1's 1.20).
    # MRR at Jan 31's close: 130 USD + 10 EUR x 1.05.
    (
        "last_month",
        "all",
        {},
        expect(
            customers=6,
            paid=4,
            sales=(5, "286"),
            onetime=(0, "0"),
            recurring=(5, "286"),
            cancelled=(1, "9.9"),
            mrr="140.50",
            net="259.9",
            affiliates=("176", "17.6", "158.4", 2),
            rebills=("50", 1),
            arpu="43.3166667",
        ),
    ),
    (
        "last_90_days",
        "all",
        {},
        expect(
            customers=9,
            paid=6,
            sales=(9, "440.99"),
            onetime=(2, "74.99"),
            recurring=(7, "366"),
            refunds=(3, "37"),
            cancelled=(3, "109.9"),
            mrr="91.00",
            net="369.69",
            affiliates=AFF_ALL,
            rebills=("260", 4),
            missed=("149", 4),
            arpu="41.0766667",
        ),
    ),
    (
        "this_year",
        "all",
        {},
        expect(
            customers=8,
            paid=6,
            sales=(8, "390.99"),
            onetime=(2, "74.99"),
            recurring=(6, "316"),
            refunds=(3, "37"),
            cancelled=(2, "59.9"),
            mrr="91.00",
            net="321.44",
            affiliates=AFF_ALL,
            rebills=("160", 3),
            missed=("99", 3),
            arpu="40.1800000",
        ),
    ),
    # 2024: P0 and P11; s9 (past due, 50) cancelled Dec 31.  MRR at Dec 31's close:
    # s1 30 + s3 50 + s8 30 + s10 30 + s5 9 EUR x 1.10.
    (
        "last_year",
        "all",
        {},
        expect(
            customers=6,
            paid=2,
            sales=(2, "100"),
            onetime=(0, "0"),
            recurring=(2, "100"),
            cancelled=(1, "50"),
            mrr="149.90",
            net="96.75",
            rebills=("100", 2),
            missed=("50", 1),
            arpu="16.1250000",
        ),
    ),
    (
        "all_time",
        "all",
        {},
        expect(
            customers=9,
            paid=7,
            sales=(10, "490.99"),
            onetime=(2, "74.99"),
            recurring=(8, "416"),
            refunds=(3, "37"),
            cancelled=(3, "109.9"),
            mrr="91.00",
            net="418.19",
            affiliates=AFF_ALL,
            rebills=("260", 4),
            missed=("149", 4),
            arpu="46.4655556",
        ),
    ),
    # The last day of January alone: the 23:30 payment P3 and nothing else.
    (
        "custom",
        "all",
        {"start_date": "2025-01-31", "end_date": "2025-01-31"},
        expect(
            customers=4,
            paid=1,
            sales=(1, "126"),
            onetime=(0, "0"),
            recurring=(1, "126"),
            mrr="140.50",
            net="110.25",
            affiliates=("126", "12.6", "113.4", 1),
            arpu="27.5625000",
        ),
    ),
    # Product A in February: P2 (through invoice I1); one-time sales never count under a
    # product; R1 (of P1) and R2 (of P3) are A's.  MRR A: s1 30 + s2 10 EUR x 1.10.
    (
        "this_month",
        "prod_a",
        {},
        expect(
            customers=3,
            paid=1,
            sales=(1, "30"),
            onetime=(0, "0"),
            recurring=(1, "30"),
            refunds=(2, "32"),
            mrr="41.00",
            net="-6.2",
            affiliates=("30", "3", "27", 1),
            rebills=("60", 1),
            arpu="-2.0666667",
        ),
    ),
    # Product B in February: no sale; s3 cancelled; s8 is B's since Jan 20, so I2 is B's.
    (
        "this_month",
        "prod_b",
        {},
        expect(
            customers=2,
            paid=0,
            sales=(0, "0"),
            onetime=(0, "0"),
            recurring=(0, "0"),
            cancelled=(1, "50"),
            mrr="50.00",
            net="0",
            rebills=("50", 1),
            missed=("50", 1),
            arpu="0.0000000",
        ),
    ),
    # Product A in January: P1, P9 (s8 was on A's plan on Jan 5), P3; s5 cancelled.
    (
        "last_month",
        "prod_a",
        {},
        expect(
            customers=5,
            paid=3,
            sales=(3, "186"),
            onetime=(0, "0"),
            recurring=(3, "186"),
            cancelled=(1, "9.9"),
            mrr="40.50",
            net="168.15",
            affiliates=("126", "12.6", "113.4", 1),
            arpu="33.6300000",
        ),
    ),
    # Product B in January: P6 and P10 (s8 on B's plan since Jan 20).
    (
        "last_month",
        "prod_b",
        {},
        expect(
            customers=2,
            paid=2,
            sales=(2, "100"),
            onetime=(0, "0"),
            recurring=(2, "100"),
            mrr="100.00",
            net="91.75",
            affiliates=("50", "5", "45", 1),
            rebills=("50", 1),
            arpu="45.8750000",
        ),
    ),
    (
        "last_year",
        "prod_b",
        {},
        expect(
            customers=2,
            paid=2,
            sales=(2, "100"),
            onetime=(0, "0"),
            recurring=(2, "100"),
            cancelled=(1, "50"),
            mrr="50.00",
            net="96.75",
            rebills=("100", 2),
            missed=("50", 1),
            arpu="48.3750000",
        ),
    ),
]


@pytest.fixture
def scenario_key(engine: Engine, client: httpx.Client, frozen: Frozen) -> Key:
    tenant = new_tenant(engine, scenario.TIMEZONE, "USD")
    ingest(client, tenant, scenario.records())
    frozen.clock.now = datetime.fromisoformat(scenario.NOW)
    return reader(engine, tenant)


def literal_data(response: httpx.Response) -> dict[str, str]:
    """``data`` with every number as its literal JSON text."""
    body = json.loads(response.text, parse_float=str, parse_int=str)
    data: dict[str, str] = body["data"]
    return data


def test_every_window_and_product(client: httpx.Client, scenario_key: Key) -> None:
    failures = []
    for interval, product, extra, expected in CASES:
        response = stats(client, scenario_key, product_id=product, interval=interval, **extra)
        assert response.status_code == 200, (interval, product, response.text)
        jsonschema.validate(response.json(), STATS_SCHEMA)
        data = literal_data(response)
        assert list(data) == list(FIELDS)
        wrong = {k: (data[k], v) for k, v in expected.items() if data[k] != v}
        if wrong:
            failures.append((interval, product, wrong))
    assert not failures, "\n".join(map(str, failures))


def test_cases_cover_every_interval_and_field() -> None:
    assert {c[0] for c in CASES} == set(INTERVALS)
    assert list(Stats.model_fields) == list(FIELDS)  # the OpenAPI model documents the same
    for field in FIELDS:
        if field in ("mrr", "arpu"):
            continue
        assert any(c[3][field] not in ("0",) for c in CASES), f"{field} is never non-zero"
