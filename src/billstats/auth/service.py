"""API keys: issue, list, revoke, authenticate."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from billstats.auth import repository
from billstats.auth.principal import SCOPES, Principal
from billstats.auth.secrets import hash_secret, new_public_id, new_secret, verify_secret
from billstats.errors import NotFound, Problem, Unauthorized, ValidationFailed

KEY_PREFIX = "bk_"
# A fixed hash to compare against when the key id is unknown, so that timing does not tell
# whether a key id exists.
_DUMMY_HASH = hash_secret("billstats-no-such-key")


def create_key(
    conn: Connection,
    tenant_id: int,
    scopes: list[str],
    *,
    name: str = "",
    expires_at: datetime | None = None,
) -> dict[str, Any]:
    bad = [s for s in scopes if s not in SCOPES]
    if bad or not scopes:
        raise ValidationFailed(
            [Problem("scopes", "invalid_scope", f"scopes must be among {', '.join(SCOPES)}")]
        )
    if expires_at is not None and expires_at.tzinfo is None:
        raise ValidationFailed([Problem("expires_at", "naive", "expiry needs a UTC offset")])
    if len(name) > 200 or "\x00" in name:  # the column is varchar(200); PostgreSQL refuses NUL
        raise ValidationFailed([Problem("name", "invalid", "name must be at most 200 characters")])
    key_id = new_public_id(KEY_PREFIX)
    secret = new_secret()
    now = datetime.now(UTC)
    repository.insert_key(
        conn,
        {
            "tenant_id": tenant_id,
            "key_id": key_id,
            "name": name,
            "secret_hash": hash_secret(secret),
            "scopes": " ".join(sorted(set(scopes))),
            "created_at": now,
            "expires_at": expires_at,
        },
    )
    return {
        "tenant_id": tenant_id,
        "key_id": key_id,
        "secret": secret,
        "token": f"{key_id}.{secret}",
        "scopes": sorted(set(scopes)),
        "expires_at": expires_at.isoformat() if expires_at else None,
    }


def describe(row: dict[str, Any]) -> dict[str, Any]:
    def iso(v: datetime | None) -> str | None:
        return v.isoformat() if v else None

    return {
        "key_id": row["key_id"],
        "tenant_id": row["tenant_id"],
        "name": row["name"],
        "scopes": row["scopes"].split(),
        "created_at": iso(row["created_at"]),
        "expires_at": iso(row["expires_at"]),
        "revoked_at": iso(row["revoked_at"]),
    }


def list_keys(conn: Connection, tenant_id: int) -> list[dict[str, Any]]:
    return [describe(r) for r in repository.list_keys(conn, tenant_id)]


def revoke_key(conn: Connection, tenant_id: int, key_id: str) -> None:
    if not repository.revoke_key(conn, tenant_id, key_id, datetime.now(UTC)):
        raise NotFound(f"no active key {key_id!r} in tenant {tenant_id}")


def authenticate_key(
    conn: Connection, key_id: str, secret: str, now: datetime | None = None
) -> Principal:
    """Check a key id and secret; every failure looks the same to the caller."""
    row = repository.get_key(conn, key_id) if 0 < len(key_id) <= 64 else None
    ok = verify_secret(secret, row["secret_hash"] if row else _DUMMY_HASH)
    if row is None or not ok:
        raise Unauthorized("invalid API key")
    now = now or datetime.now(UTC)
    if row["revoked_at"] is not None:
        raise Unauthorized("API key revoked")
    if row["expires_at"] is not None and row["expires_at"] <= now:
        raise Unauthorized("API key expired")
    return Principal(
        tenant_id=row["tenant_id"],
        scopes=frozenset(row["scopes"].split()),
        credential="api_key",
        credential_id=key_id,
    )


def parse_bearer(header: str | None) -> tuple[str, str]:
    if not header:
        raise Unauthorized("missing Authorization header (Bearer <key_id>.<secret>)")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or "." not in token:
        raise Unauthorized("expected Authorization: Bearer <key_id>.<secret>")
    key_id, _, secret = token.strip().partition(".")
    return key_id, secret
