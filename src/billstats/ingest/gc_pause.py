"""Pausing Python's cyclic garbage collector while bulk imports run.

An import creates millions of short-lived objects without cycles: the cycle collector would
rescan the heap over and over (about a fifth of the import's time), while reference counting
frees them all the same.  The collector is process-wide, so the pause is counted: it starts with
the first import running and ends with the last one, and the collector is switched back on only
if it was on when the first one started.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_resume = False


@contextmanager
def gc_paused() -> Iterator[None]:
    global _holders, _resume
    with _lock:
        if _holders == 0:
            _resume = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _resume:
                gc.enable()
