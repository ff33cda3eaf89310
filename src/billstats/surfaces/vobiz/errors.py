"""How the vobiz-compatible surface renders errors (its vendor's shape).

``{"status": "error", "error": {"code", "message", "details"}, "timestamp", "requestId"}``:
codes upper-case (``INVALID_CREDENTIALS`` for every 401, ``INVALID_DATE_RANGE``,
``VALIDATION_ERROR`` for malformed requests, ``NOT_FOUND``, ...), ``details`` an object (empty
when there is nothing to add), ``timestamp`` UTC with milliseconds, ``requestId`` ``req_`` + 12
hex digits (also sent as the ``X-Request-ID`` header).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from billstats.errors import BillstatsError
from billstats.metrics.fx import MissingRate
from billstats.web.errors import ErrorFormat
from billstats.web.observability import current_request_id
from billstats.web.responses import JSON

PREFIXES = ("/api/v1/partner/",)


def timestamp(now: datetime | None = None) -> str:
    at = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}Z"


def body(code: str, message: str, details: dict[str, Any], request_id: str) -> dict[str, Any]:
    return {
        "status": "error",
        "error": {"code": code, "message": message, "details": details},
        "timestamp": timestamp(),
        "requestId": request_id,
    }


def _respond(status: int, payload: dict[str, Any], headers: dict[str, str]) -> Response:
    return JSON(payload, status, headers={**headers, "X-Request-ID": payload["requestId"]})


def _details(exc: BillstatsError) -> dict[str, Any]:
    details = getattr(exc, "details", None)
    if isinstance(details, dict):
        return details
    if isinstance(exc, MissingRate):
        return {"currency": exc.currency, "date": exc.day.isoformat()}
    if exc.problems:
        return {"errors": [p.as_dict() for p in exc.problems]}
    return {}


def render(_request: Request, exc: BillstatsError) -> Response:
    code = "INVALID_CREDENTIALS" if exc.status_code == 401 else exc.code.upper()
    # A Bearer challenge would point clients at the wrong scheme: these use X-Auth-* headers.
    headers = {k: v for k, v in exc.headers.items() if k.lower() != "www-authenticate"}
    payload = body(code, exc.message, _details(exc), current_request_id())
    return _respond(exc.status_code, payload, headers)


def render_validation(_request: Request, exc: RequestValidationError) -> Response:
    errors = [
        {
            "field": ".".join(str(p) for p in err["loc"]),
            "type": err["type"],
            "message": err["msg"],
        }
        for err in exc.errors()
    ]
    payload = body("VALIDATION_ERROR", "invalid request", {"errors": errors}, current_request_id())
    return _respond(422, payload, {})


FORMAT = ErrorFormat(prefixes=PREFIXES, render=render, render_validation=render_validation)
