"""Opaque, signed cursors of the movement log.

A cursor names the last entry of a page (its day, customer and currency: the log's sort key) and
is signed with a sub-key of the server's signing key (``billstats.auth.signing``) over the
tenant and the query's filters.  A cursor that was altered, that belongs to another tenant or
that is replayed with other filters is refused (400 ``invalid_cursor``) instead of silently
paging through a different list.  The next page starts strictly after the named position, so
pages never repeat or skip an entry, even when movements are added meanwhile (new entries before
the position appear on no later page).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date

import orjson
from sqlalchemy import Engine

from billstats.auth.signing import derive_key, signing_key
from billstats.config import Settings
from billstats.errors import BillstatsError

PURPOSE = "activity-cursor"
_MAC_BYTES = 16

Position = tuple[date, str, str]  # (day, customer_id, currency)


def cursor_key(engine: Engine, settings: Settings) -> bytes:
    return derive_key(signing_key(engine, settings), PURPOSE)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, tenant_id: int, query: str, payload: bytes) -> bytes:
    message = f"{tenant_id}\n{query}\n".encode() + payload
    return hmac.new(key, message, hashlib.sha256).digest()[:_MAC_BYTES]


def encode(key: bytes, tenant_id: int, query: str, position: Position) -> str:
    """The cursor for ``position`` under the canonical ``query`` text of the filters."""
    day, customer_id, currency = position
    payload = orjson.dumps([day.isoformat(), customer_id, currency])
    return f"{_b64(payload)}.{_b64(_mac(key, tenant_id, query, payload))}"


def invalid() -> BillstatsError:
    return BillstatsError(
        "invalid cursor: pass next_cursor unchanged, with the same filters as the first page",
        400,
        "invalid_cursor",
    )


def decode(key: bytes, tenant_id: int, query: str, cursor: str) -> Position:
    """The position a cursor names; 400 unless it is intact and was issued for this tenant and
    these filters."""
    try:
        body, _, mac = cursor.partition(".")
        if len(cursor) > 2000 or not body or not mac:
            raise ValueError
        payload = _unb64(body)
        # Compared as text: another spelling of the same bytes is not the cursor issued.
        expected = _b64(_mac(key, tenant_id, query, payload))
        if _b64(payload) != body or not hmac.compare_digest(mac, expected):
            raise ValueError
        day, customer_id, currency = orjson.loads(payload)
        if not isinstance(customer_id, str) or not isinstance(currency, str):
            raise ValueError
        return date.fromisoformat(day), customer_id, currency
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise invalid() from None
