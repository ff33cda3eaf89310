"""Alembic migrations on an empty database create exactly the schema in billstats.db.tables."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from billstats.cli.main import app
from billstats.config import Settings
from billstats.db.dialect import write_transaction
from billstats.db.engine import make_engine
from billstats.db.migrate import alembic_config, current_revision, upgrade
from billstats.db.tables import metadata


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the backend of this half of the matrix."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    url = make_url(database_url).set(drivername="postgresql+psycopg")
    name = f"billstats_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def empty_engine(empty_url: str) -> Iterator[Engine]:
    engine = make_engine(Settings(database_url=empty_url))
    yield engine
    engine.dispose()


def _head(engine: Engine) -> str:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None
    return head


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _diff(engine: Engine) -> list[object]:
    """What ``alembic revision --autogenerate`` would emit (env.py compares types too).

    Server defaults are compared on PostgreSQL only: SQLite reflects ``''`` as ``"''"``, which
    alembic reports as a difference although the column is unchanged.
    """
    opts = {"compare_type": True, "compare_server_default": engine.dialect.name != "sqlite"}
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts=opts)
        return list(compare_metadata(context, metadata))


def test_empty_database_has_no_schema(empty_engine: Engine) -> None:
    assert _tables(empty_engine) == set()
    assert current_revision(empty_engine) is None


def test_upgrade_creates_every_table_with_no_pending_differences(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert _tables(empty_engine) == {*metadata.tables, "alembic_version"}
    assert current_revision(empty_engine) == _head(empty_engine)
    assert _diff(empty_engine) == []


def test_upgrade_twice_is_a_no_op(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert current_revision(empty_engine) == _head(empty_engine)
    assert _diff(empty_engine) == []


def test_every_tenant_table_leads_its_primary_key_with_tenant_id(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    inspector = inspect(empty_engine)
    for table in metadata.tables:
        pk = inspector.get_pk_constraint(table)["constrained_columns"]
        if table == "tenants":
            assert pk == ["id"]
        elif table == "server_secrets":  # server-wide, belongs to no tenant
            assert pk == ["name"]
        else:
            assert pk[0] == "tenant_id", table


def test_downgrade_to_base_and_back(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    cfg = alembic_config(empty_engine)
    with write_transaction(empty_engine) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert _tables(empty_engine) <= {"alembic_version"}
    assert current_revision(empty_engine) is None
    upgrade(empty_engine)
    assert _diff(empty_engine) == []


def test_cli_migrate_on_an_empty_database(
    empty_url: str, empty_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BILLSTATS_DATABASE_URL", empty_url)
    result = CliRunner().invoke(app, ["migrate"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert result.stdout.startswith(f"schema at revision {_head(empty_engine)} (")
    assert _tables(empty_engine) == {*metadata.tables, "alembic_version"}
    assert _diff(empty_engine) == []


def test_the_session_database_is_at_head(engine: Engine) -> None:
    """The shared test database (migrated by conftest) matches the models too."""
    assert current_revision(engine) == _head(engine)
    assert _diff(engine) == []


def test_the_comparison_does_see_differences(empty_engine: Engine) -> None:
    """A control: a drifted schema is reported, so the empty diffs above mean something."""
    upgrade(empty_engine)
    with write_transaction(empty_engine) as conn:
        conn.execute(text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
        conn.execute(text("ALTER TABLE products ADD COLUMN extra INTEGER"))
    kinds = sorted(
        str(d[0][0] if isinstance(d, list) else d[0])  # type: ignore[index]
        for d in _diff(empty_engine)
    )
    assert kinds == ["remove_column", "remove_table"]
