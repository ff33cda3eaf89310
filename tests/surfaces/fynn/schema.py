"""JSON Schemas transcribed from seed 002 ("Get series data for subscription").

The seed's response: ``data`` (one object per currency and date: ``date`` "2023-09-10 00:00:00"
in the tenant's zone, ``currency_code``, ``revenue`` and the three movements as string-floats,
the movements null when there was none) and ``meta.pagination`` with five integers.  Patterns
tighten "string-float" to what the surface promises (decimal strings, at least two decimals).
"""

from __future__ import annotations

from typing import Any

MONEY = {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2,}$"}
MOVEMENT = {"anyOf": [MONEY, {"type": "null"}]}

POINT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "date",
        "currency_code",
        "revenue",
        "churn_revenue",
        "expansion_revenue",
        "new_revenue",
    ],
    "properties": {
        "date": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2} 00:00:00$"},
        "currency_code": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "revenue": MONEY,
        "churn_revenue": MOVEMENT,
        "expansion_revenue": MOVEMENT,
        "new_revenue": MOVEMENT,
    },
}

PAGINATION: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["totalItems", "itemsPerPage", "currentPage", "lastPage", "pageTotalItems"],
    "properties": {
        name: {"type": "integer", "minimum": 0}
        for name in ("totalItems", "itemsPerPage", "currentPage", "lastPage", "pageTotalItems")
    },
}

RESPONSE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["data", "meta"],
    "properties": {
        "data": {"type": "array", "items": POINT},
        "meta": {
            "type": "object",
            "additionalProperties": False,
            "required": ["pagination"],
            "properties": {"pagination": PAGINATION},
        },
    },
}

# Errors (the seed documents none; the surface answers RFC 7807 problem details).
ERROR_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "minLength": 1},
        "title": {"type": "string", "minLength": 1},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "minLength": 1},
        "violations": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["propertyPath", "title"],
                "properties": {"propertyPath": {"type": "string"}, "title": {"type": "string"}},
            },
        },
    },
}

# The seed's example body, verbatim: it must validate too.
SEED_EXAMPLE: dict[str, Any] = {
    "data": [
        {
            "date": "2023-09-10 00:00:00",
            "currency_code": "EUR",
            "revenue": "1000.00",
            "churn_revenue": "300.00",
            "expansion_revenue": "150.00",
            "new_revenue": "300.00",
        }
    ],
    "meta": {
        "pagination": {
            "totalItems": 123,
            "itemsPerPage": 123,
            "currentPage": 123,
            "lastPage": 123,
            "pageTotalItems": 123,
        }
    },
}
