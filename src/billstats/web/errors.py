"""Rendering errors in the native format: {"error": {"code", "message", "problems"}}."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from billstats.errors import BillstatsError
from billstats.web.responses import JSON


def native_body(
    code: str, message: str, problems: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if problems is not None:
        error["problems"] = problems
    return {"error": error}


def install(app: FastAPI) -> None:
    @app.exception_handler(BillstatsError)
    async def _billstats(_req: Request, exc: BillstatsError) -> JSON:
        problems = [p.as_dict() for p in exc.problems] if exc.problems else None
        return JSON(
            native_body(exc.code, exc.message, problems),
            exc.status_code,
            headers=exc.headers or None,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSON:
        problems = [
            {
                "path": ".".join(str(p) for p in err["loc"]),
                "code": err["type"],
                "message": err["msg"],
            }
            for err in exc.errors()
        ]
        return JSON(native_body("validation_error", "invalid request", problems), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSON:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSON(
            native_body(code, str(exc.detail)),
            exc.status_code,
            headers=getattr(exc, "headers", None),
        )
