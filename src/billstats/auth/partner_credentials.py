"""Partner credentials: the ``X-Auth-ID`` / ``X-Auth-Token`` pairs of the partner surface.

An auth id is ``PA_`` + 8 upper-case letters or digits, unique across all tenants (the headers
carry no tenant).  The token is 256 random bits, shown once; only ``sha256$<hex>`` of it is
stored, compared in constant time, and an unknown (or malformed) auth id is checked against a
dummy hash so that timing does not reveal which ids exist.  A credential is scoped to one partner
of one tenant; revocation takes effect on the next request.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from billstats.auth import partner_repository as repository
from billstats.auth.principal import Principal
from billstats.auth.secrets import hash_secret, new_secret, verify_secret
from billstats.db.tables import ID
from billstats.errors import BillstatsError, NotFound

AUTH_ID_PREFIX = "PA_"
AUTH_ID_LENGTH = 8
AUTH_ID_ALPHABET = string.ascii_uppercase + string.digits
AUTH_ID_PATTERN = re.compile(rf"^{AUTH_ID_PREFIX}[A-Z0-9]{{{AUTH_ID_LENGTH}}}$")
# 36**8 ~ 2.8e12 ids: a collision is rare, and each retry is independent.
MAX_ATTEMPTS = 20
CREDENTIAL = "partner"
_DUMMY_HASH = hash_secret("billstats-no-such-partner-credential")


class InvalidCredentials(BillstatsError):
    """Wrong, unknown, malformed, missing or revoked partner credentials (all look alike)."""

    def __init__(self, message: str = "invalid X-Auth-ID or X-Auth-Token") -> None:
        super().__init__(message, 401, "invalid_credentials")


def _storable(value: str, width: int) -> bool:
    """Whether ``value`` could be stored in a column of ``width`` (PostgreSQL refuses NUL)."""
    return 0 < len(value) <= width and "\x00" not in value


def _partner_exists(conn: Connection, tenant_id: int, partner_id: str) -> bool:
    return _storable(partner_id, ID) and repository.partner_exists(conn, tenant_id, partner_id)


def new_auth_id() -> str:
    chars = "".join(secrets.choice(AUTH_ID_ALPHABET) for _ in range(AUTH_ID_LENGTH))
    return AUTH_ID_PREFIX + chars


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def describe(row: dict[str, Any]) -> dict[str, Any]:
    """A credential without its token (which is never stored)."""
    return {
        "auth_id": row["auth_id"],
        "tenant_id": row["tenant_id"],
        "partner_id": row["partner_id"],
        "created_at": _iso(row["created_at"]),
        "revoked_at": _iso(row["revoked_at"]),
    }


def create_credentials(
    conn: Connection,
    tenant_id: int,
    partner_id: str,
    *,
    now: datetime | None = None,
    make_auth_id: Callable[[], str] = new_auth_id,
) -> dict[str, Any]:
    """Issue an auth id and token for a partner of the tenant; the token is shown only here."""
    if not _partner_exists(conn, tenant_id, partner_id):
        raise NotFound(f"no partner {partner_id!r} in tenant {tenant_id}")
    token = new_secret()
    created = now or datetime.now(UTC)
    for _ in range(MAX_ATTEMPTS):
        auth_id = make_auth_id()
        row = {
            "tenant_id": tenant_id,
            "auth_id": auth_id,
            "partner_id": partner_id,
            "token_hash": hash_secret(token),
            "created_at": created,
        }
        if repository.insert_credential(conn, row):
            return {**describe({**row, "revoked_at": None}), "token": token}
    raise BillstatsError("could not find a free auth id; try again", 503, "auth_id_exhausted")


def list_credentials(
    conn: Connection, tenant_id: int, partner_id: str | None = None
) -> list[dict[str, Any]]:
    if partner_id is not None and not _partner_exists(conn, tenant_id, partner_id):
        raise NotFound(f"no partner {partner_id!r} in tenant {tenant_id}")
    return [describe(r) for r in repository.list_credentials(conn, tenant_id, partner_id)]


def revoke_credentials(
    conn: Connection,
    tenant_id: int,
    auth_id: str,
    *,
    partner_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Revoke an active credential of the tenant (and of ``partner_id``, when given)."""
    at = now or datetime.now(UTC)
    plausible = AUTH_ID_PATTERN.match(auth_id) and (partner_id is None or _storable(partner_id, ID))
    if not plausible or not repository.revoke_credential(conn, tenant_id, partner_id, auth_id, at):
        owner = f"partner {partner_id!r}" if partner_id is not None else f"tenant {tenant_id}"
        raise NotFound(f"no active partner credential {auth_id!r} of {owner}")
    return {"auth_id": auth_id, "revoked": True, "revoked_at": _iso(at)}


def authenticate(conn: Connection, auth_id: str | None, token: str | None) -> Principal:
    """Check an ``X-Auth-ID`` / ``X-Auth-Token`` pair; every failure looks the same."""
    auth_id, token = auth_id or "", token or ""
    row = repository.get_credential(conn, auth_id) if AUTH_ID_PATTERN.match(auth_id) else None
    ok = verify_secret(token, row["token_hash"] if row else _DUMMY_HASH)
    if row is None or not ok or not token or row["revoked_at"] is not None:
        raise InvalidCredentials()
    return Principal(
        tenant_id=row["tenant_id"],
        scopes=frozenset(),
        credential=CREDENTIAL,
        credential_id=row["auth_id"],
        partner_id=row["partner_id"],
    )
