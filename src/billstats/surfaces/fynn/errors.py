"""How the fynn-compatible surface renders errors: RFC 7807 problem details.

The seed documents no error body, so the surface answers like the Symfony stack the vendor runs
on: ``application/problem+json`` with ``type``, ``title``, ``status`` and ``detail``; invalid
query parameters add ``violations`` (``propertyPath`` and ``title`` per problem) and are ``400``.
FastAPI's own request validation errors take the same shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from billstats.errors import BillstatsError
from billstats.web.errors import ErrorFormat
from billstats.web.responses import JSON

MEDIA_TYPE = "application/problem+json"
GENERIC_TYPE = "https://tools.ietf.org/html/rfc2616#section-10"
VALIDATION_TYPE = "https://symfony.com/errors/validation"


Violations = list[dict[str, str]]


def problem(status: int, detail: str, violations: Violations | None = None) -> dict[str, Any]:
    if violations is None:
        title = "An error occurred"
        return {"type": GENERIC_TYPE, "title": title, "status": status, "detail": detail}
    return {
        "type": VALIDATION_TYPE,
        "title": "Validation Failed",
        "status": status,
        "detail": detail,
        "violations": violations,
    }


def _violations_body(status: int, violations: Violations) -> dict[str, Any]:
    detail = "\n".join(f"{v['propertyPath']}: {v['title']}" for v in violations)
    return problem(status, detail, violations)


def render(_request: Request, exc: BillstatsError) -> Response:
    if exc.problems:
        violations = [{"propertyPath": p.path, "title": p.message} for p in exc.problems]
        body = _violations_body(exc.status_code, violations)
    else:
        body = problem(exc.status_code, exc.message)
    return JSON(body, exc.status_code, headers=exc.headers or None, media_type=MEDIA_TYPE)


def render_validation(_request: Request, exc: RequestValidationError) -> Response:
    violations = []
    for err in exc.errors():
        where = [str(p) for p in err["loc"] if p not in ("query", "header", "body", "path")]
        violations.append({"propertyPath": ".".join(where) or "request", "title": err["msg"]})
    return JSON(_violations_body(400, violations), 400, media_type=MEDIA_TYPE)


FORMAT = ErrorFormat(prefixes=("/analytics/",), render=render, render_validation=render_validation)
