"""Every cap on request size and cost, through the live server on both databases: exceeding it
answers 413 or 400 in the surface's own error format, with the exact body, and writes nothing.

The caps themselves are listed in docs/reliability.md ("Input limits").  Caps too large to
exceed quickly in a test (the 1 GiB import body, the 10,000,000-record batch) are exceeded on a
second server built with small ones (``max_import_bytes``, ``max_import_records``); the real
values are checked with a declared ``Content-Length`` that is refused before any byte is read.
"""

from __future__ import annotations

import json
import select
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from billstats.config import Settings
from tests.conftest import LiveServer, TenantCtx
from tests.reliability.hostile import (
    T0,
    basic,
    partner_headers,
    raw_request,
    row_counts,
    seed_customer,
)

MiB = 1024 * 1024
NDJSON = {"Content-Type": "application/x-ndjson"}
JSON_TYPE = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PROBLEM = "https://symfony.com/errors/validation"


def native(code: str, message: str, problems: list[dict[str, Any]] | None = None) -> Any:
    error: dict[str, Any] = {"code": code, "message": message}
    if problems is not None:
        error["problems"] = problems
    return {"error": error}


def fynn_400(path: str, title: str) -> Any:
    return {
        "type": PROBLEM,
        "title": "Validation Failed",
        "status": 400,
        "detail": f"{path}: {title}",
        "violations": [{"propertyPath": path, "title": title}],
    }


def buckets(count: int, interval: str) -> Any:
    return native(
        "too_many_buckets",
        f"the range has {count} {interval} buckets; at most 1000 are allowed "
        "(choose a shorter range or a longer interval)",
        [{"path": "interval", "code": "too_many_buckets", "message": "at most 1000 buckets"}],
    )


@dataclass
class Ctx:
    tenant: TenantCtx
    customer_id: str
    partner: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Cap:
    """One request past one cap, and the exact answer."""

    name: str
    method: str
    path: str
    status: int
    body: Any
    send: Callable[[Ctx], dict[str, Any]]  # httpx keyword arguments (headers, content, ...)


def _native(ctx: Ctx, **kw: Any) -> dict[str, Any]:
    return {**kw, "headers": {**ctx.tenant.headers, **kw.get("headers", {})}}


def _line(n: int) -> bytes:
    record = {"kind": "customers", "data": {"id": f"c{n}", "name": "C", "created_at": T0}}
    return json.dumps(record).encode()


