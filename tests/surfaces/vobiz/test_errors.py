"""Errors in the vendor's shape: 401 INVALID_CREDENTIALS, 400 INVALID_DATE_RANGE, and the rest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jsonschema
import pytest
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine
from starlette.requests import Request

from billstats.surfaces.vobiz import errors
from tests.conftest import make_tenant
from tests.surfaces.vobiz.conftest import ANALYTICS, DASHBOARD, World, issue, load

# The vendor's documented error format (docs.vobiz.ai/errors): status, error{code, message,
# details}, timestamp (UTC, milliseconds), requestId.
ERROR = {
    "type": "object",
    "properties": {
        "status": {"enum": ["error"]},
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "pattern": "^[A-Z][A-Z_]*$"},
                "message": {"type": "string", "minLength": 1},
                "details": {"type": "object"},
            },
            "required": ["code", "message", "details"],
            "additionalProperties": False,
        },
        "timestamp": {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$",
        },
        "requestId": {"type": "string", "pattern": "^req_[0-9a-f]{12}$"},
    },
    "required": ["status", "error", "timestamp", "requestId"],
    "additionalProperties": False,
}


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    jsonschema.validate(body, ERROR)
    assert body["error"]["code"] == code
    assert response.headers["x-request-id"] == body["requestId"]
    stamp = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
    assert abs(stamp - datetime.now(UTC)) < timedelta(minutes=5)
    assert "www-authenticate" not in response.headers
    return body


def _credential_cases(world: World) -> list[tuple[str, dict[str, str]]]:
    good = world.p1
    return [
        ("no headers", {}),
        ("only the id", {"X-Auth-ID": good.auth_id}),
        ("only the token", {"X-Auth-Token": good.token}),
        ("wrong token", {"X-Auth-ID": good.auth_id, "X-Auth-Token": good.token + "x"}),
        ("empty token", {"X-Auth-ID": good.auth_id, "X-Auth-Token": ""}),
        ("unknown id", {"X-Auth-ID": "PA_ZZZZZZZZ", "X-Auth-Token": good.token}),
        ("lower-case id", {"X-Auth-ID": good.auth_id.lower(), "X-Auth-Token": good.token}),
        ("malformed id", {"X-Auth-ID": "PA_1", "X-Auth-Token": good.token}),
        ("other partner's token", {"X-Auth-ID": good.auth_id, "X-Auth-Token": world.p2.token}),
        ("swapped", {"X-Auth-ID": good.token, "X-Auth-Token": good.auth_id}),
        ("bearer", {"Authorization": f"Bearer {good.auth_id}.{good.token}"}),
    ]


@pytest.mark.parametrize("path", [DASHBOARD, ANALYTICS])
def test_bad_credentials(http: httpx.Client, world: World, path: str) -> None:
    for name, headers in _credential_cases(world):
        body = error_of(http.get(path, headers=headers), 401, "INVALID_CREDENTIALS")
        assert body["error"]["message"] == "invalid X-Auth-ID or X-Auth-Token", name
        assert body["error"]["details"] == {}, name
    # and the good pair works, with the header names in any case
    lower = {"x-auth-id": world.p1.auth_id, "x-auth-token": world.p1.token}
    assert http.get(path, headers=lower).status_code == 200


def test_tenant_api_key_is_not_a_partner_credential(http: httpx.Client, world: World) -> None:
    response = http.get(DASHBOARD, headers=world.tenant.headers)
    error_of(response, 401, "INVALID_CREDENTIALS")


def test_invalid_date_range_shape(http: httpx.Client, world: World) -> None:
    response = http.get(ANALYTICS, headers=world.p1.headers, params={"from_date": "2024-01-01"})
    body = error_of(response, 400, "INVALID_DATE_RANGE")
    assert body["error"] == {
        "code": "INVALID_DATE_RANGE",
        "message": "the window spans 863 days; at most 366 are allowed",
        "details": {"from_date": "2024-01-01", "to_date": None, "max_days": 366},
    }


def test_unknown_path_and_method_under_the_prefix(http: httpx.Client, world: World) -> None:
    error_of(http.get("/api/v1/partner/nothing", headers=world.p1.headers), 404, "NOT_FOUND")
    response = http.post(DASHBOARD, headers=world.p1.headers)
    error_of(response, 405, "METHOD_NOT_ALLOWED")


def test_missing_exchange_rate_names_it(engine: Engine, http: httpx.Client, pin_clock: Any) -> None:
    """A USD call of an INR partner in a USD tenant needs the INR rate of the call's day."""
    tenant = make_tenant(engine, timezone="UTC")
    load(
        http,
        tenant,
        [
            (
                "partners",
                {"id": "p", "name": "P", "slug": "p", "created_at": "2026-01-01T00:00:00Z"},
            ),
            (
                "customers",
                {
                    "id": "a",
                    "name": "A",
                    "currency": "INR",
                    "partner_id": "p",
                    "created_at": "2026-01-01T00:00:00Z",
                },
            ),
            (
                "call_records",
                {
                    "id": "c",
                    "account_id": "a",
                    "direction": "outbound",
                    "product": "voice_api",
                    "started_at": "2026-05-01T10:00:00Z",
                    "duration_seconds": 60,
                    "billed_seconds": 60,
                    "answered": True,
                    "cost": "1",
                    "currency": "USD",
                },
            ),
        ],
    )
    response = http.get(DASHBOARD, headers=issue(http, tenant, "p").headers)
    body = error_of(response, 422, "MISSING_FX_RATE")
    assert body["error"]["details"] == {"currency": "INR", "date": "2026-05-01"}
    assert "INR on 2026-05-01" in body["error"]["message"]


def test_request_validation_errors_take_the_vendor_shape() -> None:
    """FastAPI's validation errors (no query or header of these endpoints can raise one today,
    every parameter is an optional string) are rendered in the same shape."""
    exc = RequestValidationError(
        [{"loc": ("query", "from_date"), "type": "string_type", "msg": "Input should be a string"}]
    )
    scope = {"type": "http", "method": "GET", "path": ANALYTICS, "headers": []}
    response = errors.render_validation(Request(scope), exc)
    assert response.status_code == 422
    body = json.loads(bytes(response.body))
    jsonschema.validate(body, ERROR)
    assert body["error"] == {
        "code": "VALIDATION_ERROR",
        "message": "invalid request",
        "details": {
            "errors": [
                {
                    "field": "query.from_date",
                    "type": "string_type",
                    "message": "Input should be a string",
                }
            ]
        },
    }
    assert response.headers["x-request-id"] == body["requestId"]


def test_native_paths_keep_the_native_format(http: httpx.Client) -> None:
    response = http.post("/v1/partners/p1/credentials")
    assert response.status_code == 401
    assert set(response.json()) == {"error"}
