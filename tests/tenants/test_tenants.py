"""Tenants: validation on create, lookup by id or name, and GET /v1/tenant."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import Engine

from billstats.db.dialect import read_transaction, write_transaction
from billstats.errors import BillstatsError, NotFound, ValidationFailed
from billstats.tenants import service
from tests.conftest import make_tenant


def _name() -> str:
    return f"tenant-{uuid.uuid4().hex[:10]}"


def test_create_and_read_back(engine: Engine) -> None:
    name = _name()
    with write_transaction(engine) as conn:
        tenant = service.create_tenant(conn, f"  {name}  ", "America/New_York", "cad")
    assert (tenant.name, tenant.timezone, tenant.currency) == (name, "America/New_York", "CAD")
    assert str(tenant.zone) == "America/New_York"
    with read_transaction(engine) as conn:
        assert service.get(conn, tenant.id) == tenant
        assert service.resolve(conn, str(tenant.id)) == tenant
        assert service.resolve(conn, name) == tenant
    assert tenant.as_dict() == {
        "tenant_id": tenant.id,
        "name": name,
        "timezone": "America/New_York",
        "currency": "CAD",
    }


@pytest.mark.parametrize(
    "zone",
    [
        "Mars/Olympus_Mons",
        "UTC+1",
        "utc",
        "",
        " UTC",
        "Europe/Berlin/",
        "../etc/passwd",
        "/etc/localtime",
        "America",
        "Etc",
        "x" * 300,
        "UTC\x00",
    ],
)
def test_invalid_iana_zone_is_refused(engine: Engine, zone: str) -> None:
    with pytest.raises(ValidationFailed) as caught, write_transaction(engine) as conn:
        service.create_tenant(conn, _name(), zone, "USD")
    assert [(p.path, p.code) for p in caught.value.problems] == [("timezone", "invalid_timezone")]


@pytest.mark.parametrize(
    "zone",
    ["UTC", "Europe/Berlin", "Asia/Kathmandu", "Etc/GMT+5", "America/Argentina/Buenos_Aires"],
)
def test_valid_iana_zones(engine: Engine, zone: str) -> None:
    with write_transaction(engine) as conn:
        assert service.create_tenant(conn, _name(), zone, "USD").timezone == zone


@pytest.mark.parametrize(
    "name, zone, currency, problems",
    [
        ("", "UTC", "USD", [("name", "invalid")]),
        ("   ", "UTC", "USD", [("name", "invalid")]),
        ("n" * 201, "UTC", "USD", [("name", "invalid")]),
        ("a\x00b", "UTC", "USD", [("name", "invalid")]),
        (None, "UTC", "XXX", [("currency", "invalid_currency")]),
        (None, "UTC", "US", [("currency", "invalid_currency")]),
        (None, "UTC", "u\N{LATIN SMALL LETTER LONG S}d", [("currency", "invalid_currency")]),
        (
            "",
            "Nowhere/Town",
            "ABC",
            [
                ("name", "invalid"),
                ("timezone", "invalid_timezone"),
                ("currency", "invalid_currency"),
            ],
        ),
    ],
)
def test_create_validation_lists_every_problem(
    engine: Engine, name: str | None, zone: str, currency: str, problems: list[tuple[str, str]]
) -> None:
    with pytest.raises(ValidationFailed) as caught, write_transaction(engine) as conn:
        service.create_tenant(conn, name if name is not None else _name(), zone, currency)
    assert [(p.path, p.code) for p in caught.value.problems] == problems
    assert caught.value.status_code == 422


def test_name_is_unique(engine: Engine) -> None:
    name = _name()
    with write_transaction(engine) as conn:
        service.create_tenant(conn, name, "UTC", "USD")
    with pytest.raises(BillstatsError) as caught, write_transaction(engine) as conn:
        service.create_tenant(conn, f" {name}", "UTC", "EUR")
    assert (caught.value.status_code, caught.value.code) == (409, "conflict")


def test_concurrent_creates_of_one_name_make_one_tenant(engine: Engine) -> None:
    """Eight transactions creating the same name at once: one tenant, seven 409s (on PostgreSQL
    the unique name decides between transactions that all saw the name free; no 500)."""
    name = _name()
    start = threading.Barrier(8)

    def create(currency: str) -> str:
        start.wait()
        try:
            with write_transaction(engine) as conn:
                service.create_tenant(conn, name, "UTC", currency)
        except BillstatsError as exc:
            return f"{exc.status_code} {exc.code}"
        return "created"

    with ThreadPoolExecutor(8) as pool:
        outcomes = sorted(pool.map(create, ["USD"] * 8))
    assert outcomes == ["409 conflict"] * 7 + ["created"]
    with read_transaction(engine) as conn:
        assert service.resolve(conn, name).name == name


def test_resolve_unknown(engine: Engine) -> None:
    with read_transaction(engine) as conn:
        with pytest.raises(NotFound):
            service.resolve(conn, "no-such-tenant")
        with pytest.raises(NotFound):
            service.resolve(conn, "987654321")
        with pytest.raises(NotFound):
            service.get(conn, 987654321)


def test_tenant_endpoint(http: httpx.Client, engine: Engine) -> None:
    tenant = make_tenant(engine, timezone="Asia/Tokyo", currency="JPY", scopes=("analytics:read",))
    response = http.get("/v1/tenant", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json() == {
        "tenant_id": tenant.id,
        "name": tenant.name,
        "timezone": "Asia/Tokyo",
        "currency": "JPY",
    }


def test_tenant_zone_does_not_change_stored_instants(http: httpx.Client, engine: Engine) -> None:
    """Timestamps are instants: a tenant's zone is for reporting, not for storage."""
    tokyo = make_tenant(engine, timezone="Asia/Tokyo")
    body = {"name": "C", "created_at": "2025-01-31T23:30:00-05:00"}
    response = http.put("/v1/customers/c1", json=body, headers=tokyo.headers)
    assert response.json()["data"]["created_at"] == "2025-02-01T04:30:00+00:00"
