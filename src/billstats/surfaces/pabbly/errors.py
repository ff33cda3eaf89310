"""How the pabbly-compatible surface renders errors: ``{"status": "error", "message": ...}``.

Request validation errors (a missing or mistyped body field, a body that is not JSON) are
``400`` in the same shape, as the vendor answers them.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from billstats.errors import BillstatsError
from billstats.web.errors import ErrorFormat
from billstats.web.responses import JSON


def body(message: str) -> dict[str, str]:
    return {"status": "error", "message": message}


def render(_request: Request, exc: BillstatsError) -> Response:
    return JSON(body(exc.message), exc.status_code, headers=exc.headers or None)


def _where(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


def render_validation(_request: Request, exc: RequestValidationError) -> Response:
    problems = []
    for err in exc.errors():
        if err["type"] == "json_invalid":
            problems.append("the request body is not valid JSON")
        elif err["type"] == "missing":
            problems.append(f"{_where(err['loc'])} is required")
        else:
            problems.append(f"{_where(err['loc'])}: {err['msg']}")
    return JSON(body("; ".join(problems) or "invalid request"), 400)


FORMAT = ErrorFormat(prefixes=("/api/v2/",), render=render, render_validation=render_validation)
