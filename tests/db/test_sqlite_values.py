"""SQLite: new rows as parameters of multi-row VALUES statements (``_sqlite_values_insert``)
store exactly what the JSON document's statement stored before, with the same outcome.

The reference is the document path itself (``json_each`` statements, what every chunk took
before), run on a second tenant with the same rows; the stored rows are compared as SQLite holds
them (value and storage class of every column, in rowid order).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from billstats.db import dialect
from billstats.db import tables as t
from billstats.db.dialect import Outcome, write_transaction
from tests.conftest import make_tenant

COLS = [c.name for c in t.call_records.columns]
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
TEXT = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12
)
INSTANT = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2199, 12, 31), timezones=st.just(UTC)
)


def _row(tenant_id: int, n: int, values: tuple[Any, ...]) -> dict[str, Any]:
    account, direction, at, duration, billed, answered, cost = values
    return {
        "tenant_id": tenant_id,
        "id": f"c{n}",
        "account_id": account,
        "direction": direction,
        "product": "voice_api",
        "started_at": at,
        "duration_seconds": duration,
        "billed_seconds": billed,
        "answered": answered,
        "cost": cost,
        "currency": "USD",
    }


ROW = st.tuples(TEXT, TEXT, INSTANT, INT64, INT64, st.booleans(), INT64)


@contextmanager
def _rows_per_statement(n: int) -> Iterator[None]:
    saved = dialect._VALUES_ROWS
    dialect._VALUES_ROWS = n
    for enc in dialect._ENCODERS.values():
        enc._values_sql.clear()
    try:
        yield
    finally:
        dialect._VALUES_ROWS = saved
        for enc in dialect._ENCODERS.values():
            enc._values_sql.clear()


def _by_values(conn: Connection, rows: Sequence[dict[str, Any]]) -> Outcome:
    """The code under test: a chunk expected to be new, its whole parts inserted by VALUES
    statements, the rest by the document's INSERT."""
    dialect._encoder(t.call_records, tuple(rows[0])).expect_existing = False
    with _traced(conn) as seen:
        outcome = dialect.start_insert_new_or_compare(conn, t.call_records, rows)()
    inserts = [s for s in seen if s.startswith("INSERT")]
    by_values = sum("FROM (VALUES (" in s for s in inserts)
    per = dialect._VALUES_ROWS
    assert (by_values, len(inserts) - by_values) == (len(rows) // per, int(len(rows) % per > 0))
    return outcome


@contextmanager
def _traced(conn: Connection) -> Iterator[list[str]]:
    """The statements SQLite runs on this connection (the writer's cursor included)."""
    raw: Any = conn.connection.driver_connection
    seen: list[str] = []
    raw.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        raw.set_trace_callback(None)


def _by_values_first(conn: Connection, rows: Sequence[dict[str, Any]]) -> Outcome:
    """The code under test with a value its VALUES cannot take: tried, then undone."""
    dialect._encoder(t.call_records, tuple(rows[0])).expect_existing = False
    with _traced(conn) as seen:
        outcome = dialect.start_insert_new_or_compare(conn, t.call_records, rows)()
    assert "ROLLBACK TO billstats_values" in seen, seen
    return outcome


def _by_document(conn: Connection, rows: Sequence[dict[str, Any]]) -> Outcome:
    """The previous path: the rows as one JSON document read by json_each."""
    enc = dialect._encoder(t.call_records, tuple(rows[0]))
    doc = orjson.dumps([enc.get(r) for r in rows], option=orjson.OPT_UTC_Z)
    raw = conn.connection.driver_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        inserted = dialect._sqlite_insert(cur, enc, doc)
        differing = [] if inserted == len(rows) else dialect._sqlite_check(cur, enc, doc)[1]
    finally:
        cur.close()
    return inserted, differing


def _stored(conn: Connection, tenant_id: int) -> list[tuple[Any, ...]]:
    cols = ", ".join(f'"{c}", typeof("{c}")' for c in COLS if c != "tenant_id")
    sql = f"SELECT {cols} FROM call_records WHERE tenant_id = :t ORDER BY rowid"
    return [tuple(r) for r in conn.execute(text(sql), {"t": tenant_id})]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    values=st.lists(ROW, min_size=1, max_size=40),
    before=st.lists(st.tuples(st.integers(0, 39), st.booleans()), max_size=15),
    per_statement=st.integers(1, 9),
)
def test_values_store_what_the_document_stored(
    engine: Engine,
    values: list[tuple[Any, ...]],
    before: list[tuple[int, bool]],
    per_statement: int,
) -> None:
    """Random rows (text of any characters but NUL, instants with and without microseconds,
    64-bit integers at their limits, booleans), some stored beforehand as they are or changed,
    split into statements of a few rows: same rows inserted, same differing positions, same
    stored values and storage classes in the same order."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's VALUES path")
    new, old = make_tenant(engine), make_tenant(engine)
    results = []
    for tenant_id, write in ((new.id, _by_values), (old.id, _by_document)):
        rows = [_row(tenant_id, n, v) for n, v in enumerate(values)]
        stored = {n: changed for n, changed in before if n < len(rows)}
        with write_transaction(engine) as conn:
            first = [
                {**rows[n], "cost": rows[n]["cost"] // 2 + 1} if changed else rows[n]
                for n, changed in sorted(stored.items())
            ]
            if first:
                dialect.insert_rows(conn, t.call_records, first)
            with _rows_per_statement(per_statement):
                outcome = write(conn, rows)
            results.append((outcome, _stored(conn, tenant_id)))
    assert results[0] == results[1]


def test_a_value_beyond_the_statements_undoes_every_part(engine: Engine) -> None:
    """A value the VALUES statements cannot take in the last of them: the parts before it are
    undone (savepoint) and the rows go the way they went before, each stored once: an instant
    not in UTC to the plain statements (the document refuses it), an integer past 63 bits to
    the document (which stores it as SQLite reads it)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's VALUES path")
    plus_one = timezone(timedelta(hours=1))
    for odd in ({"started_at": datetime(2025, 1, 1, tzinfo=plus_one)}, {"cost": 2**63}):
        new, old = make_tenant(engine), make_tenant(engine)
        results = []
        for tenant_id, write in ((new.id, _by_values_first), (old.id, _by_document)):
            rows = [
                _row(tenant_id, n, ("a", "in", datetime(2025, 1, 1, tzinfo=UTC), n, n, True, n))
                for n in range(9)
            ]
            rows[-1].update(odd)  # in the last of three VALUES statements
            with write_transaction(engine) as conn:
                with _rows_per_statement(3):
                    try:
                        outcome: Any = write(conn, rows)
                    except Exception as exc:  # (the document alone: a timestamp it refuses)
                        outcome = type(exc).__name__
                results.append((outcome, _stored(conn, tenant_id)))
        if "started_at" in odd:  # the document refuses it; the plain statements store it
            assert results[0][0] == (9, []) and len(results[0][1]) == 9
            assert results[1][0] == "OperationalError"
        else:
            assert results[0] == results[1]


