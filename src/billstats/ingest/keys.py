"""Record keys: a client-chosen ``id`` for every kind, ``(currency, date)`` for exchange rates."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from billstats.errors import Problem
from billstats.ingest.kinds import Kind
from billstats.ingest.schemas.common import ID_PATTERN
from billstats.money import is_currency

_ID_RE = re.compile(ID_PATTERN)
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# The days of the stored timestamps' years (common.MIN_TIME .. MAX_TIME): a rate outside them
# could never be used.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2199, 12, 31)


def check_id(value: Any, path: str) -> Problem | None:
    # fullmatch: with re.match, ``$`` also matches before a trailing newline ("p1\n").
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        return Problem(
            path,
            "invalid_id",
            "id must be 1-128 characters: letters, digits and . _ : @ + - (not first)",
        )
    return None


def extract_key(
    kind: Kind, data: dict[str, Any], path: str
) -> tuple[dict[str, Any], list[Problem]]:
    """Take the key fields out of ``data`` (mutates it) and validate them."""
    if kind.key_cols == ("id",):
        value = data.pop("id", None)
        if value is None:
            return {}, [Problem(f"{path}.id", "missing", "id is required")]
        problem = check_id(value, f"{path}.id")
        return ({"id": value}, []) if problem is None else ({}, [problem])
    currency = data.pop("currency", None)
    day = data.pop("date", None)
    problems: list[Problem] = []
    if not isinstance(currency, str) or not (currency.isascii() and is_currency(currency.upper())):
        problems.append(Problem(f"{path}.currency", "invalid_currency", "an ISO 4217 code"))
    parsed: date | None = None
    if not isinstance(day, str) or not _DATE_RE.fullmatch(day):
        problems.append(Problem(f"{path}.date", "invalid_date", "a date as YYYY-MM-DD"))
    else:
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            problems.append(
                Problem(f"{path}.date", "invalid_date", f"{day} is not a calendar date")
            )
        if parsed is not None and not FIRST_DAY <= parsed <= LAST_DAY:
            problems.append(
                Problem(f"{path}.date", "invalid_date", "must be between 1970-01-01 and 2199-12-31")
            )
            parsed = None
    if problems or parsed is None or not isinstance(currency, str):
        return {}, problems
    return {"currency": currency.upper(), "day": parsed}, []


def key_label(key: dict[str, Any]) -> str:
    if "id" in key:
        return str(key["id"])
    return f"{key['currency']}/{key['day'].isoformat()}"
