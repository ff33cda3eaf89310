"""Shared fixtures: every database test runs on SQLite and on a real PostgreSQL.

PostgreSQL comes from ``BILLSTATS_TEST_PG_URL`` (default: the local server); each test session
creates a throwaway database and drops it at the end.  Outside CI an unreachable PostgreSQL skips
its half of the matrix with a visible reason; with ``CI=true`` it is an error.

Tests are isolated by tenant: each test gets a fresh tenant (and keys) on a shared schema,
which is also how production runs.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine, create_engine, text

from billstats.app import create_app
from billstats.auth.service import create_key
from billstats.config import Settings
from billstats.db.dialect import write_transaction
from billstats.db.engine import make_engine
from billstats.db.migrate import upgrade
from billstats.tenants.service import create_tenant
from billstats.web.deps import current_time

PG_URL = os.environ.get("BILLSTATS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin_engine() -> Engine:
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this session (per xdist worker)."""
    admin = _pg_admin_engine()
    name = f"billstats_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        message = f"PostgreSQL at {PG_URL} is unreachable: {exc}"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    base, _, _ = PG_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'billstats.sqlite3'}"
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    eng = make_engine(settings)
    upgrade(eng)
    yield eng
    eng.dispose()


@dataclass
class TenantCtx:
    id: int
    name: str
    timezone: str
    currency: str
    token: str
    key_id: str
    secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_tenant(
    engine: Engine,
    *,
    timezone: str = "UTC",
    currency: str = "USD",
    scopes: tuple[str, ...] = ("admin",),
) -> TenantCtx:
    name = f"t-{uuid.uuid4().hex[:10]}"
    with write_transaction(engine) as conn:
        tenant = create_tenant(conn, name, timezone, currency)
        key = create_key(conn, tenant.id, list(scopes))
    return TenantCtx(
        tenant.id, name, timezone, currency, key["token"], key["key_id"], key["secret"]
    )


@pytest.fixture
def tenant(engine: Engine) -> TenantCtx:
    return make_tenant(engine)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """The app served by uvicorn on a loopback port: tests go through the real HTTP stack."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.app = create_app(settings, engine, migrate=False)
        self.port = _free_port()
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            http="h11",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    server = LiveServer(settings, engine)
    server.start()
    yield server
    server.stop()


class Clock:
    """The instant a frozen server takes as "now" (None: the real clock)."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now or datetime.now(UTC)


@dataclass
class Frozen:
    """A live server whose requests see ``clock.now`` as the current instant."""

    server: LiveServer
    clock: Clock

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="session")
def frozen_server(settings: Settings, engine: Engine) -> Iterator[Frozen]:
    clock = Clock()
    server = LiveServer(settings, engine)
    server.app.dependency_overrides[current_time] = clock
    server.start()
    yield Frozen(server, clock)
    server.stop()


@pytest.fixture
def frozen(frozen_server: Frozen) -> Iterator[Frozen]:
    """The frozen server, its clock reset to the real one before and after the test."""
    frozen_server.clock.now = None
    yield frozen_server
    frozen_server.clock.now = None


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=60) as client:
        yield client


@pytest.fixture
def api(http: httpx.Client, tenant: TenantCtx) -> httpx.Client:
    """An HTTP client authenticated as the test's tenant (admin key)."""
    http.headers.update(tenant.headers)
    return http


def ndjson(records: list[dict[str, Any]]) -> bytes:
    import json

    return "\n".join(json.dumps({"kind": k["kind"], "data": k["data"]}) for k in records).encode()


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    """A per-test folder under test-output/ for artefacts (screenshots, reports)."""
    name: str = request.node.name
    path = Path(__file__).resolve().parent.parent / "test-output" / name
    path.mkdir(parents=True, exist_ok=True)
    return path