def _plain_by_document(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """The previous ``insert_rows`` on SQLite: one JSON document, no ``ON CONFLICT``."""
    enc = dialect._encoder(t.call_records, tuple(rows[0]))
    doc = orjson.dumps([enc.get(r) for r in rows], option=orjson.OPT_UTC_Z)
    conn.exec_driver_sql(enc.json_plain_insert_sql, (doc.decode(),))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(values=st.lists(ROW, min_size=1, max_size=30), per_statement=st.integers(1, 7))
def test_insert_rows_stores_what_the_document_stored(
    engine: Engine, values: list[tuple[Any, ...]], per_statement: int
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's VALUES path")
    new, old = make_tenant(engine), make_tenant(engine)
    stored = []
    for tenant_id, write in ((new.id, dialect.insert_rows), (old.id, None)):
        rows = [_row(tenant_id, n, v) for n, v in enumerate(values)]
        with write_transaction(engine) as conn, _rows_per_statement(per_statement):
            if write is None:
                _plain_by_document(conn, rows)
                stored.append(_stored(conn, tenant_id))
                continue
            with _traced(conn) as seen:
                write(conn, t.call_records, rows)
            by_values = sum(s.startswith("INSERT") and "FROM (VALUES (" in s for s in seen)
            assert by_values == len(rows) // per_statement
            stored.append(_stored(conn, tenant_id))
    assert stored[0] == stored[1]


def test_insert_rows_with_an_existing_key_in_a_values_part(engine: Engine) -> None:
    """A key that exists fails its VALUES statement: the parts before it are undone and the
    plain statements raise IntegrityError as before; nothing of the rows stays."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's VALUES path")
    tenant = make_tenant(engine)
    at = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [_row(tenant.id, n, ("a", "in", at, n, n, True, n)) for n in range(9)]
    with write_transaction(engine) as conn:
        dialect.insert_rows(conn, t.call_records, rows[7:8])
    with (
        pytest.raises(IntegrityError),
        _rows_per_statement(3),
        write_transaction(engine) as conn,
        _traced(conn) as seen,
    ):
        try:
            dialect.insert_rows(conn, t.call_records, rows)
        finally:
            assert "ROLLBACK TO billstats_values" in seen
    with write_transaction(engine) as conn:
        assert [r[0] for r in _stored(conn, tenant.id)] == ["c7"]
