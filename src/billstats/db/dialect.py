"""Every difference between SQLite and PostgreSQL lives here.

Domain code calls these helpers and never asks which database it runs on.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    Date,
    Engine,
    Integer,
    String,
    Table,
    any_,
    bindparam,
    case,
    event,
    func,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry

from billstats.db.types import UTCDateTime

Row = dict[str, Any]

# SQLite allows one writer at a time.  Writers in this process queue on this lock instead of
# spinning on SQLITE_BUSY; other processes (a CLI import beside the server) wait on busy_timeout.
_SQLITE_WRITE_LOCK = threading.RLock()


# Each SQLite connection keeps its own page cache (pages beyond it are read again from the
# operating system's cache).  16 MiB: at scale 100 with 16 concurrent clients, 64 MiB caches took
# the server from 900 MiB to 1.4 GiB; at 16 MiB it stayed under 1 GB (2026-12-07).
SQLITE_CACHE_KIB = 16 * 1024
# What all of the process's SQLite connections may hold together (PRAGMA soft_heap_limit, one
# limit per process): past it SQLite recycles cached pages instead of allocating more.  A burst of
# 16 clients opens a connection each; at scale 100 their page caches took the partner dashboard's
# server from 114 MiB to 391 MiB, 192 MiB under this limit (docs/performance.md).
SQLITE_HEAP_LIMIT_BYTES = 64 * 1024 * 1024


def is_sqlite(engine_or_conn: Engine | Connection) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


def configure_engine(engine: Engine, *, sqlite_synchronous: str = "NORMAL") -> None:
    """Install per-connection settings (SQLite pragmas, explicit transaction control;
    PostgreSQL: a bulk import's connection prepares statements again once back in the pool)."""
    if engine.dialect.name != "sqlite":

        @event.listens_for(engine, "checkin")
        def _on_checkin(dbapi_conn: DBAPIConnection | None, record: ConnectionPoolEntry) -> None:
            if _PREPARE_THRESHOLD in record.info:
                threshold = record.info.pop(_PREPARE_THRESHOLD)
                if dbapi_conn is not None:
                    dbapi_conn.prepare_threshold = threshold

        return
    sync = (
        sqlite_synchronous
        if sqlite_synchronous in {"OFF", "NORMAL", "FULL", "EXTRA"}
        else ("NORMAL")
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module; we emit BEGIN ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={sync}")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=OFF")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cur.execute(f"PRAGMA soft_heap_limit={SQLITE_HEAP_LIMIT_BYTES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.info.get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-write transaction: committed when the block ends, rolled back on error."""
    if engine.dialect.name == "sqlite":
        with _SQLITE_WRITE_LOCK, engine.connect() as conn:
            conn.info["sqlite_begin"] = "IMMEDIATE"
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info.pop("sqlite_begin", None)
    else:
        with engine.begin() as conn:
            yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A read-only snapshot (one transaction, never committed)."""
    with engine.connect() as conn, conn.begin() as tx:
        try:
            yield conn
        finally:
            tx.rollback()


def lock_for_write(conn: Connection, tenant_id: int, key: str | None = None) -> None:
    """Serialise writers that could race to create the same record, until the transaction ends.

    With ``key`` (one record, the ``PUT`` path) the caller shares the tenant with other
    single-record writers and excludes writers of the same key; without it (a bulk import) the
    caller has the tenant's ingest to itself.  SQLite runs one writer at a time already.
    """
    if conn.dialect.name == "sqlite":
        return
    if key is None:
        conn.execute(text(_TENANT_LOCK), _lock_ns(tenant_id))
        _plan_every_statement(conn)
        return
    digest = hashlib.blake2b(f"{tenant_id}\x00{key}".encode(), digest_size=8).digest()
    conn.execute(
        text(_KEY_LOCK), {**_lock_ns(tenant_id), "k": int.from_bytes(digest, "big", signed=True)}
    )


def _plan_every_statement(conn: Connection) -> None:
    """psycopg prepares a statement it has sent five times, and PostgreSQL then settles on a
    generic plan.  A bulk import sends the same lookups over and over with arrays of any length
    (:func:`rows_by_keys`), and the generic plan of ``= ANY($1)``, made for an array of ten,
    compares each row with each element where a plan for the given array hashes it: 77-130 ms
    per lookup of 450 keys in a table without statistics.  So until the connection goes back to
    the pool (see :func:`configure_engine`) psycopg prepares nothing and every statement is
    planned for its own values.  (``plan_cache_mode = force_custom_plan`` would do that too, but
    also replans the foreign-key check of every invoice line: three times slower.)"""
    proxied = conn.connection
    raw = proxied.driver_connection
    if raw is None or not hasattr(raw, "prepare_threshold"):
        return
    proxied.info.setdefault(_PREPARE_THRESHOLD, raw.prepare_threshold)
    raw.prepare_threshold = None


_PREPARE_THRESHOLD = "billstats_prepare_threshold"
_TENANT_LOCK = "SELECT pg_advisory_xact_lock(CAST(:ns AS integer), CAST(:tenant AS integer))"
# Shared tenant lock first, then the key's own (select-list items evaluate left to right).
_KEY_LOCK = (
    "SELECT pg_advisory_xact_lock_shared(CAST(:ns AS integer), CAST(:tenant AS integer)), "
    "pg_advisory_xact_lock(CAST(:k AS bigint))"
)


def _lock_ns(tenant_id: int) -> dict[str, int]:
    # The two-integer lock space, namespaced so other users of advisory locks do not collide.
    return {"ns": 0x62737461, "tenant": tenant_id}  # "bsta"


# -- bulk writes --------------------------------------------------------------------------------
#
# Append-only rows go in with one fast path per database, each comparing the rows whose key
# existed with what is stored: SQLite takes the rows as one JSON document (json_each), so that a
# whole chunk is a single statement run without the GIL; PostgreSQL reads the same kind of document
# with json_to_recordset.  Anything those paths cannot carry takes plain SQLAlchemy statements.

Outcome = tuple[int, list[int]]  # rows inserted, positions of rows that differ from the stored
_PG_BULK_MIN_ROWS = 64  # fewer (a PUT) take plain statements


def insert_ignore(conn: Connection, table: Table, rows: Sequence[Row]) -> int:
    """Insert rows whose primary key is new; leave existing ones alone.  Returns rows inserted."""
    if not rows:
        return 0
    pk = [c for c in table.primary_key.columns]
    stmt = insert(conn, table).on_conflict_do_nothing().returning(*pk)
    return len(conn.execute(stmt, list(rows)).all())


def insert_new_or_compare(conn: Connection, table: Table, rows: Sequence[Row]) -> Outcome:
    """Insert the rows whose primary key is new and compare the others with what is stored.

    Returns the number of rows inserted and the positions of rows whose stored version differs
    in some given column.  Keys must be unique within ``rows``.
    """
    return start_insert_new_or_compare(conn, table, rows, background=False)()


def start_insert_new_or_compare(
    conn: Connection, table: Table, rows: Sequence[Row], *, background: bool = True
) -> Callable[[], Outcome]:
    """:func:`insert_new_or_compare`, run in a background thread when that pays.

    Returns a function that waits for the outcome.  Until it has been called, the connection
    must not be used: the caller validates the next rows meanwhile.
    """
    if not rows:
        return lambda: (0, [])
    enc = _encoder(table, tuple(rows[0]))
    if conn.dialect.name == "sqlite":
        job = _sqlite_json_job(conn, enc, rows)
    elif len(rows) >= _PG_BULK_MIN_ROWS:
        job = _pg_json_job(conn, enc, rows)
    else:
        job = None
    if job is None:
        job = partial(_generic_insert_or_compare, conn, enc, rows)
    elif background:
        return _in_thread(job)
    outcome = job()
    return lambda: outcome


def _in_thread(job: Callable[[], Outcome]) -> Callable[[], Outcome]:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = job()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, name="billstats-bulk-write", daemon=True)
    thread.start()

    def wait() -> Outcome:
        thread.join()
        if "error" in box:
            raise box["error"]
        outcome: Outcome = box["result"]
        return outcome

    return wait


class _Encoder:
    """How rows with a given set of columns go to one table, worked out once."""

    def __init__(self, table: Table, given: tuple[str, ...]) -> None:
        self.table = table
        self.cols = cols = [c.name for c in table.columns if c.name in given]
        self.pk = [c.name for c in table.primary_key.columns]
        self.names = ", ".join(f'"{n}"' for n in cols)
        self.json_index = [i for i, n in enumerate(cols) if isinstance(table.c[n].type, JSON)]
        getter = itemgetter(*cols)
        self.get: Callable[[Row], Any] = getter if len(cols) > 1 else lambda r: (getter(r),)
        self.json_ok = all(isinstance(table.c[n].type, _JSON_SAFE) for n in cols)
        # SQLite: the rows as a JSON array of arrays, each value taken out once; timestamps come
        # as orjson writes them (UTC, "Z") and are turned into the stored text.  Anything else
        # makes json('...') fail the statement, and the rows take the plain path instead.
        taken = ", ".join(f"json_extract(j.value, '$[{i}]') AS c{i}" for i in range(len(cols)))
        values = ", ".join(
            f'{_ts_sql(f"c{i}") if isinstance(table.c[n].type, UTCDateTime) else f"c{i}"} AS "{n}"'
            for i, n in enumerate(cols)
        )
        source = f"SELECT _n, {values} FROM (SELECT j.key AS _n, {taken} FROM json_each(?) j)"
        name = f'"{table.name}"'
        self.json_insert_sql = (
            f"INSERT INTO {name} ({self.names}) SELECT {self.names} "
            f"FROM ({source}) WHERE true ON CONFLICT DO NOTHING"
        )
        self.json_plain_insert_sql = (
            f"INSERT INTO {name} ({self.names}) SELECT {self.names} FROM ({source}) ORDER BY _n"
        )
        # How many keys exist, and which of those rows differ: one result row (a statement
        # that returned a row per difference would take the GIL back for each).
        join = " AND ".join(f's."{n}" = t."{n}"' for n in self.pk)
        differs = " OR ".join(f's."{n}" IS NOT t."{n}"' for n in cols)
        self.json_check_sql = (
            f"SELECT count(*), group_concat(CASE WHEN {differs} THEN s._n END) "
            f"FROM ({source}) s JOIN {name} t ON {join}"
        )
        self.expect_existing = False  # the last chunk's keys all existed: check first
        self.pg_insert_sql: str | None = None
        self.pg_check_sql = ""
        self._pg_types: str | None = None
        self.pg_statements: dict[tuple[str, tuple[str, ...]], str] = {}

    def pg_types(self, conn: Connection) -> str:
        """The column list of ``json_to_recordset(...) AS s(<this>)`` for these columns."""
        if self._pg_types is None:
            self._pg_types = ", ".join(
                f'"{n}" {self.table.c[n].type.compile(dialect=conn.dialect)}' for n in self.cols
            )
        return self._pg_types

    def pg_sql(self, conn: Connection) -> None:
        """PostgreSQL: the rows as a JSON array of objects, read by json_to_recordset."""
        types = self.pg_types(conn)
        name = f'"{self.table.name}"'
        self.pg_insert_sql = (
            f"INSERT INTO {name} ({self.names}) SELECT {self.names} FROM "
            f"json_to_recordset(%s::json) AS s({types}) ON CONFLICT DO NOTHING"
        )
        join = " AND ".join(f's."{n}" = t."{n}"' for n in self.pk)
        old = ", ".join(f't."{n}"' for n in self.cols)
        new = ", ".join(f's."{n}"' for n in self.cols)
        self.pg_check_sql = (
            f"SELECT count(*), array_agg(s._n - 1) FILTER (WHERE ({old}) IS DISTINCT FROM ({new})) "
            f"FROM ROWS FROM (json_to_recordset(%s::json) AS ({types})) WITH ORDINALITY "
            f"AS s({self.names}, _n) JOIN {name} t ON {join}"
        )


_JSON_SAFE = (String, Integer, Boolean, UTCDateTime, Date)
_ENCODERS: dict[tuple[Table, tuple[str, ...]], _Encoder] = {}


def _encoder(table: Table, given: tuple[str, ...]) -> _Encoder:
    enc = _ENCODERS.get((table, given))
    if enc is None:
        enc = _ENCODERS[(table, given)] = _Encoder(table, given)
    return enc


def _ts_sql(c: str) -> str:
    """orjson's UTC text ("2025-01-31T23:30:00Z", "...00.123456Z") -> types.utc_text's."""
    return (
        f"CASE WHEN {c} GLOB '[1-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*Z' "
        f"THEN substr(replace(replace({c}, 'T', ' '), 'Z', '.000000'), 1, 26) "
        f"WHEN {c} IS NULL THEN NULL ELSE json('not a UTC timestamp') END"
    )


def _sqlite_json_job(
    conn: Connection, enc: _Encoder, rows: Sequence[Row]
) -> Callable[[], Outcome] | None:
    if not enc.json_ok:
        return None
    try:
        doc = orjson.dumps(list(map(enc.get, rows)), option=orjson.OPT_UTC_Z)
    except TypeError:
        return None
    if b"\\u0000" in doc:  # SQLite's JSON functions end text at NUL
        return None
    raw = conn.connection.driver_connection
    assert raw is not None
    error = conn.dialect.dbapi.OperationalError if conn.dialect.dbapi else Exception

    def job() -> Outcome:
        cur = raw.cursor()
        try:
            if enc.expect_existing:  # a re-import: compare first, insert only if needed
                existing, differing = _sqlite_check(cur, enc, doc)
                inserted = 0 if existing == len(rows) else _sqlite_insert(cur, enc, doc)
            else:
                inserted = _sqlite_insert(cur, enc, doc)
                differing = [] if inserted == len(rows) else _sqlite_check(cur, enc, doc)[1]
            enc.expect_existing = inserted == 0
            return inserted, differing
        except error as exc:
            if "JSON" not in str(exc):
                raise
            # A value outside the document's reach: the statement was undone as a whole.
            return _generic_insert_or_compare(conn, enc, rows)
        finally:
            cur.close()

    return job


def _sqlite_insert(cur: Any, enc: _Encoder, doc: bytes) -> int:
    cur.execute(enc.json_insert_sql, (doc,))
    return int(cur.rowcount)


def _sqlite_check(cur: Any, enc: _Encoder, doc: bytes) -> tuple[int, list[int]]:
    existing, differing = cur.execute(enc.json_check_sql, (doc,)).fetchone()
    return int(existing), sorted(int(n) for n in differing.split(",")) if differing else []


def _pg_json_job(
    conn: Connection, enc: _Encoder, rows: Sequence[Row]
) -> Callable[[], Outcome] | None:
    try:
        doc = orjson.dumps(rows, option=orjson.OPT_UTC_Z).decode()
    except TypeError:
        return None
    raw = conn.connection.driver_connection
    assert raw is not None
    if enc.pg_insert_sql is None:
        enc.pg_sql(conn)

    def job() -> Outcome:
        with raw.cursor() as cur:
            if enc.expect_existing:
                existing, differing = cur.execute(enc.pg_check_sql, (doc,)).fetchone()
                inserted = (
                    0
                    if existing == len(rows)
                    else int(cur.execute(enc.pg_insert_sql, (doc,)).rowcount)
                )
            else:
                inserted = int(cur.execute(enc.pg_insert_sql, (doc,)).rowcount)
                differing = (
                    None
                    if inserted == len(rows)
                    else (cur.execute(enc.pg_check_sql, (doc,)).fetchone()[1])
                )
        enc.expect_existing = inserted == 0
        return inserted, sorted(differing or [])

    return job


def _generic_insert_or_compare(conn: Connection, enc: _Encoder, rows: Sequence[Row]) -> Outcome:
    table = enc.table
    mod: Any = sqlite if conn.dialect.name == "sqlite" else postgresql
    pk_cols = [table.c[n] for n in enc.pk]
    stmt = mod.insert(table).on_conflict_do_nothing().returning(*pk_cols)
    new_keys = {tuple(r) for r in conn.execute(stmt, list(rows)).all()}
    if len(new_keys) == len(rows):
        return len(new_keys), []
    keys = [tuple(row[n] for n in enc.pk) for row in rows]
    wanted = [k for k in keys if k not in new_keys]
    stored: dict[tuple[Any, ...], Row] = {}
    step = MAX_IN_PARAMS // len(enc.pk)
    for start in range(0, len(wanted), step):
        part = wanted[start : start + step]
        found = conn.execute(select(table).where(tuple_(*pk_cols).in_(part))).mappings()
        stored.update({tuple(r[n] for n in enc.pk): dict(r) for r in found})
    differing = []
    for n, (key, row) in enumerate(zip(keys, rows, strict=True)):
        old = stored.get(key)
        if key not in new_keys and (old is None or any(old.get(c) != v for c, v in row.items())):
            differing.append(n)
    return len(new_keys), differing


# -- plain bulk writes -----------------------------------------------------------------------------
#
# PostgreSQL takes the rows of a bulk write as one JSON document read by json_to_recordset: one
# short statement whatever the number of rows.  SQLAlchemy's executemany sends an INSERT as
# multi-row VALUES batches of 1,000 rows, whose thousands of placeholders psycopg parses in Python
# for every batch, and an UPDATE as one statement per row.  SQLite (in-process, no round trips)
# takes SQLAlchemy's statements except for inserts (a JSON document read by json_each: the
# executemany converted every row's parameters in Python); rows the document cannot carry (JSON
# columns, NUL characters, integers past 64 bits) take SQLAlchemy's statements on both.


def _pg_document(
    conn: Connection, table: Table, rows: Sequence[Row]
) -> tuple[_Encoder, str] | None:
    """The encoder and JSON document of ``rows`` for PostgreSQL, or None for the plain path."""
    if conn.dialect.name == "sqlite" or not rows:
        return None
    enc = _encoder(table, tuple(rows[0]))
    if not enc.json_ok:
        return None
    try:
        # (column names from SQLAlchemy are str subclasses: NON_STR_KEYS writes them as keys)
        doc = orjson.dumps(rows, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        return None
    if b"\\u0000" in doc:  # PostgreSQL text cannot hold NUL: let the plain path say so
        return None
    return enc, doc.decode()


def _pg_statement(
    enc: _Encoder, purpose: str, key: tuple[str, ...], build: Callable[[], str]
) -> str:
    found = enc.pg_statements.get((purpose, key))
    if found is None:
        found = enc.pg_statements[(purpose, key)] = build()
    return found


def insert_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> None:
    """INSERT ``rows`` (dicts with the same columns); a key that exists already is an error."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        if not _sqlite_insert_rows(conn, table, rows):
            conn.execute(table.insert(), list(rows))
        return
    found = _pg_document(conn, table, rows)
    if found is None:
        conn.execute(table.insert(), list(rows))
        return
    enc, doc = found

    def build() -> str:
        return (
            f'INSERT INTO "{table.name}" ({enc.names}) SELECT {enc.names} '
            f"FROM json_to_recordset(%s::json) AS s({enc.pg_types(conn)})"
        )

    conn.exec_driver_sql(_pg_statement(enc, "insert", (), build), (doc,))


def _sqlite_insert_rows(conn: Connection, table: Table, rows: Sequence[Row]) -> bool:
    """SQLite: INSERT ``rows`` as one JSON document read by ``json_each`` (the statement the
    append-only kinds use, without ``ON CONFLICT``); SQLAlchemy's executemany spent most of an
    invoice import's write converting each row's parameters in Python.  False when the rows
    take the plain path instead: a column the document cannot carry, a value orjson cannot
    write exactly, NUL in text, or the statement failing (SQLite undoes a failed statement as a
    whole; the plain path then raises its own error, or stores what the document could not)."""
    enc = _encoder(table, tuple(rows[0]))
    if not enc.json_ok or len(enc.cols) != len(rows[0]):
        return False
    try:
        doc = orjson.dumps(list(map(enc.get, rows)), option=orjson.OPT_UTC_Z)
    except (TypeError, KeyError):  # (KeyError: a later row without one of the columns)
        return False
    if b"\\u0000" in doc:
        return False
    try:
        conn.exec_driver_sql(enc.json_plain_insert_sql, (doc.decode(),))
    except DBAPIError:
        return False
    return True


def update_rows(
    conn: Connection, table: Table, key_cols: Sequence[str], rows: Sequence[Row]
) -> None:
    """UPDATE the tenant's rows of ``table`` found by ``key_cols``: every other given column is
    set.  Keys must be unique within ``rows``."""
    if not rows:
        return
    value_cols = [c for c in rows[0] if c not in key_cols and c != "tenant_id"]
    keys = ("tenant_id", *key_cols)
    found = _pg_document(conn, table, rows)
    if found is None:
        conds = [table.c[c] == bindparam(f"k_{c}") for c in keys]
        stmt = update(table).where(*conds).values({c: bindparam(f"v_{c}") for c in value_cols})
        params = [
            {**{f"k_{c}": r[c] for c in keys}, **{f"v_{c}": r[c] for c in value_cols}} for r in rows
        ]
        conn.execute(stmt, params)
        return
    enc, doc = found

    def build() -> str:
        sets = ", ".join(f'"{c}" = s."{c}"' for c in value_cols)
        match = " AND ".join(f't."{c}" = s."{c}"' for c in keys)
        return (
            f'UPDATE "{table.name}" AS t SET {sets} '
            f"FROM json_to_recordset(%s::json) AS s({enc.pg_types(conn)}) WHERE {match}"
        )

    conn.exec_driver_sql(_pg_statement(enc, "update", tuple(key_cols), build), (doc,))


def add_to_rows(
    conn: Connection,
    table: Table,
    key_cols: Sequence[str],
    rows: Sequence[Row],
    latest: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """INSERT ``rows`` (key columns and value columns); a row whose key exists adds its values
    to the stored ones instead, except the ``latest`` columns, which keep the later (greater)
    of the two.  Returns the values stored now, a tuple per row.  Keys must be unique within
    ``rows``; a sum past the column's range raises on PostgreSQL (SQLite stores a float: the
    caller checks the values returned)."""
    if not rows:
        return []
    keys = ("tenant_id", *key_cols)
    value_cols = [c for c in rows[0] if c not in keys]
    found = _pg_document(conn, table, rows)
    if found is None:
        stmt = insert(conn, table)
        new = stmt.excluded
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={
                v: case((new[v] > table.c[v], new[v]), else_=table.c[v])
                if v in latest
                else table.c[v] + new[v]
                for v in value_cols
            },
        ).returning(*(table.c[v] for v in value_cols))
        return [tuple(r) for r in conn.execute(stmt, list(rows)).all()]
    enc, doc = found

    def build() -> str:
        name = f'"{table.name}"'
        sets = ", ".join(
            f'"{v}" = CASE WHEN excluded."{v}" > {name}."{v}" THEN excluded."{v}" '
            f'ELSE {name}."{v}" END'
            if v in latest
            else f'"{v}" = {name}."{v}" + excluded."{v}"'
            for v in value_cols
        )
        back = ", ".join(f'{name}."{v}"' for v in value_cols)
        conflict = ", ".join(f'"{c}"' for c in keys)
        return (
            f"INSERT INTO {name} ({enc.names}) SELECT {enc.names} "
            f"FROM json_to_recordset(%s::json) AS s({enc.pg_types(conn)}) "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {sets} RETURNING {back}"
        )

    sql = _pg_statement(enc, "add", (*key_cols, "", *latest), build)
    return [tuple(r) for r in conn.exec_driver_sql(sql, (doc,)).all()]


# -- lookups by key ------------------------------------------------------------------------------


def rows_by_keys(
    conn: Connection,
    table: Table,
    tenant_id: int,
    key_cols: Sequence[str],
    keys: Iterable[tuple[Any, ...]],
    columns: Sequence[str] | None = None,
) -> list[Row]:
    """The tenant's rows of ``table`` whose ``key_cols`` equal one of ``keys`` (every such row:
    the key need not be unique), with ``columns`` (default: all).  Any number of keys.

    SQLite takes ``IN`` lists of at most :data:`MAX_IN_PARAMS` values.  PostgreSQL takes one
    statement whatever the number of keys, the keys as one array per key column (a chunked
    ``IN`` list cost a statement per 450 keys, and a table without statistics, e.g. filled by
    the import running, was scanned whole for each; with the whole array at once it is scanned
    at most once).  Bulk imports plan each statement for its own array (:func:`lock_for_write`).
    """
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return []
    cols = [table.c[c] for c in (columns or [c.name for c in table.columns])]
    by = [table.c[c] for c in key_cols]
    if conn.dialect.name == "sqlite":
        out: list[Row] = []
        step = MAX_IN_PARAMS // (2 * len(by))
        for start in range(0, len(wanted), step):
            part = wanted[start : start + step]
            cond = by[0].in_([k[0] for k in part]) if len(by) == 1 else tuple_(*by).in_(part)
            stmt = select(*cols).where(table.c.tenant_id == tenant_id, cond)
            out += [dict(r) for r in conn.execute(stmt).mappings()]
        return out
    # varchar without a length: a cast to varchar(n)[] would cut longer keys to n characters.
    arrays = [
        bindparam(
            f"k{i}",
            [k[i] for k in wanted],
            type_=postgresql.ARRAY(String() if isinstance(col.type, String) else col.type),
        )
        for i, col in enumerate(by)
    ]
    if len(by) == 1:
        match = by[0] == any_(arrays[0])
    else:
        given = func.unnest(*arrays).table_valued(*(f"k{i}" for i in range(len(by))))
        match = tuple_(*by).in_(select(*given.render_derived(name="k").c))
    stmt = select(*cols).where(table.c.tenant_id == tenant_id, match)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def insert(conn: Connection, table: Table) -> Any:
    """The dialect's ``INSERT`` for ``table``: it has ``on_conflict_do_nothing`` and
    ``on_conflict_do_update`` (with ``excluded``), spelled alike on SQLite and PostgreSQL."""
    mod: Any = sqlite if conn.dialect.name == "sqlite" else postgresql
    return mod.insert(table)


def reads_one_snapshot(conn: Connection) -> bool:
    """Whether every read of a transaction sees the same data (SQLite's transactions do; a
    PostgreSQL read-committed transaction sees each statement's newest committed data)."""
    return conn.dialect.name == "sqlite"


def upsert_stmt(
    conn: Connection, table: Table, index_elements: list[str], update_cols: list[str]
) -> Any:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET cols = excluded.cols."""
    stmt = insert(conn, table)
    return stmt.on_conflict_do_update(
        index_elements=index_elements, set_={c: stmt.excluded[c] for c in update_cols}
    )


MAX_IN_PARAMS = 900  # stay below SQLite's default host-parameter limit in IN (...) lists
