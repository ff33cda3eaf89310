"""The cyclic GC pause of bulk imports is counted across concurrent imports."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from billstats.ingest.gc_pause import gc_paused


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_resumes_only_when_the_last_import_ends() -> None:
    gc.enable()
    first, second = gc_paused(), gc_paused()
    first.__enter__()
    assert not gc.isenabled()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second import still runs
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_an_import_that_fails_still_resumes_the_collector() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_overlapping_imports_in_threads() -> None:
    gc.enable()
    inside = threading.Barrier(4)
    leave = threading.Event()
    seen: list[bool] = []

    def run() -> None:
        with gc_paused():
            inside.wait()
            leave.wait(5)
            seen.append(gc.isenabled())

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    inside.wait()
    assert not gc.isenabled()
    leave.set()
    for thread in threads:
        thread.join()
    assert gc.isenabled()
    # each still saw the pause on its way out; the last to leave resumed the collector
    assert seen == [False, False, False]
