"""How many threads run the blocking work of requests.

FastAPI runs every synchronous endpoint and dependency in anyio's default thread pool (40 threads
unless told otherwise).  Python runs one thread at a time (the GIL), and a thread that leaves it
to wait on the database (the sqlite3 and psycopg drivers release it around each step) must queue
to take it back: with many threads each doing SQL, most time goes to that queue, and 16
concurrent clients got half the throughput of one (docs/performance.md).  ``ThreadLimit`` sets
the pool to ``Settings.threads`` threads per event loop; bulk imports, which hold a thread for as
long as a file takes, get a pool of their own (``import_limiter``) so that they never take the
request threads.
"""

from __future__ import annotations

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar
from starlette.types import ASGIApp, Receive, Scope, Send

_IMPORTS: RunVar[CapacityLimiter] = RunVar("billstats_import_limiter")


class ThreadLimit:
    """ASGI middleware: sizes the event loop's default thread pool (anyio keeps one per loop, so
    it is set from inside the loop, on the first request and after any change)."""

    def __init__(self, app: ASGIApp, threads: int) -> None:
        self.app = app
        self.threads = threads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limiter = to_thread.current_default_thread_limiter()
        if limiter.total_tokens != self.threads:
            limiter.total_tokens = self.threads
            _IMPORTS.set(CapacityLimiter(self.threads))
        await self.app(scope, receive, send)


def import_limiter() -> CapacityLimiter | None:
    """The bulk imports' own pool in this event loop (None before ``ThreadLimit`` ran in it)."""
    return _IMPORTS.get(None)
