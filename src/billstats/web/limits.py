"""Request body caps: a body is read only up to its cap, never wholly into memory first.

- ``read_capped``: the body of a request, refused with 413 as soon as the declared
  ``Content-Length`` or the bytes received pass the cap (the rest is never read);
- ``capped_route(limit)``: a route class for routers whose bodies FastAPI parses itself (a
  pydantic body model): the body is read through ``read_capped`` before FastAPI parses it, so an
  oversized body is a 413 in the surface's error format, not unbounded memory; and a JSON body
  must be strict JSON (``check_json``) before FastAPI's lenient parser sees it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import Response

from billstats.errors import BillstatsError, PayloadTooLarge

# Bodies of the small JSON requests (a dashboard query, a portal token request): a few hundred
# bytes in practice.
SMALL_JSON_BYTES = 64 * 1024


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"request body exceeds {limit} bytes")


def check_declared(request: Request, limit: int) -> None:
    """413 at once when ``Content-Length`` already says the body is over ``limit``."""
    declared = request.headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)


async def stream_capped(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The body's chunks as they arrive; 413 once more than ``limit`` bytes came."""
    check_declared(request, limit)
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise too_large(limit)
        yield chunk


async def read_capped(request: Request, limit: int) -> bytes:
    """The whole body, at most ``limit`` bytes (413 beyond)."""
    body = bytearray()
    async for chunk in stream_capped(request, limit):
        body.extend(chunk)
    return bytes(body)


def check_json(request: Request, body: bytes) -> None:
    """400 ``invalid_json`` unless ``body`` is strict JSON: UTF-8, no NaN or Infinity, numbers
    that fit a double, at most 1,024 levels of nesting (orjson's rules, as the ingest API).

    Python's own parser (which FastAPI uses) takes NaN and Infinity, turns 1e999 into infinity
    and fails on a 5,000-digit integer or deep nesting with errors FastAPI reports vaguely."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not body or not (media_type in ("", "application/json") or media_type.endswith("+json")):
        return
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BillstatsError("the request body is not valid JSON", 400, "invalid_json") from None


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def capped_route(limit: int) -> type[APIRoute]:
    """A route class whose requests' bodies are read with ``read_capped(limit)``."""

    class CappedRoute(APIRoute):
        def get_route_handler(self) -> Handler:
            handler = super().get_route_handler()

            async def capped(request: Request) -> Response:
                if request.method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
                    # Starlette keeps the body on the request: FastAPI parses these bytes.
                    body = await read_capped(request, limit)
                    check_json(request, body)
                    request._body = body
                return await handler(request)

            return capped

    return CappedRoute
