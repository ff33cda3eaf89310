"""POST /v1/import: NDJSON, any order, all-or-nothing, every problem with its line number."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from billstats.ingest.kinds import KINDS
from tests.ingest.test_payloads import BASE, CASES, T0, base_lines, ndjson_body

INVALID_LINE = 'each line must be {"kind": "<kind>", "data": {...}}'
KIND_LIST = ", ".join(sorted(KINDS))


def _counts(**kinds: tuple[int, int, int]) -> dict[str, dict[str, int]]:
    return {k: {"created": c, "updated": u, "unchanged": n} for k, (c, u, n) in kinds.items()}


def _ids(client: httpx.Client, kind: str) -> list[str]:
    body = client.get(f"/v1/{kind}", params={"limit": 500}).json()
    return [r.get("id") or f"{r['currency']}/{r['date']}" for r in body["data"]]


def _all_ids(client: httpx.Client) -> dict[str, list[str]]:
    return {kind: _ids(client, kind) for kind in sorted(KINDS)}


def _every_case_line() -> list[Any]:
    """One record of every kind (the upsert samples), keyed for NDJSON."""
    lines: list[Any] = []
    for case in CASES:
        if case.kind == "fx_rates":
            currency, day = case.path.split("/")
            lines.append((case.kind, {"currency": currency, "date": day, **case.new}))
        else:
            lines.append((case.kind, {"id": case.path, **case.new}))
    return lines


BASE_COUNTS = _counts(
    affiliates=(1, 0, 0),
    customers=(2, 0, 0),
    invoices=(1, 0, 0),
    partners=(1, 0, 0),
    payments=(2, 0, 0),
    plans=(2, 0, 0),
    products=(1, 0, 0),
    subscriptions=(2, 0, 0),
    wallets=(1, 0, 0),
)


def test_lines_in_any_order(api: httpx.Client) -> None:
    """A subscription before its customer and plan, a refund before its payment, and so on."""
    lines = list(reversed(base_lines()))
    response = api.post(
        "/v1/import", content=ndjson_body(lines), headers={"Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"result": "ok", "records": len(BASE), "kinds": BASE_COUNTS}
    sub = api.get("/v1/subscriptions/sub").json()
    assert (sub["customer_id"], sub["plan_id"], sub["currency"]) == ("cus", "plan", "USD")
    assert api.get("/v1/payments/pay").json()["invoice_id"] == "inv"


def test_every_kind_in_one_import_then_reimport_is_all_unchanged(api: httpx.Client) -> None:
    lines = [*_every_case_line(), *base_lines()]  # dependents first
    body = ndjson_body(lines)
    first = api.post("/v1/import", content=body)
    assert first.status_code == 200, first.text
    created = {kind: (1, 0, 0) for kind in KINDS}
    for kind, _ in BASE:
        c, _, _ = created[kind]
        created[kind] = (c + 1, 0, 0)
    assert first.json() == {"result": "ok", "records": len(lines), "kinds": _counts(**created)}
    # What a single PUT would have stored, for every kind.
    for case in CASES:
        assert api.get(case.url).json() == case.stored, case.kind

    second = api.post("/v1/import", content=body)
    assert second.status_code == 200
    unchanged = {kind: (0, 0, c) for kind, (c, _, _) in created.items()}
    assert second.json() == {"result": "ok", "records": len(lines), "kinds": _counts(**unchanged)}


def test_reimport_respelled_values_is_unchanged(api: httpx.Client) -> None:
    assert (
        api.post(
            "/v1/import", content=ndjson_body([*base_lines(), *_every_case_line()])
        ).status_code
        == 200
    )
    respelled: list[Any] = []
    for case in CASES:
        if case.kind == "fx_rates":
            currency, day = (case.respelled_path or case.path).split("/")
            respelled.append((case.kind, {"currency": currency, "date": day, **case.respelled}))
        else:
            respelled.append((case.kind, {**case.respelled, "id": case.path}))
    response = api.post("/v1/import", content=ndjson_body(respelled))
    assert response.status_code == 200, response.text
    assert response.json()["kinds"] == _counts(**{k: (0, 0, 1) for k in KINDS})


def test_one_bad_line_among_many_writes_nothing(api: httpx.Client) -> None:
    lines = base_lines()
    # A leaf record (nothing refers to it), so its rejection is the only problem.
    bad_at = next(n for n, (_, data) in enumerate(lines) if data["id"] == "pay-failed")
    lines[bad_at] = ("payments", {**lines[bad_at][1], "created_at": "the day before"})
    response = api.post("/v1/import", content=ndjson_body(lines))
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "1 problem found; nothing was written",
            "problems": [
                {
                    "path": "data.created_at",
                    "code": "value_error",
                    "message": "must be an ISO 8601 timestamp with offset",
                    "line": bad_at + 1,
                }
            ],
        }
    }
    assert _all_ids(api) == {kind: [] for kind in sorted(KINDS)}


def test_every_bad_line_is_reported_with_its_line_number(api: httpx.Client) -> None:
    lines: list[Any] = [
        ("products", {"id": "ok1", "name": "fine"}),  # 1
        "{not json",  # 2
        '["kind", "data"]',  # 3
        json.dumps({"kind": "nope", "data": {}}),  # 4
        json.dumps({"kind": "products"}),  # 5
        json.dumps({"kind": "products", "data": {"id": "x", "name": "x"}, "extra": 1}),  # 6
        json.dumps({"data": {"id": "x", "name": "x"}}),  # 7
        "",  # 8: blank, skipped but counted
        ("products", {"id": "", "name": "x"}),  # 9
        ("products", {"id": "a/b", "name": "x"}),  # 10
        ("products", {"name": "no id"}),  # 11
        (
            "subscriptions",
            {
                "id": "s9",
                "customer_id": "nobody",
                "plan_id": "plan",
                "status": "active",
                "started_at": T0,
            },
        ),  # 12
        ("products", {"id": "p11", "name": "x", "zzz": 1}),  # 13
        ("fx_rates", {"currency": "eur", "date": "2025-01-32", "rate": "1.1"}),  # 14
        json.dumps({"kind": 5, "data": {}}),  # 15
        ("products", {"id": "p12\n", "name": "x"}),  # 16
        json.dumps({"kind": "products", "data": "p13"}),  # 17
        (
            "plans",
            {
                "id": "plan",
                "product_id": "prod",
                "name": "P",
                "currency": "USD",
                "amount": 1.5,
                "interval_unit": "month",
            },
        ),  # 18
        ("products", {"id": "ok2", "name": "fine"}),  # 19
    ]
    response = api.post("/v1/import", content=ndjson_body([*base_lines()[:3], *lines]))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] == "16 problems found; nothing was written"
    offset = 3  # three good base lines come first
    got = [(p["line"] - offset, p["path"], p["code"]) for p in error["problems"]]
    assert got == [
        (2, "", "invalid_json"),
        (3, "", "invalid_line"),
        (4, "kind", "unknown_kind"),
        (5, "data", "not_an_object"),
        (6, "", "invalid_line"),
        (7, "", "invalid_line"),
        (9, "data.id", "invalid_id"),
        (10, "data.id", "invalid_id"),
        (11, "data.id", "missing"),
        (12, "data.customer_id", "unknown_reference"),
        (13, "data.zzz", "extra_forbidden"),
        (14, "data.date", "invalid_date"),
        (15, "kind", "unknown_kind"),
        (16, "data.id", "invalid_id"),
        (17, "data", "not_an_object"),
        (18, "data.amount", "value_error"),
    ]
    messages = {p["line"] - offset: p["message"] for p in error["problems"]}
    assert messages[2].startswith("not valid JSON: ")
    assert messages[3] == messages[6] == messages[7] == INVALID_LINE
    assert messages[4] == f"unknown kind 'nope'; one of {KIND_LIST}"
    assert messages[5] == messages[17] == "must be a JSON object"
    assert messages[11] == "id is required"
    assert messages[12] == "customers 'nobody' does not exist"
    assert messages[14] == "2025-01-32 is not a calendar date"
    assert messages[15] == f"unknown kind 5; one of {KIND_LIST}"
    assert _all_ids(api) == {kind: [] for kind in sorted(KINDS)}


def test_blank_lines_and_crlf_are_ignored(api: httpx.Client) -> None:
    body = (
        b"\n  \n"
        + json.dumps({"kind": "products", "data": {"id": "p1", "name": "P"}}).encode()
        + b"\r\n\r\n\t\n"
        + json.dumps({"kind": "affiliates", "data": {"id": "a1", "name": "A"}}).encode()
        + b"\n"
    )
    response = api.post("/v1/import", content=body)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "result": "ok",
        "records": 2,
        "kinds": _counts(affiliates=(1, 0, 0), products=(1, 0, 0)),
    }


def test_line_numbers_count_blank_lines(api: httpx.Client) -> None:
    body = b"\n\n" + json.dumps({"kind": "products", "data": {"id": "p1"}}).encode()
    response = api.post("/v1/import", content=body)
    assert response.status_code == 422
    assert response.json()["error"]["problems"] == [
        {"path": "data.name", "code": "missing", "message": "Field required", "line": 3}
    ]


@pytest.mark.parametrize("body", [b"", b"\n\n   \n"], ids=["empty", "only-blank-lines"])
def test_empty_import(api: httpx.Client, body: bytes) -> None:
    response = api.post("/v1/import", content=body)
    assert response.status_code == 200
    assert response.json() == {"result": "ok", "records": 0, "kinds": {}}


def test_line_over_one_mebibyte_is_reported(api: httpx.Client) -> None:
    big = json.dumps({"kind": "products", "data": {"id": "p2", "name": "x" * (1024 * 1024)}})
    body = ndjson_body([("products", {"id": "p1", "name": "P"}), big])
    response = api.post("/v1/import", content=body)
    assert response.status_code == 422
    assert response.json()["error"]["problems"] == [
        {"path": "", "code": "line_too_long", "message": "line exceeds 1048576 bytes", "line": 2}
    ]
    assert _ids(api, "products") == []


def test_duplicate_id_in_one_batch_last_wins(api: httpx.Client) -> None:
    lines = [
        ("customers", {"id": "c1", "name": "First", "created_at": T0}),
        ("products", {"id": "p1", "name": "P"}),
        ("customers", {"id": "c1", "name": "Second", "created_at": T0, "is_active": False}),
        ("customers", {"id": "c1", "name": "Third", "created_at": T0}),
    ]
    response = api.post("/v1/import", content=ndjson_body(lines))
    assert response.status_code == 200, response.text
    # The last line is the one applied; the two it supersedes change nothing themselves.
    assert response.json()["kinds"] == _counts(customers=(1, 0, 2), products=(1, 0, 0))
    got = api.get("/v1/customers/c1").json()
    assert (got["name"], got["is_active"]) == ("Third", True)


def test_duplicate_identical_records_in_one_batch(api: httpx.Client) -> None:
    customer = ("customers", {"id": "c1", "name": "C", "created_at": T0})
    event = (
        "usage_events",
        {"id": "e1", "customer_id": "c1", "metric_code": "m", "quantity": "1", "timestamp": T0},
    )
    body = ndjson_body([event, customer, customer, event])
    first = api.post("/v1/import", content=body)
    assert first.json()["kinds"] == _counts(customers=(1, 0, 1), usage_events=(1, 0, 1))
    second = api.post("/v1/import", content=body)
    assert second.json()["kinds"] == _counts(customers=(0, 0, 2), usage_events=(0, 0, 2))


def test_append_only_conflict_in_a_batch_is_a_problem(api: httpx.Client) -> None:
    event = {"id": "e1", "customer_id": "c1", "metric_code": "m", "quantity": "1", "timestamp": T0}
    lines = [
        ("customers", {"id": "c1", "name": "C", "created_at": T0}),
        ("usage_events", event),
        ("usage_events", {**event, "quantity": "2"}),
    ]
    response = api.post("/v1/import", content=ndjson_body(lines))
    assert response.status_code == 422
    assert response.json()["error"]["problems"] == [
        {
            "path": "data",
            "code": "conflict",
            "line": 3,
            "message": "usage_events e1 already exists with different content; "
            "usage_events are append-only",
        }
    ]
    assert _ids(api, "customers") == []


def test_append_only_conflict_with_stored_record(api: httpx.Client) -> None:
    base = [
        ("customers", {"id": "c1", "name": "C", "created_at": T0}),
        ("wallets", {"id": "w1", "customer_id": "c1", "currency": "USD"}),
        ("wallet_transactions", {"id": "t1", "wallet_id": "w1", "amount": "5", "created_at": T0}),
    ]
    assert api.post("/v1/import", content=ndjson_body(base)).status_code == 200
    lines = [
        ("wallet_transactions", {"id": "t2", "wallet_id": "w1", "amount": "1", "created_at": T0}),
        ("wallet_transactions", {"id": "t1", "wallet_id": "w1", "amount": "-5", "created_at": T0}),
    ]
    response = api.post("/v1/import", content=ndjson_body(lines))
    assert response.status_code == 422
    assert [(p["line"], p["code"]) for p in response.json()["error"]["problems"]] == [
        (2, "conflict")
    ]
    assert _ids(api, "wallet_transactions") == ["t1"]
    assert api.get("/v1/wallet_transactions/t1").json()["amount"] == "5.00"


def test_refunds_over_the_payment_within_one_batch(api: httpx.Client) -> None:
    lines = [
        *base_lines(),
        ("refunds", {"id": "r1", "payment_id": "pay", "amount": "6", "created_at": T0}),
        ("refunds", {"id": "r2", "payment_id": "pay", "amount": "5", "created_at": T0}),
    ]
    response = api.post("/v1/import", content=ndjson_body(lines))
    assert response.status_code == 422
    assert response.json()["error"]["problems"] == [
        {
            "path": "data.amount",
            "code": "refund_exceeds_payment",
            "line": len(lines),
            "message": "refunds of payment 'pay' would total 11.00, more than its amount 10.00",
        }
    ]
    assert _all_ids(api) == {kind: [] for kind in sorted(KINDS)}


def test_cross_record_rules_apply_within_a_batch(api: httpx.Client) -> None:
    lines = [
        *base_lines(),
        (
            "subscriptions",
            {
                "id": "s-eur",
                "customer_id": "cus",
                "plan_id": "plan",
                "currency": "EUR",
                "status": "active",
                "started_at": T0,
            },
        ),
        (
            "payments",
            {
                "id": "p9",
                "customer_id": "cus-other",
                "invoice_id": "inv",
                "amount": "1",
                "currency": "USD",
                "status": "succeeded",
                "created_at": T0,
            },
        ),
    ]
    response = api.post("/v1/import", content=ndjson_body(lines))
    assert response.status_code == 422
    assert [(p["line"], p["path"], p["code"]) for p in response.json()["error"]["problems"]] == [
        (len(lines) - 1, "data.currency", "currency_mismatch"),
        (len(lines), "data.invoice_id", "customer_mismatch"),
    ]


def test_references_to_records_stored_earlier(api: httpx.Client) -> None:
    assert api.post("/v1/import", content=ndjson_body(base_lines())).status_code == 200
    lines = [
        ("refunds", {"id": "r1", "payment_id": "pay", "amount": "1", "created_at": T0}),
        (
            "usage_events",
            {
                "id": "e1",
                "customer_id": "cus",
                "subscription_id": "sub",
                "metric_code": "m",
                "quantity": "3",
                "timestamp": T0,
            },
        ),
    ]
    response = api.post("/v1/import", content=ndjson_body(lines))
    assert response.json() == {
        "result": "ok",
        "records": 2,
        "kinds": _counts(refunds=(1, 0, 0), usage_events=(1, 0, 0)),
    }


def test_a_record_waiting_for_a_reference_that_never_comes(api: httpx.Client) -> None:
    lines = [
        (
            "invoices",
            {
                "id": "i1",
                "customer_id": "c1",
                "subscription_id": "s1",
                "currency": "USD",
                "status": "open",
                "issued_at": T0,
                "total": "0",
            },
        ),
        ("customers", {"id": "c1", "name": "C", "created_at": T0}),
    ]
    response = api.post("/v1/import", content=ndjson_body(lines))
    assert response.status_code == 422
    assert response.json()["error"]["problems"] == [
        {
            "path": "data.subscription_id",
            "code": "unknown_reference",
            "line": 1,
            "message": "subscriptions 's1' does not exist",
        }
    ]


def test_import_needs_the_ingest_scope(http: httpx.Client, engine: Any) -> None:
    from tests.conftest import make_tenant

    reader = make_tenant(engine, scopes=("analytics:read",))
    response = http.post("/v1/import", content=ndjson_body(base_lines()), headers=reader.headers)
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": "this key lacks the 'ingest:write' scope"}
    }


def test_reimport_with_an_in_batch_repeat_is_unchanged(api: httpx.Client) -> None:
    lines = [
        ("customers", {"id": "c1", "name": "First", "created_at": T0}),
        ("customers", {"id": "c1", "name": "Second", "created_at": T0}),
    ]
    body = ndjson_body(lines)
    first = api.post("/v1/import", content=body)
    assert first.json()["kinds"] == _counts(customers=(1, 0, 1))
    assert api.get("/v1/customers/c1").json()["name"] == "Second"
    again = api.post("/v1/import", content=body)
    assert again.json()["kinds"] == _counts(customers=(0, 0, 2))
    assert api.get("/v1/customers/c1").json()["name"] == "Second"


def test_refunds_summing_past_64_bits_are_refused_not_crashed(api: httpx.Client) -> None:
    largest = "999999999999.999999"
    lines: list[Any] = [
        ("customers", {"id": "c1", "name": "C", "created_at": T0}),
        (
            "payments",
            {
                "id": "p1",
                "customer_id": "c1",
                "amount": largest,
                "currency": "USD",
                "status": "succeeded",
                "created_at": T0,
            },
        ),
        *[
            ("refunds", {"id": f"r{n}", "payment_id": "p1", "amount": largest, "created_at": T0})
            for n in range(10)
        ],
    ]
    response = api.post("/v1/import", content=ndjson_body(lines))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["problems"] == [
        {
            "path": "data.amount",
            "code": "refund_exceeds_payment",
            "line": len(lines),
            "message": "refunds of payment 'p1' would total 9999999999999.99999, more than its "
            "amount 999999999999.999999",
        }
    ]


def _largest_payments(first: int, count: int) -> list[Any]:
    largest = "999999999999.999999"  # the largest amount a record may carry
    payment = {"customer_id": "c1", "amount": largest, "currency": "USD", "status": "succeeded"}
    return [
        ("payments", {"id": f"p{n}", **payment, "created_at": T0})
        for n in range(first, first + count)
    ]


def test_a_day_totalling_past_64_bits_is_refused_in_one_batch(api: httpx.Client) -> None:
    """Ten maximal payments on one day sum past the daily roll-up's 64-bit column: 422 in the
    native format and nothing written (not a 500, not a wrapped-around total)."""
    lines = [("customers", {"id": "c1", "name": "C", "created_at": T0}), *_largest_payments(0, 10)]
    response = api.post("/v1/import", content=ndjson_body(lines))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "total_too_large"
    assert "payment_days" in error["message"] and "nothing was written" in error["message"]
    assert api.get("/v1/customers/c1").status_code == 404
    assert api.get("/v1/payments").json()["data"] == []


def test_a_day_totalling_past_64_bits_is_refused_across_batches(api: httpx.Client) -> None:
    """The stored day total plus a new batch overflowing (in SQL: PostgreSQL raises, SQLite
    would silently turn the sum into a float) is refused the same way; the first batch stays."""
    first = [("customers", {"id": "c1", "name": "C", "created_at": T0}), *_largest_payments(0, 5)]
    assert api.post("/v1/import", content=ndjson_body(first)).status_code == 200
    response = api.post("/v1/import", content=ndjson_body(_largest_payments(5, 5)))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "total_too_large"
    ids = sorted(p["id"] for p in api.get("/v1/payments").json()["data"])
    assert ids == ["p0", "p1", "p2", "p3", "p4"]
    # The sales still add up from the roll-up (5 x the largest amount, in minor units).
    stats = api.get(
        "/v1/metrics/sales",
        params={"start_date": T0[:10], "end_date": T0[:10], "interval": "day"},
    )
    assert stats.status_code == 200, stats.text
    assert stats.json()["entries"][0]["sales"] == "5000000000000.00"


@pytest.mark.parametrize(
    "record_id, code",
    [
        ("", "invalid_id"),
        ("a b", "invalid_id"),
        ("x" * 129, "invalid_id"),
        ("a/b", "invalid_id"),
        ("p1\n", "invalid_id"),
        ("-p1", "invalid_id"),
        (5, "invalid_id"),
        (["p1"], "invalid_id"),
        (None, "missing"),
    ],
    ids=[
        "empty",
        "space",
        "129-chars",
        "slash",
        "trailing-newline",
        "leading-dash",
        "number",
        "list",
        "null",
    ],
)
def test_bad_ids_in_import_lines(api: httpx.Client, record_id: Any, code: str) -> None:
    lines = [
        ("affiliates", {"id": "ok", "name": "A"}),
        ("affiliates", {"id": record_id, "name": "B"}),
    ]
    response = api.post("/v1/import", content=ndjson_body(lines))
    assert response.status_code == 422
    assert [(p["line"], p["path"], p["code"]) for p in response.json()["error"]["problems"]] == [
        (2, "data.id", code)
    ]
    assert _ids(api, "affiliates") == []


def test_fx_rate_lines_need_currency_and_date(api: httpx.Client) -> None:
    lines = [
        ("fx_rates", {"rate": "1.1"}),
        ("fx_rates", {"currency": "EUR", "date": 20250101, "rate": "1.1"}),
        ("fx_rates", {"currency": "eur", "date": "2025-01-31", "rate": "1.1"}),
    ]
    response = api.post("/v1/import", content=ndjson_body(lines))
    assert response.status_code == 422
    assert [(p["line"], p["path"], p["code"]) for p in response.json()["error"]["problems"]] == [
        (1, "data.currency", "invalid_currency"),
        (1, "data.date", "invalid_date"),
        (2, "data.date", "invalid_date"),
    ]
    ok = api.post("/v1/import", content=ndjson_body(lines[2:]))
    assert ok.json()["kinds"] == _counts(fx_rates=(1, 0, 0))
    assert api.get("/v1/fx_rates/EUR/2025-01-31").json() == {
        "currency": "EUR",
        "date": "2025-01-31",
        "rate": "1.1",
    }
