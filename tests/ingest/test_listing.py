"""GET /v1/<kind>: cursor pagination, equality filters, since/until, and the 400s."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.ingest.test_payloads import ndjson_body

T1, T2, T3 = "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z", "2025-01-03T00:00:00Z"

# Three records per kind at T1, T2, T3 whose filter fields differ.
DATASET: list[tuple[str, dict[str, Any]]] = [
    ("products", {"id": "prod", "name": "Product"}),
    ("products", {"id": "prod2", "name": "Product 2"}),
    (
        "plans",
        {
            "id": "plan-usd",
            "product_id": "prod",
            "name": "USD",
            "currency": "USD",
            "amount": "10",
            "interval_unit": "month",
        },
    ),
    (
        "plans",
        {
            "id": "plan-eur",
            "product_id": "prod",
            "name": "EUR",
            "currency": "EUR",
            "amount": "9",
            "interval_unit": "month",
        },
    ),
    (
        "plans",
        {
            "id": "plan-gbp",
            "product_id": "prod2",
            "name": "GBP",
            "currency": "GBP",
            "amount": "8",
            "interval_unit": "year",
        },
    ),
    ("partners", {"id": "pa1", "name": "P1", "slug": "p1", "created_at": T1}),
    ("partners", {"id": "pa2", "name": "P2", "slug": "p2", "is_active": False, "created_at": T2}),
    ("partners", {"id": "pa3", "name": "P3", "slug": "p3", "created_at": T3}),
    (
        "customers",
        {"id": "c1", "name": "C1", "currency": "EUR", "partner_id": "pa1", "created_at": T1},
    ),
    (
        "customers",
        {"id": "c2", "name": "C2", "currency": "USD", "is_active": False, "created_at": T2},
    ),
    ("customers", {"id": "c3", "name": "C3", "partner_id": "pa1", "created_at": T3}),
    (
        "subscriptions",
        {
            "id": "s1",
            "customer_id": "c1",
            "plan_id": "plan-usd",
            "status": "active",
            "started_at": T1,
        },
    ),
    (
        "subscriptions",
        {
            "id": "s2",
            "customer_id": "c2",
            "plan_id": "plan-usd",
            "status": "paused",
            "livemode": False,
            "started_at": T2,
        },
    ),
    (
        "subscriptions",
        {
            "id": "s3",
            "customer_id": "c1",
            "plan_id": "plan-eur",
            "status": "cancelled",
            "cancelled_at": T3,
            "started_at": T3,
        },
    ),
    (
        "invoices",
        {
            "id": "i1",
            "customer_id": "c1",
            "subscription_id": "s1",
            "currency": "USD",
            "status": "open",
            "billing_reason": "subscription_create",
            "issued_at": T1,
            "lines": [{"type": "subscription", "amount": "10"}],
            "total": "10",
        },
    ),
    (
        "invoices",
        {
            "id": "i2",
            "customer_id": "c2",
            "subscription_id": "s2",
            "currency": "USD",
            "status": "paid",
            "paid_at": T2,
            "billing_reason": "subscription_cycle",
            "livemode": False,
            "issued_at": T2,
            "lines": [{"type": "subscription", "amount": "10"}],
            "total": "10",
        },
    ),
    (
        "invoices",
        {
            "id": "i3",
            "customer_id": "c1",
            "currency": "EUR",
            "status": "void",
            "issued_at": T3,
            "total": "0",
        },
    ),
    (
        "payments",
        {
            "id": "p1",
            "customer_id": "c1",
            "invoice_id": "i1",
            "subscription_id": "s1",
            "amount": "10",
            "currency": "USD",
            "status": "succeeded",
            "created_at": T1,
        },
    ),
    (
        "payments",
        {
            "id": "p2",
            "customer_id": "c2",
            "invoice_id": "i2",
            "amount": "10",
            "currency": "USD",
            "status": "failed",
            "livemode": False,
            "created_at": T2,
        },
    ),
    (
        "payments",
        {
            "id": "p3",
            "customer_id": "c1",
            "amount": "5",
            "currency": "EUR",
            "status": "pending",
            "created_at": T3,
        },
    ),
    (
        "payments",
        {
            "id": "p4",
            "customer_id": "c2",
            "amount": "7",
            "currency": "USD",
            "status": "succeeded",
            "created_at": T3,
        },
    ),
    ("refunds", {"id": "r1", "payment_id": "p1", "amount": "1", "created_at": T1}),
    ("refunds", {"id": "r2", "payment_id": "p1", "amount": "2", "created_at": T2}),
    ("refunds", {"id": "r3", "payment_id": "p4", "amount": "3", "created_at": T3}),
    (
        "usage_events",
        {
            "id": "e1",
            "customer_id": "c1",
            "subscription_id": "s1",
            "metric_code": "api_calls",
            "quantity": "1",
            "timestamp": T1,
        },
    ),
    (
        "usage_events",
        {
            "id": "e2",
            "customer_id": "c2",
            "subscription_id": "s2",
            "metric_code": "api_calls",
            "quantity": "2",
            "timestamp": T2,
        },
    ),
    (
        "usage_events",
        {"id": "e3", "customer_id": "c1", "metric_code": "sms", "quantity": "3", "timestamp": T3},
    ),
    ("wallets", {"id": "w1", "customer_id": "c1", "currency": "USD"}),
    ("wallets", {"id": "w2", "customer_id": "c2", "currency": "EUR", "status": "terminated"}),
    ("wallets", {"id": "w3", "customer_id": "c1", "currency": "EUR"}),
    ("wallet_transactions", {"id": "t1", "wallet_id": "w1", "amount": "5", "created_at": T1}),
    ("wallet_transactions", {"id": "t2", "wallet_id": "w2", "amount": "-1", "created_at": T2}),
    ("wallet_transactions", {"id": "t3", "wallet_id": "w1", "amount": "-2", "created_at": T3}),
    (
        "call_records",
        {
            "id": "cr1",
            "account_id": "c1",
            "direction": "inbound",
            "product": "voice_api",
            "started_at": T1,
            "duration_seconds": 10,
            "billed_seconds": 60,
            "answered": True,
            "cost": "0.01",
            "currency": "USD",
        },
    ),
    (
        "call_records",
        {
            "id": "cr2",
            "account_id": "c2",
            "direction": "outbound",
            "product": "sip_trunking",
            "started_at": T2,
            "duration_seconds": 0,
            "billed_seconds": 0,
            "answered": False,
            "cost": "0",
            "currency": "USD",
        },
    ),
    (
        "call_records",
        {
            "id": "cr3",
            "account_id": "c1",
            "direction": "outbound",
            "product": "voice_api",
            "started_at": T3,
            "duration_seconds": 100,
            "billed_seconds": 120,
            "answered": True,
            "cost": "0.02",
            "currency": "USD",
        },
    ),
    ("fx_rates", {"currency": "EUR", "date": "2025-01-01", "rate": "1.1"}),
    ("fx_rates", {"currency": "EUR", "date": "2025-01-02", "rate": "1.2"}),
    ("fx_rates", {"currency": "GBP", "date": "2025-01-01", "rate": "1.3"}),
]


@pytest.fixture
def loaded(api: httpx.Client) -> httpx.Client:
    response = api.post("/v1/import", content=ndjson_body(list(DATASET)))
    assert response.status_code == 200, response.text
    return api


def _keys(rows: list[dict[str, Any]]) -> list[str]:
    return [r["id"] if "id" in r else f"{r['currency']}/{r['date']}" for r in rows]


def _list(client: httpx.Client, kind: str, **params: Any) -> list[str]:
    response = client.get(f"/v1/{kind}", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"data", "has_more", "next_cursor"}
    assert body["has_more"] is False
    assert body["next_cursor"] is None
    return _keys(body["data"])


FILTERS: list[tuple[str, dict[str, str], list[str]]] = [
    ("plans", {"product_id": "prod2"}, ["plan-gbp"]),
    ("plans", {"currency": "eur"}, ["plan-eur"]),
    ("plans", {"currency": "USD", "product_id": "prod"}, ["plan-usd"]),
    ("customers", {"partner_id": "pa1"}, ["c1", "c3"]),
    ("customers", {"is_active": "false"}, ["c2"]),
    ("customers", {"is_active": "true"}, ["c1", "c3"]),
    ("customers", {"currency": "EUR"}, ["c1"]),
    ("customers", {"currency": "usd"}, ["c2"]),
    ("partners", {"is_active": "true"}, ["pa1", "pa3"]),
    ("subscriptions", {"customer_id": "c1"}, ["s1", "s3"]),
    ("subscriptions", {"plan_id": "plan-usd"}, ["s1", "s2"]),
    ("subscriptions", {"status": "paused"}, ["s2"]),
    ("subscriptions", {"livemode": "false"}, ["s2"]),
    ("subscriptions", {"customer_id": "c1", "status": "cancelled"}, ["s3"]),
    ("invoices", {"customer_id": "c1"}, ["i1", "i3"]),
    ("invoices", {"subscription_id": "s2"}, ["i2"]),
    ("invoices", {"status": "void"}, ["i3"]),
    ("invoices", {"billing_reason": "subscription_create"}, ["i1"]),
    ("invoices", {"livemode": "false"}, ["i2"]),
    ("payments", {"customer_id": "c1"}, ["p1", "p3"]),
    ("payments", {"invoice_id": "i2"}, ["p2"]),
    ("payments", {"subscription_id": "s1"}, ["p1"]),
    ("payments", {"status": "succeeded"}, ["p1", "p4"]),
    ("payments", {"livemode": "false"}, ["p2"]),
    ("refunds", {"payment_id": "p1"}, ["r1", "r2"]),
    ("wallets", {"customer_id": "c1"}, ["w1", "w3"]),
    ("wallets", {"status": "terminated"}, ["w2"]),
    ("wallets", {"currency": "EUR"}, ["w2", "w3"]),
    ("wallet_transactions", {"wallet_id": "w1"}, ["t1", "t3"]),
    ("usage_events", {"customer_id": "c1"}, ["e1", "e3"]),
    ("usage_events", {"subscription_id": "s2"}, ["e2"]),
    ("usage_events", {"metric_code": "sms"}, ["e3"]),
    ("call_records", {"account_id": "c2"}, ["cr2"]),
    ("call_records", {"direction": "outbound"}, ["cr2", "cr3"]),
    ("call_records", {"product": "voice_api"}, ["cr1", "cr3"]),
    ("call_records", {"answered": "false"}, ["cr2"]),
    ("fx_rates", {"currency": "eur"}, ["EUR/2025-01-01", "EUR/2025-01-02"]),
    ("payments", {"status": "refunded"}, []),
]


@pytest.mark.parametrize(
    "kind, params, expected",
    FILTERS,
    ids=[f"{k}-{'-'.join(f'{a}={b}' for a, b in p.items())}" for k, p, _ in FILTERS],
)
def test_equality_filters(
    loaded: httpx.Client, kind: str, params: dict[str, str], expected: list[str]
) -> None:
    assert _list(loaded, kind, **params) == expected


def test_unfiltered_listing_returns_rendered_records(loaded: httpx.Client) -> None:
    body = loaded.get("/v1/refunds").json()
    assert body == {
        "data": [
            {
                "id": "r1",
                "payment_id": "p1",
                "amount": "1.00",
                "created_at": "2025-01-01T00:00:00+00:00",
            },
            {
                "id": "r2",
                "payment_id": "p1",
                "amount": "2.00",
                "created_at": "2025-01-02T00:00:00+00:00",
            },
            {
                "id": "r3",
                "payment_id": "p4",
                "amount": "3.00",
                "created_at": "2025-01-03T00:00:00+00:00",
            },
        ],
        "has_more": False,
        "next_cursor": None,
    }
    invoices = loaded.get("/v1/invoices", params={"status": "open"}).json()["data"]
    assert invoices[0]["lines"] == [
        {
            "type": "subscription",
            "description": None,
            "amount": "10.00",
            "quantity": None,
            "metric_code": None,
            "period_start": None,
            "period_end": None,
        }
    ]


TIMED = {
    "partners": ["pa1", "pa2", "pa3"],
    "customers": ["c1", "c2", "c3"],
    "subscriptions": ["s1", "s2", "s3"],
    "invoices": ["i1", "i2", "i3"],
    "payments": ["p1", "p2", "p3", "p4"],  # p3 and p4 both at T3
    "refunds": ["r1", "r2", "r3"],
    "usage_events": ["e1", "e2", "e3"],
    "wallet_transactions": ["t1", "t2", "t3"],
    "call_records": ["cr1", "cr2", "cr3"],
}


def _at(ids: list[str], *positions: int) -> list[str]:
    """Records at T1/T2/T3 (positions 1-3); the payments' fourth shares T3."""
    extra = ids[3:] if 3 in positions else []
    return [ids[p - 1] for p in positions] + extra


