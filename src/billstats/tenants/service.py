from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection

from billstats.errors import BillstatsError, NotFound, Problem, ValidationFailed
from billstats.money import is_currency
from billstats.tenants import repository
from billstats.tenants.schemas import Tenant


def create_tenant(conn: Connection, name: str, timezone: str, currency: str) -> Tenant:
    problems: list[Problem] = []
    name = name.strip()
    if not 1 <= len(name) <= 200 or "\x00" in name:  # PostgreSQL text cannot hold NUL
        problems.append(Problem("name", "invalid", "name must be 1-200 characters"))
    try:
        if not 1 <= len(timezone) <= 64:  # the column's width; every IANA zone name is shorter
            raise ValueError(timezone)
        ZoneInfo(timezone)
    # OSError: "America" is a directory of the zone database, a 300-character name is too long
    # for the file system; neither is a zone.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        problems.append(
            Problem("timezone", "invalid_timezone", f"{timezone!r} is not an IANA zone")
        )
    currency = currency.upper() if currency.isascii() else currency
    if not is_currency(currency):
        problems.append(Problem("currency", "invalid_currency", f"{currency!r} is not ISO 4217"))
    if problems:
        raise ValidationFailed(problems)
    tenant = repository.create(conn, name, timezone, currency)
    if tenant is None:
        raise BillstatsError(f"a tenant named {name!r} exists", 409, "conflict")
    return tenant


def resolve(conn: Connection, ref: str) -> Tenant:
    """A tenant by numeric id or by name."""
    tenant = repository.get(conn, int(ref)) if ref.isdigit() else None
    tenant = tenant or repository.by_name(conn, ref)
    if tenant is None:
        raise NotFound(f"no tenant {ref!r}")
    return tenant


def get(conn: Connection, tenant_id: int) -> Tenant:
    tenant = repository.get(conn, tenant_id)
    if tenant is None:
        raise NotFound(f"no tenant {tenant_id}")
    return tenant
