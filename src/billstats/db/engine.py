"""Engine creation and schema set-up."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from billstats.config import Settings
from billstats.db.dialect import configure_engine


def make_engine(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.drivername.startswith("sqlite"):
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=16,
            # Last in, first out: the few connections in use stay warm and the others idle.
            # Each SQLite connection has its own page cache (up to 16 MiB, dialect.py); handed
            # out in turn, all eight would fill theirs on a large database.
            pool_use_lifo=True,
        )
    else:
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    configure_engine(engine, sqlite_synchronous=settings.sqlite_synchronous)
    return engine