@pytest.mark.parametrize("kind", sorted(TIMED))
def test_since_and_until_respect_offsets(loaded: httpx.Client, kind: str) -> None:
    ids = TIMED[kind]
    # 2025-01-01T19:00:00-05:00 is T2 exactly: since is inclusive.
    assert _list(loaded, kind, since="2025-01-01T19:00:00-05:00") == _at(ids, 2, 3)
    # 2025-01-03T01:00:00+01:00 is T3 exactly: until is exclusive.
    assert _list(loaded, kind, until="2025-01-03T01:00:00+01:00") == _at(ids, 1, 2)
    assert _list(
        loaded, kind, since="2025-01-02T00:00:00Z", until="2025-01-02T00:00:00.000001+00:00"
    ) == _at(ids, 2)
    assert _list(loaded, kind, since="2025-01-02T00:00:00.000001Z") == _at(ids, 3)
    # An offset that, ignored, would select the other side of the boundary.
    assert _list(loaded, kind, since="2025-01-02T08:59:59+09:00") == _at(ids, 2, 3)
    assert _list(loaded, kind, since="2025-01-02T09:00:01+09:00") == _at(ids, 3)
    assert _list(loaded, kind, since="2030-01-01T00:00:00Z") == []


def test_time_and_equality_filters_combine(loaded: httpx.Client) -> None:
    assert _list(loaded, "payments", customer_id="c1", since=T2) == ["p3"]
    assert _list(loaded, "usage_events", metric_code="api_calls", until=T2) == ["e1"]


