"""The write path shared by single upserts, bulk imports, the CLI and the demo generator.

A :class:`Batch` receives raw records (kind + JSON object), validates each one, resolves its
references and writes it inside the caller's transaction.  Records that reference something not
yet seen (any order is allowed within a batch) wait until the end of the batch.  ``finish`` raises
:class:`ValidationFailed` listing every problem; the caller then rolls the transaction back, so a
batch is all-or-nothing.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError, create_model
from sqlalchemy import Connection

from billstats.db import revisions
from billstats.db.dialect import (
    insert_new_or_compare,
    lock_for_write,
    start_insert_new_or_compare,
)
from billstats.errors import Conflict, Problem, ValidationFailed
from billstats.ingest import checks
from billstats.ingest import repository as repo
from billstats.ingest.keys import extract_key, key_label
from billstats.ingest.kinds import KINDS, Kind, Row
from billstats.ingest.rollups import Rollups
from billstats.ingest.schemas.common import Id
from billstats.ingest.versions import apply_subscriptions

MAX_PROBLEMS = 1000
_ID_KEY = ("id",)
Written = tuple[int, list[int]]  # rows inserted, positions of rows differing from the stored


def _keyed_validator(kind: Kind) -> Callable[[Any], BaseModel] | None:
    """A validator of the kind's schema plus its ``id``: the fast path of :meth:`Batch.add`.

    It accepts a subset of what the regular path (``extract_key`` + schema) accepts, with the
    same result; whatever it rejects goes through the regular path, which reports the problems.
    """
    if kind.key_cols != _ID_KEY:
        return None
    model = create_model(kind.schema.__name__, __base__=kind.schema, id=(Id, ...))
    validate: Callable[[Any], BaseModel] = model.__pydantic_validator__.validate_python
    return validate


_KEYED = {
    name: (kind, validate)
    for name, kind in KINDS.items()
    if (validate := _keyed_validator(kind)) is not None
}


class Incoming:
    """One validated record waiting to be written."""

    __slots__ = ("effective_at", "key", "key_tuple", "kind", "line", "path", "row")

    def __init__(
        self,
        kind: Kind,
        key: dict[str, Any],
        row: Row,
        line: int | None,
        path: str,
        effective_at: datetime | None = None,
    ) -> None:
        self.kind = kind
        self.key = key
        self.row = row
        self.line = line
        self.path = path
        self.effective_at = effective_at
        cols = kind.key_cols
        self.key_tuple: tuple[Any, ...] = (
            (key["id"],) if cols == _ID_KEY else tuple([key[c] for c in cols])
        )

    @property
    def label(self) -> str:
        return f"{self.kind.name} {key_label(self.key)}"

    def problem(self, field_name: str, code: str, message: str) -> Problem:
        path = f"{self.path}.{field_name}" if field_name else self.path
        return Problem(path, code, message, self.line)


@dataclass
class Outcome:
    kind: str
    key: dict[str, Any]
    result: str  # created | updated | unchanged
    row: Row | None = None


@dataclass
class BatchResult:
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    outcomes: list[Outcome] = field(default_factory=list)

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (kind, result), n in sorted(self.counts.items()):
            out.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0})[result] += n
        return out

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class Batch:
    def __init__(
        self,
        conn: Connection,
        tenant_id: int,
        *,
        chunk_size: int = 5000,
        keep_outcomes: bool = False,
        now: datetime | None = None,
        pipeline: bool = False,
    ) -> None:
        """``pipeline``: append-only rows may be written in the background while the next
        records are validated; the caller must then call :meth:`close` when done (also on error).
        """
        self.conn = conn
        self.tenant_id = tenant_id
        self.chunk_size = chunk_size
        self.keep_outcomes = keep_outcomes
        self.pipeline = pipeline
        self._pending: tuple[Kind, list[Incoming], Callable[[], Written]] | None = None
        self.now = now or datetime.now(UTC)
        self.problems: list[Problem] = []
        self.result = BatchResult()
        self._buffer: list[Incoming] = []
        self._mixed = False  # the buffer holds more than one kind
        self._waiting: list[Incoming] = []
        self._waiting_keys: set[tuple[str, tuple[Any, ...]]] = set()
        self._known: dict[str, set[str]] = {}
        self.rollups = Rollups(conn, tenant_id)

    # -- intake ---------------------------------------------------------------------------------

    def add(
        self,
        kind_name: Any,
        data: Any,
        *,
        line: int | None = None,
        path: str = "data",
        key: Mapping[str, Any] | None = None,
    ) -> None:
        """Validate one raw record and queue it for writing."""
        if key is None and type(data) is dict and type(kind_name) is str:
            fast = _KEYED.get(kind_name)
            if fast is not None:
                fast_kind, validate = fast
                try:
                    model = validate(data)
                except ValidationError:
                    pass  # the regular path below says what is wrong
                else:
                    values = model.__dict__
                    key = {"id": values["id"]}
                    row = fast_kind.pack(model, {"tenant_id": self.tenant_id})
                    item = Incoming(fast_kind, key, row, line, path, values.get("effective_at"))
                    buffer = self._buffer
                    if buffer and fast_kind is not buffer[0].kind:
                        self._mixed = True
                    buffer.append(item)
                    if len(buffer) >= self.chunk_size:
                        self.flush()
                    return
        kind = KINDS.get(kind_name) if isinstance(kind_name, str) else None
        if kind is None:
            self._report(
                Problem(
                    "kind",
                    "unknown_kind",
                    f"unknown kind {kind_name!r}; one of " + ", ".join(sorted(KINDS)),
                    line,
                )
            )
            return
        if not isinstance(data, dict):
            self._report(Problem(path, "not_an_object", "must be a JSON object", line))
            return
        data = dict(data)
        if key is None:
            key_values, problems = extract_key(kind, data, path)
        else:
            key_values, problems = dict(key), []
        try:
            model = kind.schema.model_validate(data)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, path, line))
        else:
            if not problems:
                row = kind.pack(model, {"tenant_id": self.tenant_id, **key_values})
                effective = getattr(model, "effective_at", None)
                self._queue(Incoming(kind, key_values, row, line, path, effective))
                return
        for problem in problems:
            self._report(Problem(problem.path, problem.code, problem.message, line))

    def _queue(self, item: Incoming) -> None:
        buffer = self._buffer
        if buffer and item.kind is not buffer[0].kind:
            self._mixed = True
        buffer.append(item)
        if len(buffer) >= self.chunk_size:
            self.flush()

    def _report(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    # -- writing --------------------------------------------------------------------------------

    def flush(self) -> None:
        items, self._buffer = self._buffer, []
        if not items:
            return
        if not self._mixed:
            self._process(items[0].kind, items, final=False)
            return
        self._mixed = False
        items.sort(key=lambda i: i.kind.rank)  # stable: file order kept within a kind
        start = 0
        while start < len(items):
            end = start
            while end < len(items) and items[end].kind is items[start].kind:
                end += 1
            self._process(items[start].kind, items[start:end], final=False)
            start = end

    def finish(self) -> BatchResult:
        self.flush()
        waiting, self._waiting = self._waiting, []
        self._waiting_keys.clear()
        waiting.sort(key=lambda i: i.kind.rank)
        for kind_name in dict.fromkeys(i.kind.name for i in waiting):
            group = [i for i in waiting if i.kind.name == kind_name]
            self._process(KINDS[kind_name], group, final=True)
        self._settle()
        if self.problems:
            self.problems.sort(key=lambda p: (p.line or 0, p.path))
            raise ValidationFailed(self.problems)
        if any(n for (_, result), n in self.result.counts.items() if result != "unchanged"):
            revisions.bump(self.conn, self.tenant_id)  # last: commits with the data it covers
        return self.result

    def close(self) -> None:
        """Wait for a background write, if any, ignoring its outcome (for clean-up on error)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            with contextlib.suppress(Exception):
                pending[2]()

    def _settle(self) -> None:
        """Wait for the background write, if any, and account for it."""
        pending, self._pending = self._pending, None
        if pending is not None:
            kind, items, wait = pending
            self._count_append_only(kind, items, *wait())
            checks.after_write(self, kind, items)

    def _process(self, kind: Kind, items: list[Incoming], *, final: bool) -> None:
        self._settle()
        ready = self._resolve_refs(kind, items, final=final)
        if not ready:
            return
        ready = checks.before_write(self, kind, ready)
        if len({item.key_tuple for item in ready}) == len(ready):
            self._write(kind, ready)
            return
        if not kind.versioned and not kind.append_only:
            # Repeats of a key: the last one wins; the earlier ones change nothing themselves.
            last = {item.key_tuple: item for item in ready}
            for item in ready:
                if last[item.key_tuple] is not item:
                    self._record(kind, item, "unchanged", None)
            self._write(kind, list(last.values()))
            return
        # Split so that each group holds one record per key (repeats apply in order: each change
        # of a subscription becomes a version; append-only repeats must match).
        while ready:
            seen: set[tuple[Any, ...]] = set()
            group: list[Incoming] = []
            rest: list[Incoming] = []
            for item in ready:
                if item.key_tuple in seen:
                    rest.append(item)
                else:
                    seen.add(item.key_tuple)
                    group.append(item)
            self._write(kind, group)
            ready = rest

    def _resolve_refs(self, kind: Kind, items: list[Incoming], *, final: bool) -> list[Incoming]:
        missing_by_target: dict[str, set[str]] = {}
        for ref in kind.refs:
            wanted: set[Any] = {i.row.get(ref.field) for i in items}
            wanted.discard(None)
            known = self._known.setdefault(ref.target, set())
            unknown = wanted - known
            if unknown:
                found = repo.existing_ids(
                    self.conn, KINDS[ref.target].table, self.tenant_id, unknown
                )
                if len(known) < 2_000_000:
                    known.update(found)
                missing_by_target.setdefault(ref.target, set()).update(unknown - found)
        if not any(missing_by_target.values()) and not self._waiting_keys:
            return items  # the common case: every reference resolves, nothing is waiting
        ready: list[Incoming] = []
        for item in items:
            marker = (kind.name, item.key_tuple)
            missing = [
                ref
                for ref in kind.refs
                if item.row.get(ref.field) is not None
                and item.row[ref.field] in missing_by_target.get(ref.target, ())
            ]
            if not missing and marker not in self._waiting_keys:
                ready.append(item)
            elif final:
                for ref in missing:
                    self._report(
                        item.problem(
                            ref.field,
                            "unknown_reference",
                            f"{ref.target} {item.row[ref.field]!r} does not exist",
                        )
                    )
                if not missing:
                    ready.append(item)
            else:
                self._waiting.append(item)
                self._waiting_keys.add(marker)
        return ready

    def _write(self, kind: Kind, items: list[Incoming]) -> None:
        self._settle()
        if kind.versioned:
            before = self.rollups.modes([i.row["id"] for i in items])
            changes = [(i.row, i.effective_at) for i in items]
            applied = apply_subscriptions(self.conn, self.tenant_id, changes, self.now)
            for item, (result, row) in zip(items, applied, strict=True):
                self._record(kind, item, result, row)
            self.rollups.subscriptions_written(before, [row for _, row in applied])
        elif kind.append_only:
            rows = [i.row for i in items]
            if self.pipeline:  # accounted for (and checked) by _settle
                self._pending = (
                    kind,
                    items,
                    start_insert_new_or_compare(self.conn, kind.table, rows),
                )
                return
            self._count_append_only(
                kind, items, *insert_new_or_compare(self.conn, kind.table, rows)
            )
        else:
            stored, changed = self._write_upserts(kind, items)
            checks.after_write(self, kind, items)
            # A batch with problems fails and rolls back: its roll-ups are never needed (and an
            # impossible batch, e.g. refunds far above their payment, could overflow them).
            if changed and not self.problems:
                self.rollups.upserted(kind.name, stored, changed)
            return
        checks.after_write(self, kind, items)

    def _count_append_only(
        self, kind: Kind, items: list[Incoming], inserted: int, differing: list[int]
    ) -> None:
        # Rows whose id exists already must carry exactly the stored content.
        for index in differing:
            item = items[index]
            self._report(
                item.problem(
                    "",
                    "conflict",
                    (
                        f"{item.label} already exists with different content; "
                        f"{kind.name} are append-only"
                    ),
                )
            )
        if not differing and not self.problems:  # (else the batch fails and rolls back)
            self.rollups.appended(kind.name, [i.row for i in items], inserted)
        # Rows inserted just now compare equal too; they count as created, not unchanged.
        unchanged = len(items) - len(differing) - inserted
        self.result.counts[(kind.name, "created")] += inserted
        if unchanged > 0:
            self.result.counts[(kind.name, "unchanged")] += unchanged
        if self.keep_outcomes:
            outcome = "created" if inserted else "unchanged"
            for item in items:
                self.result.outcomes.append(Outcome(kind.name, item.key, outcome, item.row))

    def _write_upserts(
        self, kind: Kind, items: list[Incoming]
    ) -> tuple[dict[tuple[Any, ...], Row], list[Row]]:
        """Insert or update ``items``; returns the rows stored before and the rows written."""
        stored = repo.fetch_by_keys(
            self.conn, kind.table, self.tenant_id, kind.key_cols, [i.key_tuple for i in items]
        )
        has_lines = kind.name == "invoices"
        old_lines = (
            repo.fetch_lines(self.conn, self.tenant_id, [k[0] for k in stored])
            if (has_lines and stored)
            else {}
        )
        inserts: list[Row] = []
        updates: list[Row] = []
        new_lines: dict[str, list[Row]] = {}
        changed_lines: dict[str, list[Row]] = {}
        for item in items:
            row = dict(item.row)
            lines = row.pop("_lines", None)
            old = stored.get(item.key_tuple)
            if old is None:
                inserts.append(row)
                if lines:
                    new_lines[row["id"]] = lines
                self._record(kind, item, "created", item.row)
            elif _same(old, row) and (not has_lines or old_lines.get(row["id"], []) == lines):
                self._record(
                    kind,
                    item,
                    "unchanged",
                    {**old, "_lines": old_lines.get(row["id"])} if has_lines else old,
                )
            else:
                updates.append(row)
                if has_lines:
                    changed_lines[row["id"]] = lines or []
                self._record(kind, item, "updated", item.row)
        repo.insert_rows(self.conn, kind.table, inserts)
        repo.update_rows(self.conn, kind.table, kind.key_cols, updates)
        if has_lines:
            repo.replace_lines(self.conn, self.tenant_id, new_lines, fresh=True)
            repo.replace_lines(self.conn, self.tenant_id, changed_lines, fresh=False)
        return stored, inserts + updates

    def _record(self, kind: Kind, item: Incoming, result: str, row: Row | None) -> None:
        self.result.counts[(kind.name, result)] += 1
        if self.keep_outcomes:
            self.result.outcomes.append(Outcome(kind.name, item.key, result, row))


def _same(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> bool:
    if old is None:
        return False
    return all(old.get(k) == v for k, v in new.items() if k != "_lines")


def _pydantic_problems(exc: ValidationError, path: str, line: int | None) -> list[Problem]:
    out: list[Problem] = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err["loc"])
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        out.append(Problem(f"{path}.{loc}" if loc else path, err["type"], message, line))
    return out


def single_upsert(
    conn: Connection, tenant_id: int, kind: Kind, key: dict[str, Any], data: Any
) -> Outcome:
    """Upsert one record (the ``PUT`` path).  Raises ValidationFailed or Conflict."""
    lock_for_write(conn, tenant_id, "\x00".join([kind.name, *map(str, key.values())]))
    batch = Batch(conn, tenant_id, keep_outcomes=True)
    batch.add(kind.name, data, key=key)
    try:
        result = batch.finish()
    except ValidationFailed as exc:
        if kind.append_only and any(p.code == "conflict" for p in exc.problems):
            raise Conflict(exc.problems[0].message) from None
        raise
    return result.outcomes[-1]
