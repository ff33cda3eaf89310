"""Ingest use-cases: upsert one record, read, list, history, bulk import.  Never commits."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from billstats.db.dialect import lock_for_write
from billstats.errors import BillstatsError, NotFound, PayloadTooLarge, Problem, ValidationFailed
from billstats.ingest import repository as repo
from billstats.ingest.engine import Batch, BatchResult, single_upsert
from billstats.ingest.gc_pause import gc_paused
from billstats.ingest.keys import check_id, extract_key
from billstats.ingest.kinds import Kind
from billstats.ingest.schemas.common import _timestamp

MAX_PAGE = 500
DEFAULT_PAGE = 100
_LIMIT = re.compile(r"[0-9]{1,4}")


def parse_json_body(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BillstatsError(
            f"request body is not valid JSON: {exc}", 400, "invalid_json"
        ) from None


def upsert(
    conn: Connection, tenant_id: int, kind: Kind, key: dict[str, Any], body: bytes
) -> dict[str, Any]:
    data = parse_json_body(body)
    if isinstance(data, dict):
        data = dict(data)
        for col in ("id",) if kind.key_cols == ("id",) else ():
            if col in data and data.pop(col) != key[col]:
                raise ValidationFailed(
                    [Problem(col, "id_mismatch", "body id differs from the URL")]
                )
    outcome = single_upsert(conn, tenant_id, kind, key, data)
    record = get(conn, tenant_id, kind, key)
    return {"result": outcome.result, "data": record}


def key_from_path(kind: Kind, raw: dict[str, str]) -> dict[str, Any]:
    if kind.key_cols == ("id",):
        problem = check_id(raw["id"], "id")
        if problem:
            raise ValidationFailed([problem])
        return {"id": raw["id"]}
    key, problems = extract_key(kind, {"currency": raw["currency"], "date": raw["date"]}, "path")
    if problems:
        raise ValidationFailed(problems)
    return key


def get(conn: Connection, tenant_id: int, kind: Kind, key: dict[str, Any]) -> dict[str, Any]:
    found = repo.fetch_by_keys(
        conn, kind.table, tenant_id, kind.key_cols, [tuple(key[c] for c in kind.key_cols)]
    )
    if not found:
        raise NotFound(f"no {kind.name} {'/'.join(str(v) for v in key.values())}")
    return _render(conn, tenant_id, kind, list(found.values()))[0]


def _render(
    conn: Connection, tenant_id: int, kind: Kind, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    if kind.name == "invoices" and rows:
        lines = repo.fetch_lines(conn, tenant_id, [r["id"] for r in rows])
        rows = [{**r, "_lines": lines.get(r["id"], [])} for r in rows]
    return [kind.unpack(r) for r in rows]


def _encode_cursor(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, date) else v for v in values]
    return base64.urlsafe_b64encode(orjson.dumps(plain)).decode().rstrip("=")


def _decode_cursor(kind: Kind, cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(values, list) or len(values) != len(kind.key_cols):
            raise ValueError
        if kind.key_cols != ("id",):
            values = [values[0], date.fromisoformat(values[1])]
        if not all(isinstance(v, (str, date)) for v in values):
            raise ValueError
        if any(isinstance(v, str) and "\x00" in v for v in values):
            raise ValueError
        return values
    except (ValueError, orjson.JSONDecodeError, TypeError):
        raise BillstatsError("invalid cursor", 400, "invalid_cursor") from None


def _filter_value(kind: Kind, name: str, raw: str) -> Any:
    column = kind.table.c[name]
    if column.type.python_type is bool:
        if raw not in ("true", "false"):
            raise BillstatsError(f"filter {name} must be true or false", 400, "invalid_filter")
        return raw == "true"
    if len(raw) > 128:
        raise BillstatsError(f"filter {name} is too long", 400, "invalid_filter")
    if "\x00" in raw:
        raise BillstatsError(f"filter {name} must not contain NUL", 400, "invalid_filter")
    return raw.upper() if name == "currency" else raw


def list_records(
    conn: Connection, tenant_id: int, kind: Kind, params: dict[str, str]
) -> dict[str, Any]:
    table = kind.table
    params = dict(params)
    limit_raw = params.pop("limit", str(DEFAULT_PAGE))
    if not _LIMIT.fullmatch(limit_raw) or not 1 <= int(limit_raw) <= MAX_PAGE:
        raise BillstatsError(f"limit must be an integer from 1 to {MAX_PAGE}", 400, "invalid_limit")
    limit = int(limit_raw)
    stmt = select(table).where(table.c.tenant_id == tenant_id)
    cursor = params.pop("cursor", None)
    for bound in ("since", "until"):
        raw = params.pop(bound, None)
        if raw is None:
            continue
        if kind.time_column is None:
            raise BillstatsError(f"{kind.name} cannot be filtered by time", 400, "invalid_filter")
        try:
            at = _timestamp(raw)
        except ValueError as exc:
            raise BillstatsError(f"{bound}: {exc}", 400, "invalid_filter") from None
        col = table.c[kind.time_column]
        stmt = stmt.where(col >= at if bound == "since" else col < at)
    for name, raw in params.items():
        if name not in kind.filters:
            allowed = ", ".join(
                [*kind.filters, "since", "until", "cursor", "limit"]
                if kind.time_column
                else [*kind.filters, "cursor", "limit"]
            )
            raise BillstatsError(
                f"unknown parameter {name!r}; {kind.name} accept {allowed}", 400, "invalid_filter"
            )
        stmt = stmt.where(table.c[name] == _filter_value(kind, name, raw))
    key_cols = [table.c[c] for c in kind.key_cols]
    if cursor:
        values = _decode_cursor(kind, cursor)
        from sqlalchemy import tuple_

        stmt = (
            stmt.where(tuple_(*key_cols) > tuple_(*values))
            if len(key_cols) > 1
            else stmt.where(key_cols[0] > values[0])
        )
    stmt = stmt.order_by(*key_cols).limit(limit + 1)
    rows = [dict(r) for r in conn.execute(stmt).mappings()]
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_cursor([rows[-1][c] for c in kind.key_cols]) if has_more else None
    return {
        "data": _render(conn, tenant_id, kind, rows),
        "has_more": has_more,
        "next_cursor": next_cursor,
    }


def history(conn: Connection, tenant_id: int, kind: Kind, sub_id: str) -> dict[str, Any]:
    versions = repo.list_versions(conn, tenant_id, sub_id)
    if not versions:
        raise NotFound(f"no subscriptions {sub_id}")
    out = []
    for v in versions:
        row = {**v, "id": v["subscription_id"]}
        row.pop("subscription_id")
        rendered = kind.unpack(row)
        out.append(rendered)
    return {"data": out}


# -- bulk ------------------------------------------------------------------------------------


def iter_ndjson(
    lines: Iterable[bytes], max_line_bytes: int
) -> Iterator[tuple[int, Any, Problem | None]]:
    """(line number, parsed object, problem) for each non-blank line."""
    loads = orjson.loads
    for number, raw in enumerate(lines, start=1):
        if len(raw) > max_line_bytes:
            yield (
                number,
                None,
                Problem("", "line_too_long", f"line exceeds {max_line_bytes} bytes", number),
            )
            continue
        try:
            obj = loads(raw)
        except orjson.JSONDecodeError as exc:
            if raw.strip():  # (a blank line is no JSON either, and is skipped)
                yield number, None, Problem("", "invalid_json", f"not valid JSON: {exc}", number)
            continue
        yield number, obj, None


def import_records(
    conn: Connection,
    tenant_id: int,
    records: Iterable[tuple[int, Any, Problem | None]],
    *,
    chunk_size: int = 5000,
    max_records: int | None = None,
    progress: Any = None,
    pipeline: bool = True,
) -> dict[str, Any]:
    """Import (line, {"kind", "data"}) records all-or-nothing.  Raises ValidationFailed.

    With ``pipeline``, chunks of append-only records are written in the background while the
    next ones are validated (see :class:`Batch`).
    """
    lock_for_write(conn, tenant_id)
    batch = Batch(conn, tenant_id, chunk_size=chunk_size, now=datetime.now(UTC), pipeline=pipeline)
    add = batch.add
    limit = max_records if max_records is not None else -1
    count = 0
    with gc_paused():
        try:
            for line, obj, problem in records:
                count += 1
                if count == limit + 1:
                    raise PayloadTooLarge(f"a batch holds at most {max_records:,} records")
                if problem is not None:
                    batch._report(problem)
                elif type(obj) is dict and len(obj) == 2 and "kind" in obj and "data" in obj:
                    add(obj["kind"], obj["data"], line=line)
                elif not isinstance(obj, dict) or set(obj) - {"kind", "data"} or "kind" not in obj:
                    batch._report(
                        Problem(
                            "",
                            "invalid_line",
                            'each line must be {"kind": "<kind>", "data": {...}}',
                            line,
                        )
                    )
                else:
                    add(obj["kind"], obj.get("data"), line=line)
                if progress is not None:
                    progress(1)
            result: BatchResult = batch.finish()
        finally:
            batch.close()
    return {"result": "ok", "records": result.total, "kinds": result.summary()}
