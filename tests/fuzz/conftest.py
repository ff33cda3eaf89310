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
    """Responses per operation and status, and the failures (saved as they come, so a run that
    is cut short still tells what it found)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.counts: defaultdict[str, Counter[int]] = defaultdict(Counter)
        self.failures: list[dict[str, object]] = []
        self._unsaved = 0

    def fail(self, operation: str, status: int, message: str) -> None:
        self.failures.append({"operation": operation, "status": status, "message": message})
        self.save()

    def add(self, operation: str, method: str, status: int) -> None:
        # Other methods on the operation's path (schemathesis' coverage cases) count apart.
        label = operation if operation.startswith(method.upper() + " ") else "other methods"
        self.counts[label][status] += 1
        self._unsaved += 1
        if self._unsaved >= 500:
            self.save()

    def save(self) -> None:
        self._unsaved = 0
        self.path.parent.mkdir(exist_ok=True)
        report = {"responses": self.as_dict(), "failures": self.failures}
        self.path.write_text(json.dumps(report, indent=1) + "\n")

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
    out = Tally(OUTPUT / f"fuzz-{engine.dialect.name}-{worker_id}.json")
    yield out
    if out.counts:
        out.save()
