"""The key that signs access tokens and portal tokens.

It comes from configuration (``BILLSTATS_SECRET_KEY``) or is generated on first use and kept in
the ``server_secrets`` table, so that tokens survive a restart and every process serving the same
database agrees on it.  There is no built-in default.  Each use derives its own sub-key
(``derive_key``), so a token of one kind can never pass for another.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from billstats.config import Settings
from billstats.db import tables as t
from billstats.db.dialect import insert_ignore, write_transaction

SECRET_NAME = "token_signing_key"

_cache: dict[str, bytes] = {}
_lock = threading.Lock()


def signing_key(engine: Engine, settings: Settings) -> bytes:
    """The master signing key: configured, or stored in the database (created on first use)."""
    if settings.secret_key is not None:  # its length is checked when Settings is built
        return settings.secret_key.encode()
    cache_key = engine.url.render_as_string(hide_password=False)
    with _lock:
        if cache_key not in _cache:
            _cache[cache_key] = _stored_key(engine)
        return _cache[cache_key]


def derive_key(master: bytes, purpose: str) -> bytes:
    """A sub-key for one purpose ("oauth-access-token", "portal-token", ...)."""
    return hmac.new(master, f"billstats:{purpose}".encode(), hashlib.sha256).digest()


def _stored_key(engine: Engine) -> bytes:
    table = t.server_secrets
    query = select(table.c.value).where(table.c.name == SECRET_NAME)
    with write_transaction(engine) as conn:
        value = conn.execute(query).scalar()
        if value is None:
            # Two processes starting at once: one insert wins, both read the winner.
            row = {"name": SECRET_NAME, "value": secrets.token_urlsafe(48)}
            insert_ignore(conn, table, [{**row, "created_at": datetime.now(UTC)}])
            value = conn.execute(query).scalar_one()
    return str(value).encode()
