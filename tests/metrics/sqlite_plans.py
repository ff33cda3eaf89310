"""What SQLite does with the statements a piece of code sends: capture them, then ask
``EXPLAIN QUERY PLAN`` for those that matter (tests that a read uses the index it should)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

Statement = tuple[str, Any]  # SQL and its parameters


@contextmanager
def captured(engine: Engine) -> Iterator[list[Statement]]:
    """The statements sent through ``engine`` inside the block."""
    seen: list[Statement] = []

    def capture(*args: Any) -> None:
        seen.append((args[2], args[3]))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def query_plans(engine: Engine, statements: list[Statement], pattern: str) -> dict[str, str]:
    """SQL -> its query plan (steps joined by `` | ``) for the SELECTs matching ``pattern``."""
    raw = engine.raw_connection()
    try:
        return {
            sql: " | ".join(row[-1] for row in raw.cursor().execute(f"EXPLAIN QUERY PLAN {sql}", p))
            for sql, p in statements
            if sql.lstrip().upper().startswith("SELECT") and re.search(pattern, sql)
        }
    finally:
        raw.close()
