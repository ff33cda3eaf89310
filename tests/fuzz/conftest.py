"""Fixtures of the fuzz tests: the seeded tenant of each database's live server, and a tally of
the statuses each operation answered (written to test-output/fuzz-<backend>.json)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import LiveServer
from tests.fuzz.world import World, build_world

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


class Tally:
    """Responses per operation and status."""

    def __init__(self) -> None:
        self.counts: defaultdict[str, Counter[int]] = defaultdict(Counter)

    def add(self, operation: str, method: str, status: int) -> None:
        # Other methods on the operation's path (schemathesis' coverage cases) count apart.
        label = operation if operation.startswith(method.upper() + " ") else "other methods"
        self.counts[label][status] += 1

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            op: {str(code): n for code, n in sorted(c.items())}
            for op, c in sorted(self.counts.items())
        }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The long fuzz run only when asked for (``-m fuzz_long``): CI runs the bounded one."""
    if "fuzz_long" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="the long fuzz run: pytest -m fuzz_long tests/fuzz")
    for item in items:
        if item.get_closest_marker("fuzz_long") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def world(live_server: LiveServer, engine: Engine) -> World:
    return build_world(engine, live_server.url)


@pytest.fixture(scope="session")
def tally(engine: Engine, worker_id: str) -> Iterator[Tally]:
    out = Tally()
    yield out
    if out.counts:
        OUTPUT.mkdir(exist_ok=True)
        path = OUTPUT / f"fuzz-{engine.dialect.name}-{worker_id}.json"
        path.write_text(json.dumps(out.as_dict(), indent=1) + "\n")