@pytest.mark.parametrize("kind", ["products", "plans", "affiliates", "wallets", "fx_rates"])
def test_kinds_without_a_time_column_refuse_since(loaded: httpx.Client, kind: str) -> None:
    for bound in ("since", "until"):
        response = loaded.get(f"/v1/{kind}", params={bound: T1})
        assert response.status_code == 400
        assert response.json() == {
            "error": {"code": "invalid_filter", "message": f"{kind} cannot be filtered by time"}
        }


# -- pagination ----------------------------------------------------------------------------------


def _walk(client: httpx.Client, kind: str, limit: int, **params: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        response = client.get(f"/v1/{kind}", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(_keys(body["data"]))
        assert (body["next_cursor"] is not None) == body["has_more"]
        if not body["has_more"]:
            return pages
        cursor = body["next_cursor"]
        assert len(pages) < 50


FIVE: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "products": [(i, {"name": f"P {i}"}) for i in ("r3", "r1", "r5", "r2", "r4")],
    "usage_events": [
        (i, {"customer_id": "c1", "metric_code": "m", "quantity": "1", "timestamp": T1})
        for i in ("r3", "r1", "r5", "r2", "r4")
    ],
    "fx_rates": [
        (k, {"rate": "1"})
        for k in (
            "USD/2025-01-01",
            "EUR/2025-01-02",
            "CHF/2025-01-01",
            "EUR/2024-12-31",
            "EUR/2025-01-01",
        )
    ],
}
FIVE_ORDER = {
    "products": ["r1", "r2", "r3", "r4", "r5"],
    "usage_events": ["r1", "r2", "r3", "r4", "r5"],
    "fx_rates": [
        "CHF/2025-01-01",
        "EUR/2024-12-31",
        "EUR/2025-01-01",
        "EUR/2025-01-02",
        "USD/2025-01-01",
    ],
}


@pytest.mark.parametrize("kind", sorted(FIVE))
def test_cursor_walks_every_row_once_in_key_order(api: httpx.Client, kind: str) -> None:
    assert api.put("/v1/customers/c1", json={"name": "C", "created_at": T1}).status_code == 201
    for key, body in FIVE[kind]:
        assert api.put(f"/v1/{kind}/{key}", json=body).status_code == 201
    order = FIVE_ORDER[kind]
    assert _walk(api, kind, 2) == [order[0:2], order[2:4], order[4:5]]
    assert _walk(api, kind, 4) == [order[0:4], order[4:5]]
    assert _walk(api, kind, 5) == [order]
    assert _walk(api, kind, 1) == [[k] for k in order]
    assert _walk(api, kind, 500) == [order]


def test_first_page_flags(api: httpx.Client) -> None:
    for i in range(1, 4):
        api.put(f"/v1/products/p{i}", json={"name": "P"})
    first = api.get("/v1/products", params={"limit": 2}).json()
    assert _keys(first["data"]) == ["p1", "p2"]
    assert first["has_more"] is True
    assert isinstance(first["next_cursor"], str) and first["next_cursor"]
    last = api.get("/v1/products", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert last == {
        "data": [
            {
                "id": "p3",
                "name": "P",
                "payment_provider": {
                    "configured": False,
                    "test_credentials": False,
                    "live_credentials": False,
                },
            }
        ],
        "has_more": False,
        "next_cursor": None,
    }
    empty = api.get("/v1/customers").json()
    assert empty == {"data": [], "has_more": False, "next_cursor": None}


def test_cursor_walk_with_filters(api: httpx.Client) -> None:
    times = [T1, T2, T3, "2025-01-04T00:00:00Z", "2025-01-05T00:00:00Z"]
    for n in range(1, 8):
        body = {"name": f"C{n}", "created_at": times[n % 5], "is_active": n != 4}
        assert api.put(f"/v1/customers/c{n}", json=body).status_code == 201
    # active: all but c4; since T2 drops c5 (n % 5 == 0 -> T1)
    pages = _walk(api, "customers", 2, is_active="true", since=T2)
    assert pages == [["c1", "c2"], ["c3", "c6"], ["c7"]]


def test_mixed_case_and_punctuation_ids_are_each_listed_once(api: httpx.Client) -> None:
    ids = ["B", "a", "a-b", "ab", "A", "a.b", "Z9", "a:1", "a@x", "a+b", "0", "9z"]
    for record_id in ids:
        assert api.put(f"/v1/products/{record_id}", json={"name": "P"}).status_code == 201
    one_page = _walk(api, "products", 500)[0]
    assert sorted(one_page) == sorted(ids)
    for limit in (1, 2, 3, 5):
        walked = [k for page in _walk(api, "products", limit) for k in page]
        assert walked == one_page


# -- bad parameters ------------------------------------------------------------------------------


def _assert_400(response: httpx.Response, code: str, message: str | None = None) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == code
    if message is not None:
        assert error == {"code": code, "message": message}


def test_unknown_filter_is_400(loaded: httpx.Client) -> None:
    _assert_400(
        loaded.get("/v1/customers", params={"foo": "1"}),
        "invalid_filter",
        "unknown parameter 'foo'; customers accept partner_id, is_active, currency, "
        "since, until, cursor, limit",
    )
    _assert_400(
        loaded.get("/v1/products", params={"status": "x"}),
        "invalid_filter",
        "unknown parameter 'status'; products accept cursor, limit",
    )
    # A real column that is not a filter.
    _assert_400(loaded.get("/v1/customers", params={"name": "C1"}), "invalid_filter")


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "kind, cursor",
    [
        ("customers", "!!!"),
        ("customers", "not base64 at all"),
        ("customers", base64.urlsafe_b64encode(b"{bad json").decode()),
        ("customers", _cursor({"id": "c1"})),
        ("customers", _cursor([1])),
        ("customers", _cursor(["c1", "c2"])),
        ("customers", _cursor([])),
        ("customers", "\N{SNOWMAN}"),
        ("fx_rates", _cursor(["EUR"])),
        ("fx_rates", _cursor(["EUR", "2025-13-01"])),
        ("fx_rates", _cursor(["EUR", 20250101])),
        ("fx_rates", _cursor([1, "2025-01-01"])),
    ],
)
def test_bad_cursor_is_400(loaded: httpx.Client, kind: str, cursor: str) -> None:
    _assert_400(
        loaded.get(f"/v1/{kind}", params={"cursor": cursor}), "invalid_cursor", "invalid cursor"
    )


@pytest.mark.parametrize("limit", ["0", "501", "-1", "abc", "1.5", "", " 5", "1e2"])
def test_limit_out_of_range_is_400(loaded: httpx.Client, limit: str) -> None:
    _assert_400(
        loaded.get("/v1/customers", params={"limit": limit}),
        "invalid_limit",
        "limit must be an integer from 1 to 500",
    )


def test_limit_with_a_unicode_digit_is_400(loaded: httpx.Client) -> None:
    _assert_400(
        loaded.get("/v1/customers", params={"limit": "\u00b2"}),
        "invalid_limit",
        "limit must be an integer from 1 to 500",
    )


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"since": "2025-01-01T00:00:00"},
            "since: must carry a UTC offset (e.g. 2025-01-31T23:30:00+01:00 or ...Z)",
        ),
        (
            {"until": "2025-01-01"},
            "until: must carry a UTC offset (e.g. 2025-01-31T23:30:00+01:00 or ...Z)",
        ),
        ({"since": "last tuesday"}, "since: must be an ISO 8601 timestamp with offset"),
        ({"since": "1969-12-31T23:59:59Z"}, "since: must be between 1970 and 2200"),
        ({"until": "0001-01-01T00:00:00+01:00"}, "until: must be between 1970 and 2200"),
        ({"is_active": "yes"}, "filter is_active must be true or false"),
        ({"is_active": "True"}, "filter is_active must be true or false"),
        ({"partner_id": "p" * 129}, "filter partner_id is too long"),
    ],
)
def test_bad_filter_values_are_400(
    loaded: httpx.Client, params: dict[str, str], message: str
) -> None:
    _assert_400(loaded.get("/v1/customers", params=params), "invalid_filter", message)


def test_filter_value_with_nul_is_400(loaded: httpx.Client) -> None:
    _assert_400(
        loaded.get("/v1/customers", params={"partner_id": "pa1\u0000"}),
        "invalid_filter",
        "filter partner_id must not contain NUL",
    )


def test_cursor_with_nul_is_400(loaded: httpx.Client) -> None:
    _assert_400(
        loaded.get("/v1/customers", params={"cursor": _cursor(["c1\u0000"])}),
        "invalid_cursor",
        "invalid cursor",
    )
