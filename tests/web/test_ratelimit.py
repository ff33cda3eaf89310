"""Failed authentications are limited per client address and per credential id (429)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from billstats.config import ConfigError, Settings
from billstats.web.ratelimit import RATE_LIMITED, FailureLog, Limits
from tests.conftest import LiveServer, TenantCtx


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failure_log_window() -> None:
    clock = FakeClock()
    log = FailureLog(Limits(max_failures=3, window_seconds=60), clock)
    log.record(["addr:a"])
    clock.now += 10
    log.record(["addr:a"])
    assert log.retry_after(["addr:a"]) is None  # 2 < 3
    clock.now += 10
    log.record(["addr:a", "key:k"])
    # Locked until the first failure (t=1000) leaves the window: t=1060, now 1020 -> 40 s.
    assert log.retry_after(["addr:a"]) == 40
    assert log.retry_after(["addr:b", "key:k"]) is None  # key:k has 1 failure
    clock.now = 1060.0
    assert log.retry_after(["addr:a"]) is None


def test_failure_log_is_bounded() -> None:
    log = FailureLog(Limits(max_failures=1, window_seconds=60, max_entries=2), FakeClock())
    log.record(["a"])
    log.record(["b"])
    log.record(["c"])  # "a" is dropped
    assert log.retry_after(["a"]) is None
    assert log.retry_after(["b"]) == 60 and log.retry_after(["c"]) == 60


def test_settings_reject_a_negative_or_bad_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError):
        Settings(database_url="sqlite://", auth_failures_per_minute=-1)
    monkeypatch.setenv("BILLSTATS_AUTH_FAILURES_PER_MINUTE", "many")
    with pytest.raises(ConfigError, match="whole number"):
        Settings.from_env()
    monkeypatch.setenv("BILLSTATS_AUTH_FAILURES_PER_MINUTE", "")
    assert Settings.from_env().auth_failures_per_minute == 20


@pytest.fixture
def limited(settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    """A server allowing 3 failed authentications per minute per address and per key."""
    server = LiveServer(Settings(settings.database_url, auth_failures_per_minute=3), engine)
    server.start()
    yield server
    server.stop()


def _client(server: LiveServer, address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=server.url, transport=transport, timeout=30)


def test_an_address_is_locked_after_its_failures(limited: LiveServer, tenant: TenantCtx) -> None:
    good = {"Authorization": f"Bearer {tenant.token}"}
    with _client(limited, "127.0.0.2") as c:
        assert c.get("/v1/customers", headers=good).status_code == 200  # success: not counted
        for n in range(3):
            bad = {"Authorization": f"Bearer bk_nosuchkey{n}.wrong"}
            assert c.get("/v1/customers", headers=bad).status_code == 401
        locked = c.get("/v1/customers", headers=good)
        assert locked.status_code == 429
        assert 1 <= int(locked.headers["retry-after"]) <= 60
        assert locked.json() == {"error": {"code": "rate_limited", "message": RATE_LIMITED}}
        pabbly = c.post(
            "/api/v2/getdashboardstats",
            auth=(tenant.key_id, tenant.secret),
            json={"product_id": "all", "interval": "today"},
        )
        assert pabbly.status_code == 429
        assert pabbly.json() == {"status": "error", "message": RATE_LIMITED}
        assert c.get("/healthz").status_code == 200  # no credential: not refused
    with _client(limited, "127.0.0.3") as other:
        assert other.get("/v1/customers", headers=good).status_code == 200


def test_a_credential_id_is_locked_across_addresses(limited: LiveServer, tenant: TenantCtx) -> None:
    wrong = {"Authorization": f"Bearer {tenant.key_id}.not-the-secret"}
    for address in ("127.0.0.4", "127.0.0.5", "127.0.0.6"):  # one failure each
        with _client(limited, address) as c:
            assert c.get("/v1/customers", headers=wrong).status_code == 401
    with _client(limited, "127.0.0.7") as c:
        right = c.get("/v1/customers", headers={"Authorization": f"Bearer {tenant.token}"})
        assert right.status_code == 429  # the key id is locked, whoever asks
        basic = c.post(
            "/api/v2/getdashboardstats",
            auth=(tenant.key_id, tenant.secret),
            json={"product_id": "all", "interval": "today"},
        )
        assert basic.status_code == 429
        partner = c.get("/api/v1/partner/dashboard", headers={"X-Auth-ID": "PA_AAAAAAAA"})
        assert partner.status_code == 401  # another credential: still checked
        body = partner.json()
        assert body["status"] == "error" and body["error"]["code"] == "INVALID_CREDENTIALS"


def test_a_partner_credential_is_locked_in_the_vobiz_format(limited: LiveServer) -> None:
    headers = {"X-Auth-ID": "PA_BBBBBBBB", "X-Auth-Token": "guess"}
    for address in ("127.0.0.8", "127.0.0.9", "127.0.0.10"):
        with _client(limited, address) as c:
            assert c.get("/api/v1/partner/dashboard", headers=headers).status_code == 401
    with _client(limited, "127.0.0.11") as c:
        response = c.get("/api/v1/partner/analytics", headers=headers)
    assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["status"] == "error" and body["requestId"] == response.headers["x-request-id"]
    assert body["error"]["code"] == "RATE_LIMITED" and body["error"]["message"] == RATE_LIMITED
