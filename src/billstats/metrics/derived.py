"""Derived data kept in memory between requests, keyed by the tenant's data revision.

Loading a tenant's whole subscription history (and what is computed from it: day closes,
customer-level changes, valued movements) costs far more than answering a question from it.
This module keeps such derived values in one process-wide cache, shared by every request and
thread:

- Every key starts with a :class:`Snapshot`: the database (the engine), the tenant and the
  tenant's **data revision** read in the request's own transaction
  (:mod:`billstats.db.revisions`).  Every write that changes data raises the revision in its
  transaction, so a request can only ever find values derived from exactly the data its
  transaction sees: a cache entry is never stale, it is just unused once the revision moves on
  (and dropped: see below).
- A value derived from the database is stored only when the revision read again after the
  derivation is unchanged (PostgreSQL's read-committed statements may each see a newer commit;
  SQLite's read transaction is one snapshot anyway).  Values derived purely from other cached
  values are stored as they are.
- The cache is bounded by an estimate of the memory its values take (``BILLSTATS_CACHE_MB``,
  default 512): least recently used entries go first; when a tenant's revision moves on, the
  entries of its older revisions go at once.
- One thread derives a missing value while the others asking for the same key wait for it (no
  stampede of identical computations after a write).
- Large values are frozen out of the cyclic garbage collector (``gc.freeze``): they hold no
  cycles, and a full collection rescanning millions of cached objects would stall requests.

Nothing here changes a number: a cached value is the very object the computation would return.
"""

from __future__ import annotations

import gc
import itertools
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine

from billstats.db import revisions
from billstats.db.dialect import reads_one_snapshot

T = TypeVar("T")

DEFAULT_MB = 512
FREEZE_BYTES = 1 << 20  # stored values are frozen out of the cyclic GC every this many bytes


@dataclass(frozen=True)
class Snapshot:
    """Which data a derived value comes from: a database, a tenant and its data revision."""

    database: int  # a process-local number of the engine
    tenant_id: int
    revision: int


_engines: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()
_engines_lock = threading.Lock()
_numbers = itertools.count(1)


def _database(engine: Engine) -> int:
    """A number for the engine, never reused in this process (two databases may both have a
    tenant 1 at revision 3: tests run SQLite and PostgreSQL side by side)."""
    with _engines_lock:
        number = _engines.get(engine)
        if number is None:
            number = _engines[engine] = next(_numbers)
        return number


def snapshot(conn: Connection, tenant_id: int) -> Snapshot:
    """The snapshot the transaction of ``conn`` sees for ``tenant_id``."""
    return Snapshot(_database(conn.engine), tenant_id, revisions.current(conn, tenant_id))


class _Building:
    """A value being derived by one thread; the others wait on ``done``."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


class DerivedCache:
    """A thread-safe LRU of derived values, bounded by their estimated size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._latest: dict[tuple[int, int], int] = {}  # (database, tenant) -> newest revision
        self._building: dict[Hashable, _Building] = {}
        self._unfrozen = 0  # bytes stored since the last freeze
        self.hits = 0
        self.misses = 0

    @property
    def size(self) -> int:
        """The estimated bytes held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._latest.clear()

    def get_or_build(
        self,
        snap: Snapshot,
        name: Hashable,
        build: Callable[[], tuple[T, int]],
        *,
        keep: Callable[[], bool] | None = None,
    ) -> T:
        """The value of ``name`` at ``snap``: cached, or ``build()`` -> (value, estimated bytes).

        ``keep`` (called after a build) says whether the value may be stored; a value that may
        not be stored is returned to this caller only.
        """
        key = (snap, name)
        while True:
            with self._lock:
                found = self._entries.get(key)
                if found is not None:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return cast(T, found[0])
                waiting = self._building.get(key)
                if waiting is None:
                    mine = self._building[key] = _Building()
                    self.misses += 1
            if waiting is None:
                break
            waiting.done.wait()  # then look again (the builder may have failed or not stored)
        try:
            value, size = build()
            if keep is None or keep():
                self._store(key, snap, value, size)
            return value
        finally:
            with self._lock:
                del self._building[key]
            mine.done.set()

    def _store(self, key: Hashable, snap: Snapshot, value: Any, size: int) -> None:
        size = max(size, 64)
        if size > self.max_bytes:
            return
        with self._lock:
            tenant = (snap.database, snap.tenant_id)
            latest = self._latest.get(tenant, -1)
            if snap.revision < latest:
                return  # a newer revision is in use: this one will not be asked again for long
            if snap.revision > latest:
                self._latest[tenant] = snap.revision
                stale = [
                    k
                    for k in self._entries
                    if k[0].database == snap.database  # type: ignore[index]
                    and k[0].tenant_id == snap.tenant_id  # type: ignore[index]
                ]
                for k in stale:
                    self._bytes -= self._entries.pop(k)[1]
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
            self._unfrozen += size
            freeze = self._unfrozen >= FREEZE_BYTES
            if freeze:
                self._unfrozen = 0
        if freeze:
            _freeze()


def _freeze() -> None:
    """Move every object alive now out of the cyclic garbage collector's sight.

    Derived values are long-lived and hold no reference cycles; left to the collector, each of
    its full collections would rescan millions of cached objects in the middle of some request
    (a pause that grows with the data).  Reference counting still frees a frozen value when the
    cache drops it.  Garbage cycles alive right now are collected first, so that nothing
    collectable is frozen with them.
    """
    gc.collect()
    gc.freeze()


def _max_bytes() -> int:
    raw = os.environ.get("BILLSTATS_CACHE_MB", "")
    megabytes = int(raw) if raw.strip().isdigit() else DEFAULT_MB
    return megabytes * 1024 * 1024


CACHE = DerivedCache(_max_bytes())


def from_database(
    conn: Connection, snap: Snapshot, name: Hashable, build: Callable[[], tuple[T, int]]
) -> T:
    """A value derived from the database at ``snap`` (read through ``conn``), cached.

    It is stored only if the revision is still ``snap``'s after the build (on PostgreSQL each
    statement of a read-committed transaction may see newer data than the revision read first).
    """

    def keep() -> bool:
        return reads_one_snapshot(conn) or (
            revisions.current(conn, snap.tenant_id) == snap.revision
        )

    return CACHE.get_or_build(snap, name, build, keep=keep)


def derived(snap: Snapshot, name: Hashable, build: Callable[[], tuple[T, int]]) -> T:
    """A value computed only from other values of the same snapshot, cached."""
    return CACHE.get_or_build(snap, name, build)
