"""What every CLI command needs: settings, an engine with the schema in place, error output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from sqlalchemy import Engine

from billstats.config import ConfigError, Settings
from billstats.db.engine import make_engine
from billstats.db.migrate import upgrade
from billstats.errors import BillstatsError

P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    """The settings from the environment; a setting that cannot work exits with its reason."""
    try:
        return Settings.from_env()
    except ConfigError as exc:
        body = {"error": {"code": "config_error", "message": str(exc)}}
        sys.stderr.write(json.dumps(body) + "\n")
        raise typer.Exit(2) from None


def engine(*, migrate: bool = True) -> Engine:
    eng = make_engine(settings())
    if migrate:
        upgrade(eng)
    return eng


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


def handles_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Render a BillstatsError as JSON on stderr with exit code 1 (2 for bad input)."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except BillstatsError as exc:
            body: dict[str, Any] = {"error": {"code": exc.code, "message": exc.message}}
            if exc.problems:
                body["error"]["problems"] = [p.as_dict() for p in exc.problems[:50]]
                if len(exc.problems) > 50:
                    body["error"]["more_problems"] = len(exc.problems) - 50
            sys.stderr.write(json.dumps(body, indent=2) + "\n")
            raise typer.Exit(2 if exc.status_code in (400, 409, 413, 422) else 1) from None

    return wrapper
