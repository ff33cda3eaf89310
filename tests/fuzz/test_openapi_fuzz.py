"""Schemathesis against the app's own OpenAPI document: every operation, both databases.

Each operation gets ``BILLSTATS_FUZZ_EXAMPLES`` generated cases (default 15; schemathesis adds
its coverage cases: boundary values, missing and unexpected parameters, other methods), valid
and invalid (1,000 in the long run, ``-m fuzz_long``), sent through the live uvicorn server with
the surface's real credentials.  Every response must be no 5xx, a documented status, the
documented content type and headers, and a body matching the documented schema.
"""

from __future__ import annotations

import os
import tempfile
import zlib
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from billstats.app import create_app
from billstats.config import Settings
from tests.fuzz.conftest import Tally
from tests.fuzz.world import World

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# The document only: the engine is never connected.
_unused_db = os.path.join(tempfile.gettempdir(), "billstats-openapi-only.sqlite3")
_app = create_app(Settings(database_url=f"sqlite:///{_unused_db}"), migrate=False)
schema = schemathesis.openapi.from_dict(_app.openapi())
# POST /v1/import takes NDJSON: text on the wire.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")

# CI's bounded budget per operation and database (schemathesis adds its coverage cases);
# the long run (``pytest -m fuzz_long tests/fuzz``) takes 1,000 per operation.
MAX_EXAMPLES = int(os.environ.get("BILLSTATS_FUZZ_EXAMPLES", "15"))
LONG_EXAMPLES = int(os.environ.get("BILLSTATS_FUZZ_LONG_EXAMPLES", "1000"))
SETTINGS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}


def _half(value: object) -> bool:
    """A deterministic coin for a generated value (so a failing case replays the same)."""
    return zlib.crc32(repr(value).encode()) % 2 == 0


def prepare(case: Any, world: World) -> dict[str, str]:
    """Put the surface's real credentials on the case (and, for half the generated ids, an id
    the tenant has, so the fuzzer reaches past the 404); the headers to send."""
    path: str = case.path
    params = case.path_parameters if isinstance(case.path_parameters, dict) else {}
    for name, real in (("customer_id", world.customer_id), ("sub_id", world.subscription_id)):
        if name in params and _half(params[name]):
            params[name] = real
    if path == "/v1/partners/{partner_id}/credentials" and _half(params.get("partner_id")):
        params["partner_id"] = world.partner_id
    if path.startswith("/api/v2/"):
        return {"Authorization": world.basic}
    if path.startswith("/api/v1/payments/"):
        return {"Authorization": world.oauth}
    if path.startswith("/api/v1/partner/"):
        return {"X-Auth-ID": world.partner_auth_id, "X-Auth-Token": world.partner_token}
    if path.startswith("/portal/"):
        if isinstance(case.query, dict):
            case.query["token"] = world.portal_token
        return {}
    if path.startswith("/api/v1/auth/"):
        body = case.body
        if isinstance(body, dict) and body.get("grant_type") == "client_credentials":
            body["client_id"], body["client_secret"] = world.key_id, world.key_secret
        return {}
    return {"Authorization": world.bearer}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, **SETTINGS)
def test_openapi(case: Any, world: World, tally: Tally) -> None:
    """The bounded run: the same cases every time (derandomized), so CI is reproducible."""
    check_case(case, world, tally)


@pytest.mark.fuzz_long
@schema.parametrize()
@settings(max_examples=LONG_EXAMPLES, derandomize=False, **SETTINGS)
def test_openapi_long(case: Any, world: World, tally: Tally) -> None:
    """The long run: 1,000 fresh random cases per operation (results in docs/reliability.md)."""
    check_case(case, world, tally)


def check_case(case: Any, world: World, tally: Tally) -> None:
    headers = prepare(case, world)
    with requests.Session() as session:
        response = case.call(base_url=world.base_url, session=session, headers=headers)
        tally.add(case.operation.label, case.method, response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as exc:
            tally.fail(case.operation.label, response.status_code, str(exc))
            raise
