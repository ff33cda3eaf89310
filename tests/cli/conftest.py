"""Run ``billstats`` commands in-process (typer's CliRunner) against the test database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import Engine
from typer.testing import CliRunner

from billstats.cli import context, imports
from billstats.cli.main import app
from billstats.config import Settings


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def error(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.stderr)["error"]
        return body


@pytest.fixture
def billstats(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[Callable[..., Run]]:
    """``billstats(*args)``: the CLI with BILLSTATS_DATABASE_URL at the test database."""
    monkeypatch.setenv("BILLSTATS_DATABASE_URL", settings.database_url)
    made: list[Engine] = []

    def tracked_engine(*, migrate: bool = True) -> Engine:
        eng = context.engine(migrate=migrate)
        made.append(eng)
        return eng

    monkeypatch.setattr(imports, "engine", tracked_engine)
    runner = CliRunner()

    def run(*args: str) -> Run:
        result: Result = runner.invoke(app, list(args))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)

    yield run
    for eng in made:
        eng.dispose()
