"""Hostile JSON on every endpoint that takes JSON: malformed UTF-8, NaN and Infinity, numbers
past a double, 10,000-digit decimals, far-future dates (years 9999 and 10000) and 10,000 levels
of nesting.  Each is refused cleanly (the exact 4xx body of the surface), nothing is written,
and the server goes on serving.  Both databases, through the live server."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import TenantCtx
from tests.reliability.hostile import T0, basic, row_counts, seed_customer

DIGITS = "1." + "0" * 9998 + "1"  # a 10,000-digit decimal
BIG_INT = "9" * 400
NESTED_ARRAYS = "[" * 10_000 + "]" * 10_000
NESTED_OBJECTS = '{"a":' * 10_000 + "1" + "}" * 10_000
JSON_TYPE = {"Content-Type": "application/json"}


def native(code: str, message: str, problems: list[dict[str, Any]] | None = None) -> Any:
    error: dict[str, Any] = {"code": code, "message": message}
    if problems is not None:
        error["problems"] = problems
    return {"error": error}


def invalid_json(detail: str) -> Any:
    return native("invalid_json", f"request body is not valid JSON: {detail}")


def invalid(path: str, message: str, code: str = "value_error") -> Any:
    return native(
        "validation_error",
        "1 problem found; nothing was written",
        [{"path": path, "code": code, "message": message}],
    )


@dataclass(frozen=True)
class Hostile:
    name: str
    method: str
    path: str
    body: bytes
    status: int
    expected: Any


def payment(amount: str) -> bytes:
    """A payment whose amount is the raw JSON text ``amount`` (the amount is the 44th byte)."""
    return (
        '{"customer_id": "cus_1", "currency": "USD", "amount": ' + amount
        + f', "status": "succeeded", "created_at": "{T0}"}}'
    ).encode()  # fmt: skip


def customer(created_at: str) -> bytes:
    return ('{"name": "C", "created_at": "' + created_at + '"}').encode()


AT_COLUMN_55 = "line 1 column 55 (char 54)"
FLOAT = 'must be a decimal string such as "12.50" (binary floats are not exact)'
LONG = "must be a decimal string of at most 40 characters"

INGEST = [
    Hostile("malformed utf-8", "PUT", "/v1/customers/c9", b'{"name": "\xff\xfe", "created_at": "'
            + T0.encode() + b'"}', 400,
            invalid_json("str is not valid UTF-8: surrogates not allowed: line 1 column 1 "
                         "(char 0)")),
    Hostile("NaN", "PUT", "/v1/payments/pay9", payment("NaN"), 400,
            invalid_json(f"unexpected character, expected a JSON value: {AT_COLUMN_55}")),
    Hostile("Infinity", "PUT", "/v1/payments/pay9", payment("Infinity"), 400,
            invalid_json(f"unexpected character, expected a JSON value: {AT_COLUMN_55}")),
    Hostile("-Infinity", "PUT", "/v1/payments/pay9", payment("-Infinity"), 400,
            invalid_json("no digit after sign: line 1 column 56 (char 55)")),
    Hostile("1e999999", "PUT", "/v1/payments/pay9", payment("1e999999"), 400,
            invalid_json(f"number is infinity when parsed as double: {AT_COLUMN_55}")),
    Hostile("400-digit integer", "PUT", "/v1/payments/pay9", payment(BIG_INT), 400,
            invalid_json(f"number is infinity when parsed as double: {AT_COLUMN_55}")),
    Hostile("10,000-digit decimal number", "PUT", "/v1/payments/pay9", payment(DIGITS), 422,
            invalid("data.amount", FLOAT)),
    Hostile("10,000-digit decimal string", "PUT", "/v1/payments/pay9", payment(f'"{DIGITS}"'),
            422, invalid("data.amount", LONG)),
    Hostile("NaN string", "PUT", "/v1/payments/pay9", payment('"NaN"'), 422,
            invalid("data.amount", "must be a finite number")),
    Hostile("1e999999 string", "PUT", "/v1/payments/pay9", payment('"1e999999"'), 422,
            invalid("data.amount", "must be smaller than 1,000,000,000,000 in absolute value")),
    Hostile("year 9999", "PUT", "/v1/customers/c9", customer("9999-12-31T23:59:59Z"), 422,
            invalid("data.created_at", "must be between 1970 and 2200")),
    Hostile("year 10000", "PUT", "/v1/customers/c9", customer("10000-01-01T00:00:00Z"), 422,
            invalid("data.created_at", "must be an ISO 8601 timestamp with offset")),
    Hostile("fx rate on 9999-12-31", "PUT", "/v1/fx_rates/EUR/9999-12-31", b'{"rate": "1.1"}',
            422, invalid("path.date", "must be between 1970-01-01 and 2199-12-31",
                          "invalid_date")),
    Hostile("fx rate on 10000-01-01", "PUT", "/v1/fx_rates/EUR/10000-01-01", b'{"rate": "1.1"}',
            422, invalid("path.date", "a date as YYYY-MM-DD", "invalid_date")),
    Hostile("fx rate 10,000 digits", "PUT", "/v1/fx_rates/EUR/2025-01-01",
            f'{{"rate": "{DIGITS}"}}'.encode(), 422, invalid("data.rate", LONG)),
    Hostile("10,000 nested arrays", "PUT", "/v1/customers/c9", NESTED_ARRAYS.encode(), 400,
            invalid_json("depth limit exceeded: line 1 column 1026 (char 1025)")),
    Hostile("10,000 nested objects", "PUT", "/v1/customers/c9", NESTED_OBJECTS.encode(), 400,
            invalid_json("depth limit exceeded: line 1 column 5122 (char 5121)")),
]  # fmt: skip


def _import_body(line: bytes) -> bytes:
    """A valid customer on line 1, the hostile record on line 2 (all-or-nothing)."""
    good = b'{"kind": "customers", "data": {"id": "c1", "name": "C", "created_at": "' + T0.encode()
    return good + b'"}}\n' + line


def _as_line(case: Hostile) -> bytes:
    kind = case.path.split("/")[2]
    record_id = case.path.split("/")[3]
    if case.body.startswith((b"[", b'{"a":')):
        data = case.body
    else:
        data = case.body[:-1] + f', "id": "{record_id}"}}'.encode()
    return b'{"kind": "' + kind.encode() + b'", "data": ' + data + b"}"


def _import_expected(case: Hostile) -> tuple[str, str]:
    """(problem code, message) the import reports for the hostile line: a pattern for orjson's
    errors (their column is the line's), the message itself otherwise."""
    problem = case.expected["error"]
    if case.status == 400:
        detail = problem["message"].removeprefix("request body is not valid JSON: ")
        reason = detail.rsplit(": line 1 column", 1)[0]
        return (
            "invalid_json",
            rf"not valid JSON: {re.escape(reason)}: line 1 column \d+ \(char \d+\)",
        )
    first = problem["problems"][0]
    return first["code"], re.escape(first["message"])


IMPORTS = [c for c in INGEST if c.path.startswith(("/v1/customers", "/v1/payments"))]


@pytest.fixture
def seeded(api: httpx.Client) -> httpx.Client:
    seed_customer(api)
    return api


def _check(
    client: httpx.Client, engine: Engine, tenant: TenantCtx, method: str, path: str, **kw: Any
) -> httpx.Response:
    before = row_counts(engine, tenant.id)
    response = client.request(method, path, **kw)
    assert row_counts(engine, tenant.id) == before, "a refused request wrote rows"
    assert client.get("/v1/tenant", headers=tenant.headers).status_code == 200  # still serving
    return response


@pytest.mark.parametrize("case", INGEST, ids=[c.name for c in INGEST])
def test_ingest_put(case: Hostile, seeded: httpx.Client, engine: Engine, tenant: TenantCtx) -> None:
    response = _check(seeded, engine, tenant, case.method, case.path, content=case.body)
    assert response.status_code == case.status, response.text
    assert response.json() == case.expected


@pytest.mark.parametrize("case", IMPORTS, ids=[c.name for c in IMPORTS])
def test_bulk_import(
    case: Hostile, seeded: httpx.Client, engine: Engine, tenant: TenantCtx
) -> None:
    body = _import_body(_as_line(case))
    response = _check(seeded, engine, tenant, "POST", "/v1/import", content=body)
    assert response.status_code == 422, response.text
    problems = response.json()["error"]["problems"]
    assert len(problems) == 1 and problems[0]["line"] == 2
    code, pattern = _import_expected(case)
    assert problems[0]["code"] == code
    assert re.fullmatch(pattern, problems[0]["message"]), problems[0]["message"]


# -- the JSON bodies FastAPI parses: Pabbly's query, the portal token request ---------------

NOT_JSON = [
    ("malformed utf-8", b'{"product_id": "\xff", "interval": "today"}'),
    ("NaN", b'{"product_id": "all", "interval": "today", "x": NaN}'),
    ("Infinity", b'{"product_id": "all", "interval": "today", "x": Infinity}'),
    ("1e999999", b'{"product_id": "all", "interval": "today", "x": 1e999999}'),
    ("5,000-digit integer", ('{"product_id": "all", "x": ' + "9" * 5000 + "}").encode()),
    ("10,000 nested arrays", NESTED_ARRAYS.encode()),
    ("10,000 nested objects", NESTED_OBJECTS.encode()),
]
PABBLY = [
    *[(name, body, 400, "the request body is not valid JSON") for name, body in NOT_JSON],
    ("10,000-digit decimal", ('{"product_id": ' + DIGITS + ', "interval": "today"}').encode(),
     400, "product_id: Input should be a valid string"),
    ("year 9999", b'{"product_id": "all", "interval": "custom", "start_date": "9999-01-01", '
     b'"end_date": "9999-12-31"}', 400, "start_date must be between 1970-01-01 and 2199-12-31"),
    ("year 10000", b'{"product_id": "all", "interval": "custom", "start_date": "2025-01-01", '
     b'"end_date": "10000-01-01"}', 400, "end_date must be a date in the form YYYY-MM-DD"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status", "message"), [p[1:] for p in PABBLY], ids=[p[0] for p in PABBLY]
)
def test_pabbly(
    body: bytes, status: int, message: str, http: httpx.Client, engine: Engine, tenant: TenantCtx
) -> None:
    headers = {**basic(tenant), **JSON_TYPE}
    response = _check(http, engine, tenant, "POST", "/api/v2/getdashboardstats",
                      content=body, headers=headers)  # fmt: skip
    assert response.status_code == status, response.text
    assert response.json() == {"status": "error", "message": message}


PORTAL = [
    *[(name, body, 400, native("invalid_json", "the request body is not valid JSON"))
      for name, body in NOT_JSON],
    ("10,000-digit ttl", ('{"ttl_hours": ' + DIGITS + "}").encode(), 422,
     native("validation_error", "invalid request", [
         {"path": "body.ttl_hours", "code": "int_type",
          "message": "Input should be a valid integer"}])),
    ("ttl past the cap", b'{"ttl_hours": 99999999999}', 422,
     native("validation_error", "invalid request", [
         {"path": "body.ttl_hours", "code": "less_than_equal",
          "message": "Input should be less than or equal to 720"}])),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status", "expected"), [p[1:] for p in PORTAL], ids=[p[0] for p in PORTAL]
)
def test_portal_token(
    body: bytes,
    status: int,
    expected: Any,
    seeded: httpx.Client,
    engine: Engine,
    tenant: TenantCtx,
) -> None:
    response = _check(seeded, engine, tenant, "POST", "/v1/customers/cus_1/portal_token",
                      content=body, headers=JSON_TYPE)  # fmt: skip
    assert response.status_code == status, response.text
    assert response.json() == expected


def test_devkit_token_malformed_utf8(http: httpx.Client, tenant: TenantCtx) -> None:
    body = b"grant_type=client_credentials&client_id=" + tenant.key_id.encode() + b"\xff"
    response = http.post(
        "/api/v1/auth/token",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "the request body is not valid application/x-www-form-urlencoded",
    }
    assert response.headers["cache-control"] == "no-store"
