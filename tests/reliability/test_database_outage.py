"""PostgreSQL going away mid-run: 503 with Retry-After, nothing half-written, recovery by itself.

The app reaches the real PostgreSQL through a TCP relay that the test can cut (every connection
dropped, new ones refused) and restore, which is what a database restart looks like to clients,
without disturbing the other tests sharing the server.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import Engine, func, select

from billstats.config import Settings
from billstats.db import tables as t
from billstats.db.engine import make_engine
from billstats.db.migrate import upgrade
from tests.conftest import LiveServer, TenantCtx, _free_port, make_tenant

UNAVAILABLE = {
    "error": {
        "code": "service_unavailable",
        "message": "the database is unavailable; nothing was written, retry shortly",
    }
}


class Relay:
    """Forwards 127.0.0.1:<port> to a target; ``cut()`` drops everything, ``restore()`` resumes."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = _free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):  # wakes the thread blocked in accept()
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def relayed(pg_database: str) -> Iterator[tuple[Relay, LiveServer, Engine]]:
    parts = urlsplit(pg_database)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
    relay.restore()
    netloc = f"{parts.username or 'postgres'}@127.0.0.1:{relay.port}"
    settings = Settings(database_url=urlunsplit(parts._replace(netloc=netloc)))
    app_engine = make_engine(settings)
    server = LiveServer(settings, app_engine)
    server.start()
    direct = make_engine(Settings(database_url=pg_database))
    upgrade(direct)  # idempotent: the session's schema, when no other test made it yet
    yield relay, server, direct
    server.stop()
    relay.cut()
    app_engine.dispose()
    direct.dispose()


def _customers(engine: Engine, tenant_id: int) -> list[str]:
    c = t.customers
    with engine.connect() as conn:
        query = select(c.c.id).where(c.c.tenant_id == tenant_id).order_by(c.c.id)
        return list(conn.execute(query).scalars())


def test_outage_answers_503_writes_nothing_and_recovers(
    relayed: tuple[Relay, LiveServer, Engine],
) -> None:
    relay, server, direct = relayed
    tenant: TenantCtx = make_tenant(direct)
    body = {"name": "A", "created_at": "2026-01-01T00:00:00Z"}
    with httpx.Client(base_url=server.url, headers=tenant.headers, timeout=60) as client:
        assert client.put("/v1/customers/before", json=body).status_code == 201

        relay.cut()
        during = client.put("/v1/customers/during", json=body)
        assert during.status_code == 503 and during.headers["retry-after"] == "1"
        assert during.json() == UNAVAILABLE
        ndjson = "\n".join(
            json.dumps({"kind": "customers", "data": {"id": f"bulk-{n}", **body}})
            for n in range(100)
        )
        bulk = client.post(
            "/v1/import", content=ndjson, headers={"Content-Type": "application/x-ndjson"}
        )
        assert bulk.status_code == 503 and bulk.json() == UNAVAILABLE
        assert client.get("/readyz").status_code == 503

        relay.restore()
        deadline = time.monotonic() + 10
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the service did not recover"
            time.sleep(0.1)
        assert client.put("/v1/customers/after", json=body).status_code == 201
        listed = client.get("/v1/customers").json()["data"]
    assert [r["id"] for r in listed] == ["after", "before"]
    assert _customers(direct, tenant.id) == ["after", "before"]


def test_connection_lost_in_the_middle_of_an_import(
    relayed: tuple[Relay, LiveServer, Engine],
) -> None:
    relay, server, direct = relayed
    tenant = make_tenant(direct)
    lines = [
        json.dumps(
            {
                "kind": "customers",
                "data": {"id": f"mid-{n:06d}", "name": "N", "created_at": "2026-01-01T00:00:00Z"},
            }
        )
        for n in range(60_000)
    ]
    answers: list[httpx.Response] = []

    def send() -> None:
        with httpx.Client(base_url=server.url, headers=tenant.headers, timeout=120) as client:
            answers.append(
                client.post(
                    "/v1/import",
                    content="\n".join(lines),
                    headers={"Content-Type": "application/x-ndjson"},
                )
            )

    sender = threading.Thread(target=send)
    sender.start()
    c = t.customers
    count = select(func.count()).where(c.c.tenant_id == tenant.id)
    time.sleep(0.3)  # the import is running: its rows are not visible until it commits
    relay.cut()
    sender.join(timeout=120)
    relay.restore()
    assert len(answers) == 1
    answer = answers[0]
    with direct.connect() as conn:
        stored = conn.execute(count).scalar_one()
    if answer.status_code == 200:  # it had committed before the cut: all of it
        assert stored == 60_000
    else:
        assert answer.status_code == 503 and answer.json() == UNAVAILABLE
        assert stored == 0
