"""The SQLite engine hands out its most recently returned connection first, and its connections
together hold no more memory than one process-wide limit."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from billstats.config import Settings
from billstats.db import dialect
from billstats.db.engine import make_engine


def test_sqlite_reuses_the_warm_connection(tmp_path: Path) -> None:
    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'pool.sqlite3'}"))
    try:
        # Four connections exist after four concurrent holders return them.
        held = [engine.connect() for _ in range(4)]
        ids = [c.connection.driver_connection for c in held]
        for conn in held:
            conn.close()
        # Sequential use then always gets the last one returned (FIFO would cycle through all
        # four, and each would fill its own page cache).
        seen = set()
        for _ in range(8):
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                seen.add(id(conn.connection.driver_connection))
        assert seen == {id(ids[-1])}
        # Two threads alternating use at most two of them.
        used: set[int] = set()
        barrier = threading.Barrier(2)

        def work() -> None:
            for _ in range(20):
                barrier.wait()
                with engine.connect() as conn:
                    used.add(id(conn.connection.driver_connection))

        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(used) <= 2
    finally:
        engine.dispose()


def _sqlite_memory_used() -> int:
    """SQLite's own count of the bytes it holds in this process (``sqlite3_memory_used``, from
    the library the sqlite3 module is linked with)."""
    import _sqlite3
    import ctypes

    library = ctypes.CDLL(_sqlite3.__file__)  # resolves the symbols of the linked libsqlite3
    library.sqlite3_memory_used.restype = ctypes.c_int64
    used: int = library.sqlite3_memory_used()
    return used


def test_sqlite_connections_share_one_memory_limit(tmp_path: Path) -> None:
    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'heap.sqlite3'}"))
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE filler (id INTEGER PRIMARY KEY, pad BLOB)"))
            conn.execute(
                text(
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6000)"
                    " INSERT INTO filler SELECT i, randomblob(3000) FROM n"
                )
            )  # about 24 MiB: one scan fills a connection's 16 MiB page cache
        limit = dialect.SQLITE_HEAP_LIMIT_BYTES
        held = [engine.connect() for _ in range(8)]
        try:
            for conn in held:
                assert conn.execute(text("PRAGMA soft_heap_limit")).scalar() == limit
                assert conn.execute(text("SELECT count(pad) FROM filler")).scalar() == 6000
            # Eight full page caches would be 128 MiB; together they stay near the limit.
            assert _sqlite_memory_used() < limit + 16 * 1024 * 1024
        finally:
            for conn in held:
                conn.close()
    finally:
        engine.dispose()
