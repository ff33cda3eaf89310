"""Error rendering: one handler per exception type, one format per surface.

Every error is a :class:`BillstatsError` (FastAPI's own validation and routing errors are turned
into one).  A surface (a vendor-compatible API) registers an :class:`ErrorFormat` for its path
prefixes; everything else gets the native format ``{"error": {"code", "message", "problems"}}``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from billstats.errors import BillstatsError, Problem
from billstats.web.responses import JSON

log = logging.getLogger("billstats.errors")


@dataclass(frozen=True)
class ErrorFormat:
    """How one surface renders errors, for the request paths starting with ``prefixes``."""

    prefixes: tuple[str, ...]
    render: Callable[[Request, BillstatsError], Response]
    # FastAPI's request validation errors; None: rendered by ``render`` as a 422.
    render_validation: Callable[[Request, RequestValidationError], Response] | None = None

    def matches(self, path: str) -> bool:
        return any(path == p.rstrip("/") or path.startswith(p) for p in self.prefixes)


def native_body(
    code: str, message: str, problems: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if problems is not None:
        error["problems"] = problems
    return {"error": error}


def render_native(_request: Request, exc: BillstatsError) -> Response:
    problems = [p.as_dict() for p in exc.problems] if exc.problems else None
    return JSON(
        native_body(exc.code, exc.message, problems), exc.status_code, headers=exc.headers or None
    )


NATIVE = ErrorFormat(prefixes=("/",), render=render_native)


def validation_error(exc: RequestValidationError) -> BillstatsError:
    problems = [
        Problem(".".join(str(p) for p in err["loc"]), err["type"], err["msg"])
        for err in exc.errors()
    ]
    return BillstatsError("invalid request", 422, "validation_error", problems)


def http_error(exc: StarletteHTTPException) -> BillstatsError:
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return BillstatsError(
        str(exc.detail), exc.status_code, code, headers=dict(getattr(exc, "headers", None) or {})
    )


def format_for_path(formats: Sequence[ErrorFormat], path: str) -> ErrorFormat:
    """The error format of the surface serving ``path`` (the native one by default)."""
    return next((f for f in formats if f.matches(path)), NATIVE)


def install(app: FastAPI, formats: Sequence[ErrorFormat] = ()) -> None:
    def format_for(request: Request) -> ErrorFormat:
        return format_for_path(formats, request.url.path)

    @app.exception_handler(BillstatsError)
    async def _billstats(request: Request, exc: BillstatsError) -> Response:
        return format_for(request).render(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        fmt = format_for(request)
        if fmt.render_validation is not None:
            return fmt.render_validation(request, exc)
        return fmt.render(request, validation_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return format_for(request).render(request, http_error(exc))

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeout)
    async def _unavailable(request: Request, exc: Exception) -> Response:
        log.warning(
            "database unavailable for %s %s: %s",
            request.method,
            request.url.path,
            type(getattr(exc, "orig", exc)).__name__,
        )
        return format_for(request).render(request, DatabaseUnavailable())


class DatabaseUnavailable(BillstatsError):
    def __init__(self) -> None:
        super().__init__(
            "the database is unavailable; nothing was written, retry shortly",
            503,
            "service_unavailable",
            headers={"Retry-After": "1"},
        )
