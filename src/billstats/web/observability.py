"""Request ids, structured access logs and Prometheus metrics.

Every request gets an id: the caller's ``X-Request-ID`` when it is a plain token of at most 64
characters, else ``req_`` + 12 hex digits.  It is echoed in the ``X-Request-ID`` response header,
carried in a context variable (error bodies that have a request id field use it) and written in
the one JSON access-log line per request (logger ``billstats.access``).

Metrics (``GET /metrics``, Prometheus text format) are kept per process: request counts and
latencies by method, route template and status, and records ingested by kind and result.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from contextvars import ContextVar
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "x-request-id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_request_id: ContextVar[str | None] = ContextVar("billstats_request_id", default=None)

access_log = logging.getLogger("billstats.access")
auth_log = logging.getLogger("billstats.auth")

REGISTRY = CollectorRegistry(auto_describe=True)
HTTP_REQUESTS = Counter(
    "billstats_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "billstats_http_request_duration_seconds",
    "Time from receiving a request to the end of its response, by method and route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
INGESTED = Counter(
    "billstats_ingest_records",
    "Records taken in through the API, by kind and result (created, updated, unchanged).",
    ["kind", "result"],
    registry=REGISTRY,
)


def new_request_id() -> str:
    return "req_" + secrets.token_hex(6)


def current_request_id() -> str:
    """The id of the request being served (a fresh one outside a request)."""
    return _request_id.get() or new_request_id()


def count_ingested(kinds: dict[str, dict[str, Any]]) -> None:
    """Add an ingest summary (``{kind: {"created": n, "updated": n, "unchanged": n}}``)."""
    for kind, counts in kinds.items():
        for result in ("created", "updated", "unchanged"):
            n = counts.get(result, 0)
            if n:
                INGESTED.labels(kind, result).inc(n)


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestMiddleware:
    """Pure ASGI (no per-request task or body buffering): ids, metrics, one log line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        request_id = given if given and _SAFE_ID.fullmatch(given) else new_request_id()
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route, method = _route_of(scope), scope["method"]
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(elapsed)
            if status == 401:
                _log_auth_failure(scope, request_id, route)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    json.dumps(
                        {
                            "event": "request",
                            "request_id": request_id,
                            "method": method,
                            "path": scope["path"],
                            "route": route,
                            "status": status,
                            "duration_ms": round(elapsed * 1000, 3),
                            "client": (scope.get("client") or ("", 0))[0],
                        }
                    )
                )
            _request_id.reset(token)


def _log_auth_failure(scope: Scope, request_id: str, route: str) -> None:
    """One warning per failed authentication: who and what was named, never a secret."""
    from billstats.web.ratelimit import subjects_of  # the same ids the limiter counts

    named = [s for s in subjects_of(scope) if not s.startswith("addr:")]
    auth_log.warning(
        json.dumps(
            {
                "event": "auth_failure",
                "request_id": request_id,
                "method": scope["method"],
                "route": route,
                "client": (scope.get("client") or ("", 0))[0],
                "credential": named[0] if named else None,
            }
        )
    )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            try:
                return str(value.decode("latin-1"))
            except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
                return None
    return None


def configure_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr for billstats' loggers (``billstats serve`` and ``billstats demo``)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("billstats")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