CAPS = [
    # -- body size -------------------------------------------------------------------------
    Cap("put body over 10 MiB", "PUT", "/v1/customers/big", 413,
        native("payload_too_large", "request body exceeds 10485760 bytes"),
        lambda c: _native(c, content=b'{"name": "' + b"x" * (10 * MiB) + b'"}')),
    Cap("pabbly body over 64 KiB", "POST", "/api/v2/getdashboardstats", 413,
        {"status": "error", "message": "request body exceeds 65536 bytes"},
        lambda c: {"headers": {**basic(c.tenant), **JSON_TYPE},
                   "content": b'{"product_id": "' + b"x" * 65536 + b'", "interval": "today"}'}),
    Cap("portal token body over 64 KiB", "POST", "/v1/customers/{customer}/portal_token", 413,
        native("payload_too_large", "request body exceeds 65536 bytes"),
        lambda c: _native(c, headers=JSON_TYPE, content=b" " * 65537 + b"{}")),
    Cap("devkit token body over 16 KiB", "POST", "/api/v1/auth/token", 400,
        {"error": "invalid_request", "error_description": "request body too large"},
        lambda c: {"headers": FORM,
                   "content": b"grant_type=client_credentials&scope=" + b"a" * 16384}),
    Cap("devkit token form over 32 fields", "POST", "/api/v1/auth/token", 400,
        {"error": "invalid_request",
         "error_description": "the request body is not valid application/x-www-form-urlencoded"},
        lambda c: {"headers": FORM, "content": "&".join(f"f{i}=1" for i in range(33)).encode()}),
    Cap("portal token query over 4096 characters", "GET", "/portal/dashboard_summary", 401,
        {"detail": "Invalid portal token"},
        lambda c: {"params": {"token": "a" * 4097}}),
    # -- NDJSON lines ----------------------------------------------------------------------
    Cap("import line over 1 MiB", "POST", "/v1/import", 422,
        native("validation_error", "1 problem found; nothing was written", [
            {"path": "", "code": "line_too_long", "message": "line exceeds 1048576 bytes",
             "line": 2}]),
        lambda c: _native(c, headers=NDJSON,
                          content=_line(1) + b"\n" + b'{"kind": "' + b"x" * (3 * MiB) + b"\n")),
    # -- page sizes ------------------------------------------------------------------------
    Cap("ingest list limit 501", "GET", "/v1/customers", 400,
        native("invalid_limit", "limit must be an integer from 1 to 500"),
        lambda c: _native(c, params={"limit": "501"})),
    Cap("movement log limit 1001", "GET", "/v1/metrics/activities", 400,
        native("invalid_request", "limit must be an integer from 1 to 1000", [
            {"path": "limit", "code": "out_of_range",
             "message": "limit must be an integer from 1 to 1000"}]),
        lambda c: _native(c, params={"limit": "1001"})),
    Cap("fynn limit 101", "GET", "/analytics/subscription-revenue", 400,
        fynn_400("limit", "Input should be less than or equal to 100"),
        lambda c: _native(c, params={"limit": "101"})),
    Cap("fynn page past 1,000,000,000", "GET", "/analytics/subscription-revenue", 400,
        fynn_400("page", "Input should be less than or equal to 1000000000"),
        lambda c: _native(c, params={"page": "100000000000000000000"})),
    # -- date ranges and buckets -----------------------------------------------------------
    Cap("metrics 1001 daily buckets", "GET", "/v1/metrics/mrr", 400, buckets(1001, "day"),
        lambda c: _native(c, params={"start_date": "2022-01-01", "end_date": "2024-09-27"})),
    Cap("metrics 230 years of days", "GET", "/v1/metrics", 400, buckets(84006, "day"),
        lambda c: _native(c, params={"metrics": "mrr,arr", "start_date": "1970-01-01",
                                     "end_date": "2199-12-31"})),
    Cap("customer metrics 1001 weekly buckets", "GET", "/v1/customers/{customer}/metrics", 400,
        buckets(1001, "week"),
        lambda c: _native(c, params={"interval": "week", "start_date": "2000-01-03",
                                     "end_date": "2019-03-10"})),
    Cap("cohorts over 240 months", "GET", "/v1/metrics/cohorts", 400,
        native("too_many_buckets", "the range has 241 cohort months; at most 240 are allowed "
               "(choose a shorter range)"),
        lambda c: _native(c, params={"start_date": "2000-01-01", "end_date": "2020-01-31"})),
    Cap("vobiz window over 366 days", "GET", "/api/v1/partner/analytics", 400,
        {"code": "INVALID_DATE_RANGE",
         "message": "the window spans 367 days; at most 366 are allowed",
         "details": {"from_date": "2024-01-01", "to_date": "2025-01-01", "max_days": 366}},
        lambda c: {"headers": c.partner,
                   "params": {"from_date": "2024-01-01", "to_date": "2025-01-01"}}),
]  # fmt: skip


@pytest.fixture
def ctx(api: httpx.Client, tenant: TenantCtx) -> Ctx:
    customer_id = seed_customer(api)
    return Ctx(tenant, customer_id, partner_headers(api))


def _vobiz_error(body: Any) -> Any:
    """The vobiz body without its per-request fields (timestamp, requestId)."""
    assert body["status"] == "error" and body["requestId"].startswith("req_")
    return body["error"]


@pytest.mark.parametrize("cap", CAPS, ids=[c.name for c in CAPS])
def test_cap(cap: Cap, ctx: Ctx, http: httpx.Client, engine: Engine) -> None:
    before = row_counts(engine, ctx.tenant.id)
    path = cap.path.replace("{customer}", ctx.customer_id)
    response = http.request(cap.method, path, **cap.send(ctx))
    assert response.status_code == cap.status, response.text
    body = response.json()
    got = _vobiz_error(body) if path.startswith("/api/v1/partner/") else body
    assert got == cap.body
    assert row_counts(engine, ctx.tenant.id) == before


