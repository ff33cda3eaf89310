"""The SQLite engine hands out its most recently returned connection first."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from billstats.config import Settings
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
