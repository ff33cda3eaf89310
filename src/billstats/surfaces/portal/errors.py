"""How the portal surface renders errors: FastAPI's shapes, as the original portal API does.

- ``{"detail": "<message>"}`` with the status (401 ``Invalid portal token`` /
  ``Portal token has expired``, 404 ``Not Found``, ...);
- 422: ``HTTPValidationError`` ``{"detail": [{"loc", "msg", "type", ...}]}`` - FastAPI's own
  validation errors as FastAPI renders them, and any other 422 (e.g. a missing exchange rate)
  in that same shape, so a 422 body always matches the documented schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.responses import Response

from billstats.errors import BillstatsError
from billstats.web.errors import ErrorFormat
from billstats.web.responses import JSON


def _validation_items(exc: BillstatsError) -> list[dict[str, Any]]:
    if not exc.problems:
        return [{"loc": [], "msg": exc.message, "type": exc.code}]
    return [
        {"loc": [part for part in p.path.split(".") if part], "msg": p.message, "type": p.code}
        for p in exc.problems
    ]


def render(_request: Request, exc: BillstatsError) -> Response:
    headers = exc.headers or None
    if exc.status_code == 422:
        return JSON({"detail": _validation_items(exc)}, 422, headers=headers)
    return JSON({"detail": exc.message}, exc.status_code, headers=headers)


def render_validation(_request: Request, exc: RequestValidationError) -> Response:
    return JSON({"detail": jsonable_encoder(exc.errors())}, 422)


FORMAT = ErrorFormat(prefixes=("/portal/",), render=render, render_validation=render_validation)