# -- bodies refused before they are read ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "declared", "limit"),
    [("/v1/customers/huge", 10 * MiB + 1, 10 * MiB), ("/v1/import", 1024 * MiB + 1, 1024 * MiB)],
    ids=["put", "import"],
)
def test_declared_length_over_cap_is_refused_unread(
    live_server: LiveServer, tenant: TenantCtx, path: str, declared: int, limit: int
) -> None:
    """A Content-Length over the cap is answered at once: the server does not wait for the
    body (none is sent) and reads nothing."""
    method = "POST" if path == "/v1/import" else "PUT"
    headers = {**tenant.headers, **(NDJSON if method == "POST" else JSON_TYPE)}
    response = raw_request(method, live_server.url, path, headers, declared_length=declared)
    assert response.status == 413
    assert json.loads(response.body) == native(
        "payload_too_large", f"request body exceeds {limit} bytes"
    )


# -- small caps: the import's body size and record count -----------------------------------

SMALL_BODY = 256 * 1024
SMALL_BATCH = 3


@pytest.fixture(scope="module")
def small_caps(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    capped = Settings(
        database_url=settings.database_url,
        max_import_bytes=SMALL_BODY,
        max_import_records=SMALL_BATCH,
    )
    server = LiveServer(capped, engine)
    server.start()
    yield server
    server.stop()


def test_import_stream_stops_at_the_body_cap(small_caps: LiveServer, tenant: TenantCtx) -> None:
    """An endless chunked import is cut off at the cap: 413, and the server stopped taking
    bytes soon after it (the client could not push more than socket buffers' worth)."""
    endless = raw_request(
        "POST",
        small_caps.url,
        "/v1/import",
        {**tenant.headers, **NDJSON},
        stream_chunk=_line(0) + b"\n",
        stream_limit=512 * MiB,
    )
    assert endless.status == 413
    assert json.loads(endless.body) == native(
        "payload_too_large", f"request body exceeds {SMALL_BODY} bytes"
    )
    assert endless.sent < 64 * MiB  # not the 512 MiB offered


def test_import_over_the_record_cap_writes_nothing(
    small_caps: LiveServer, tenant: TenantCtx, engine: Engine
) -> None:
    with httpx.Client(base_url=small_caps.url, timeout=60, headers=tenant.headers) as client:
        fits = client.post("/v1/import", content=b"\n".join(_line(n) for n in range(3)))
        assert fits.status_code == 200, fits.text
        assert fits.json()["records"] == SMALL_BATCH
        before = row_counts(engine, tenant.id)
        over = client.post("/v1/import", content=b"\n".join(_line(n) for n in range(3, 7)))
    assert over.status_code == 413
    assert over.json() == native("payload_too_large", "a batch holds at most 3 records")
    assert row_counts(engine, tenant.id) == before


def test_request_head_past_the_server_limit_is_refused(
    live_server: LiveServer, http: httpx.Client, tenant: TenantCtx
) -> None:
    """The request line and headers: h11 (``billstats serve`` runs uvicorn with h11) keeps at
    most 16 KiB of an unfinished request head (a little more when it arrives in one read), so an
    endless header is refused before any route is chosen, in the HTTP server's plain words (no
    surface's format: no route was chosen), and the head is never held whole."""
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(b"GET /v1/customers HTTP/1.1\r\nHost: x\r\nX-Padding: ")
        sent, answer = 0, b""
        while sent < 64 * MiB:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                answer = sock.recv(65536)
                break
            try:
                sent += sock.send(b"x" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                break
        if not answer:  # the server refused while we were still sending: read its answer
            try:
                answer = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                answer = b""  # reset before its answer reached us: refused all the same
    assert sent < 8 * MiB  # refused long before the 64 MiB offered
    assert answer == b"" or (
        answer.startswith(b"HTTP/1.1 400 ") and answer.endswith(b"Invalid HTTP request received.")
    )
    assert http.get("/v1/customers", headers=tenant.headers).status_code == 200
