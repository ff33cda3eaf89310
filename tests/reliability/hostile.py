"""Helpers of the input-limit and hostile-input tests: a tenant's row counts (to prove nothing
was written), the other surfaces' credentials, and a raw HTTP/1.1 client for bodies that an
ordinary client will not send (a lying Content-Length, an endless chunked stream)."""

from __future__ import annotations

import base64
import select
import socket
import time
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine, func
from sqlalchemy import select as sql_select

from billstats.db import tables as t
from billstats.db.dialect import read_transaction
from tests.conftest import TenantCtx

T0 = "2025-01-01T00:00:00Z"
TABLES = [
    t.products, t.plans, t.customers, t.partners, t.affiliates, t.subscriptions,
    t.subscription_versions, t.invoices, t.invoice_lines, t.payments, t.refunds, t.wallets,
    t.wallet_transactions, t.usage_events, t.call_records, t.fx_rates,
]  # fmt: skip


def row_counts(engine: Engine, tenant_id: int) -> dict[str, int]:
    """Rows of every ledger table held by the tenant."""
    with read_transaction(engine) as conn:
        return {
            table.name: conn.execute(
                sql_select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
            ).scalar_one()
            for table in TABLES
        }


def basic(tenant: TenantCtx) -> dict[str, str]:
    """The Pabbly surface's HTTP Basic credentials for the tenant's key."""
    token = base64.b64encode(f"{tenant.key_id}:{tenant.secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def seed_customer(api: httpx.Client, customer_id: str = "cus_1") -> str:
    response = api.put(f"/v1/customers/{customer_id}", json={"name": "C", "created_at": T0})
    assert response.status_code == 201, response.text
    return customer_id


@dataclass(frozen=True)
class RawResponse:
    status: int
    body: bytes
    sent: int  # body bytes the server took before it answered or closed


def _read_response(sock: socket.socket, deadline: float) -> tuple[int, bytes]:
    data = b""
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            break
        if not chunk:
            break
        data += chunk
        head, sep, rest = data.partition(b"\r\n\r\n")
        if sep:
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                None,
            )
            if length is not None and len(rest) >= length:
                break
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return status, rest


def raw_request(
    method: str,
    url: str,
    path: str,
    headers: dict[str, str],
    *,
    declared_length: int | None = None,
    stream_chunk: bytes = b"",
    stream_limit: int = 0,
    timeout: float = 30.0,
) -> RawResponse:
    """A request with a declared ``Content-Length`` (and no body), or a chunked body of
    ``stream_chunk`` repeated until the server answers or ``stream_limit`` bytes were sent."""
    host, port = url.removeprefix("http://").split(":")
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append(
        f"Content-Length: {declared_length}"
        if declared_length is not None
        else "Transfer-Encoding: chunked"
    )
    deadline = time.monotonic() + timeout
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sent = _stream(sock, stream_chunk, stream_limit, deadline) if declared_length is None else 0
        status, body = _read_response(sock, deadline)
    return RawResponse(status, body, sent)


def _stream(sock: socket.socket, chunk: bytes, limit: int, deadline: float) -> int:
    """Send ``chunk`` as HTTP chunks until ``limit`` bytes, the server answers or it closes."""
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    pending, sent, ended = b"", 0, False
    while time.monotonic() < deadline:
        readable, writable, _ = select.select([sock], [sock], [], 1.0)
        if readable:
            break  # an answer (or a close) before the body ended
        if not writable:
            continue  # the server is not reading: wait for its answer
        if not pending:
            if ended:
                break
            if sent >= limit:
                pending, ended = b"0\r\n\r\n", True
            else:
                pending, sent = frame, sent + len(chunk)
        try:
            pending = pending[sock.send(pending) :]
        except (BrokenPipeError, ConnectionResetError):
            break
    return sent


def partner_headers(api: httpx.Client, partner_id: str = "p-1") -> dict[str, str]:
    """A partner of the tenant and its X-Auth-ID / X-Auth-Token headers (the Vobiz surface)."""
    partner = {"name": "P", "slug": partner_id, "created_at": T0}
    assert api.put(f"/v1/partners/{partner_id}", json=partner).status_code == 201
    issued = api.post(f"/v1/partners/{partner_id}/credentials")
    assert issued.status_code == 201, issued.text
    creds = issued.json()
    return {"X-Auth-ID": creds["auth_id"], "X-Auth-Token": creds["token"]}
