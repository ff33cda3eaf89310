"""The request thread pool is sized from the settings, and bulk imports have a pool of their own."""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
from anyio import to_thread

from billstats.web.threads import ThreadLimit, import_limiter


async def _noop(*_: Any) -> None:
    return None


def _run(main: Callable[[], Awaitable[None]]) -> None:
    """``anyio.run`` in a thread of its own: an event loop another test left running in this
    worker (Playwright's sync API keeps one) would make it refuse."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(anyio.run, main).result()


def test_thread_limit_sizes_the_pools_of_its_event_loop() -> None:
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen["requests"] = to_thread.current_default_thread_limiter().total_tokens
        imports = import_limiter()
        assert imports is not None
        seen["imports"] = imports.total_tokens
        seen["apart"] = imports is not to_thread.current_default_thread_limiter()

    async def main() -> None:
        assert import_limiter() is None  # a fresh loop: nothing set yet
        assert to_thread.current_default_thread_limiter().total_tokens == 40  # anyio's default
        await ThreadLimit(app, 3)({"type": "http"}, _noop, _noop)

    _run(main)
    assert seen == {"requests": 3, "imports": 3, "apart": True}


def test_blocking_work_runs_at_most_that_many_at_once() -> None:
    running = peak = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    async def app(scope: Any, receive: Any, send: Any) -> None:
        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(to_thread.run_sync, work)

    async def main() -> None:
        await ThreadLimit(app, 2)({"type": "http"}, _noop, _noop)

    _run(main)
    assert peak == 2
