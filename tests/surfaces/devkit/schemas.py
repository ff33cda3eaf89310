"""JSON Schemas of the devkit API, transcribed from its documentation (seed 001).

``PAYMENT_STATS`` is the documented response of ``GET /api/v1/payments/stats``: nine required
integers and ``currency``, a lowercase ISO code (default ``usd``).  The error shapes are
FastAPI's (the original is a FastAPI service) and OAuth2's (RFC 6749 section 5).
"""

from __future__ import annotations

from typing import Any

import jsonschema

INTEGER_FIELDS = (
    "total_projects",
    "projects_with_config",
    "projects_with_test",
    "projects_with_live",
    "total_subscriptions",
    "active_subscriptions",
    "total_payments",
    "successful_payments",
    "total_revenue_cents",
)

PAYMENT_STATS: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "PaymentStats",
    "type": "object",
    "properties": {
        **{name: {"type": "integer"} for name in INTEGER_FIELDS},
        "currency": {"type": "string", "default": "usd", "pattern": "^[a-z]{3}$"},
    },
    "required": list(INTEGER_FIELDS),
    "additionalProperties": False,
}

# FastAPI's HTTPException body, e.g. 401 {"detail": "Not authenticated"}.
HTTP_ERROR: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {"detail": {"type": "string", "minLength": 1}},
    "required": ["detail"],
    "additionalProperties": False,
}

# FastAPI's HTTPValidationError (components.schemas of every FastAPI OpenAPI document).
HTTP_VALIDATION_ERROR: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {
        "detail": {
            "type": "array",
            "minItems": 1,
            "items": {
                "title": "ValidationError",
                "type": "object",
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg", "type"],
            },
        }
    },
    "required": ["detail"],
}

ACCESS_TOKEN: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "access_token": {"type": "string", "minLength": 1},
        "token_type": {"const": "bearer"},
        "expires_in": {"type": "integer", "minimum": 0},
    },
    "required": ["access_token", "token_type", "expires_in"],
    "additionalProperties": False,
}

OAUTH_ERROR: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "error": {
            "enum": [
                "invalid_request",
                "invalid_client",
                "invalid_grant",
                "unauthorized_client",
                "unsupported_grant_type",
                "invalid_scope",
            ]
        },
        "error_description": {"type": "string"},
    },
    "required": ["error"],
    "additionalProperties": False,
}


def validate(body: Any, schema: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(body, schema, cls=jsonschema.Draft202012Validator)


def validate_stats(body: Any) -> None:
    """The seed's schema, plus what JSON Schema cannot say: integers are JSON integers."""
    validate(body, PAYMENT_STATS)
    for name in INTEGER_FIELDS:
        assert type(body[name]) is int, (name, body[name])
        assert body[name] >= 0, (name, body[name])
