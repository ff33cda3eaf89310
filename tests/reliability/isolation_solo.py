"""A tenant alone in a database of its own: what its data alone gives, to compare with.

``solo_server`` starts the app on a fresh, empty SQLite database (its own engine, so nothing of
the shared database and nothing cached for it can reach it) with the test's frozen clock.  The
same ledger loaded there must read exactly as it reads in the shared database next to every
other tenant, once the values that name the tenant itself are set aside (``comparable``).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from billstats.config import Settings
from billstats.db.engine import make_engine
from billstats.db.migrate import upgrade
from billstats.web.deps import current_time
from tests.conftest import Clock, LiveServer
from tests.reliability.isolation_views import View

# Values that differ between two tenants with the same data by design: the tenant's own id and
# name, UUIDs derived from the tenant id (portal subscription ids, Vobiz partner ids), partner
# credential ids (random) and their issue times, signed cursors (they name the tenant), and when
# a subscription version was recorded (the real time of the write).
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
AUTH_ID = re.compile(r"\bPA_[A-Z0-9]{8}\b")
PER_TENANT_LABELS = ("tenant", "credentials ")


@contextmanager
def solo_server(clock: Clock) -> Iterator[tuple[str, Engine]]:
    """(url, engine) of the app on a new SQLite database, its clock the test's."""
    with tempfile.TemporaryDirectory(prefix="billstats-solo-") as folder:
        settings = Settings(database_url=f"sqlite:///{Path(folder) / 'solo.sqlite3'}")
        engine = make_engine(settings)
        try:
            upgrade(engine)
            server = LiveServer(settings, engine)
            server.app.dependency_overrides[current_time] = clock
            server.start()
            try:
                yield server.url, engine
            finally:
                server.stop()
        finally:
            engine.dispose()


def comparable(view: View) -> View:
    """The view without what names the tenant itself."""
    return {
        label: (status, _scrub(body))
        for label, (status, body) in view.items()
        if not label.startswith(PER_TENANT_LABELS)
    }


def _scrub(body: Any) -> Any:
    """The body with UUIDs and credential ids replaced by placeholders."""
    if isinstance(body, dict):
        return {k: _SCRUBBED.get(k, _scrub)(v) for k, v in body.items()}
    if isinstance(body, list):
        return [_scrub(v) for v in body]
    if isinstance(body, str):
        return AUTH_ID.sub("<auth-id>", UUID.sub("<uuid>", body))
    return body


_SCRUBBED: dict[str, Callable[[Any], Any]] = {
    "next_cursor": lambda v: v if v is None else "<cursor>",
    "recorded_at": lambda v: "<recorded>",
}
