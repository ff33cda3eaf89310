"""The OpenAPI document itself (``GET /openapi.json``): what the fuzzer relies on, and the
untruths it found, each pinned (no database needed: the document is static)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.fuzz.test_openapi_fuzz import _app

DOC: dict[str, Any] = _app.openapi()  # what GET /openapi.json serves
OPERATIONS = [
    (f"{method.upper()} {path}", op)
    for path, item in DOC["paths"].items()
    for method, op in item.items()
]
# The error bodies of each surface, by path prefix (the first match wins): (the 401's, the
# 429's and 503's).  The token endpoint answers failed authentication in OAuth2 terms.
SHAPES = [
    ("/api/v2/", "ErrorResponse", "ErrorResponse"),
    ("/api/v1/auth/", "OAuthErrorResponse", "Detail"),
    ("/api/v1/payments/", "Detail", "Detail"),
    ("/api/v1/partner/", "VobizError", "VobizError"),
    ("/portal/", "PortalDetail", "PortalDetail"),
    ("/analytics/", r"problem\+json", r"problem\+json"),
    ("/", "NativeError|ErrorResponse", "NativeError|ErrorResponse"),
]
KINDS = [
    "products", "partners", "affiliates", "plans", "customers", "subscriptions", "invoices",
    "payments", "refunds", "wallets", "wallet_transactions", "usage_events", "call_records",
]  # fmt: skip


def _schema_text(response: dict[str, Any]) -> str:
    return json.dumps(response.get("content", {}))


def test_every_reference_resolves() -> None:
    """PUT bodies referred to component schemas that were never registered (nested models such
    as a product's payment_provider): the fuzzer could not build them."""
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(DOC)))
    assert refs - set(DOC["components"]["schemas"]) == set()


@pytest.mark.parametrize(("label", "op"), OPERATIONS, ids=[o[0] for o in OPERATIONS])
def test_errors_are_documented_in_the_surface_shape(label: str, op: dict[str, Any]) -> None:
    """Every operation documents 401 (all need a credential), 429 and 503 with Retry-After, in
    its own surface's error body; FastAPI's default 422 never stands for another shape."""
    path = label.split(" ", 1)[1]
    unauthorized, unavailable = next(s[1:] for s in SHAPES if path.startswith(s[0]))
    responses = op["responses"]
    for code, shape in (("401", unauthorized), ("429", unavailable), ("503", unavailable)):
        assert code in responses, f"{label} lacks {code}"
        assert re.search(shape, _schema_text(responses[code])), (label, code)
    for code in ("429", "503"):
        assert responses[code]["headers"]["Retry-After"]["required"] is True
    if "422" in responses and not path.startswith(("/api/v1/payments/", "/portal/")):
        assert "HTTPValidationError" not in _schema_text(responses["422"]), label


@pytest.mark.parametrize("kind", KINDS)
def test_put_kinds_document_path_body_and_results(kind: str) -> None:
    op = DOC["paths"][f"/v1/{kind}/{{id}}"]["put"]
    assert [(p["name"], p["in"], p["required"]) for p in op["parameters"]] == [("id", "path", True)]
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert body["type"] == "object" and body["additionalProperties"] is False
    for code in ("200", "201"):
        result = op["responses"][code]["content"]["application/json"]["schema"]
        assert result["properties"]["result"]["enum"] == ["created", "updated", "unchanged"]
    assert {"400", "413", "422"} <= set(op["responses"])


def test_list_query_parameters_are_documented() -> None:
    params = {p["name"]: p for p in DOC["paths"]["/v1/usage_events"]["get"]["parameters"]}
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}
    assert {"cursor", "since", "until", "customer_id"} <= set(params)


def test_caps_found_by_fuzzing_are_documented() -> None:
    """The Fynn page (a 20-digit page was a 500) and the 413s of the capped bodies."""
    fynn = {
        p["name"]: p for p in DOC["paths"]["/analytics/subscription-revenue"]["get"]["parameters"]
    }
    assert fynn["page"]["schema"]["maximum"] == 1_000_000_000
    assert fynn["limit"]["schema"]["maximum"] == 100
    assert "413" in DOC["paths"]["/api/v2/getdashboardstats"]["post"]["responses"]
    portal_token = DOC["paths"]["/v1/customers/{customer_id}/portal_token"]["post"]
    assert {"400", "413"} <= set(portal_token["responses"])
    assert "413" in DOC["paths"]["/v1/import"]["post"]["responses"]


def test_security_schemes() -> None:
    schemes = DOC["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key: `Authorization: Bearer <key_id>.<secret>`",
    }
    assert set(schemes) == {"ApiKey", "HTTPBasic", "OAuth2ClientCredentials"}
