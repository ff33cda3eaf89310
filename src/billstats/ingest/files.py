"""Bulk import from files: NDJSON (as ``POST /v1/import``) or CSV (one kind per file), optionally
gzip-compressed.  Everything streams: memory stays flat whatever the size of the file.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import orjson
from sqlalchemy import Connection

from billstats.errors import BillstatsError, Problem, ValidationFailed
from billstats.ingest.kinds import KINDS, Kind
from billstats.ingest.service import import_records, iter_ndjson

MAX_LINE_BYTES = 1024 * 1024
NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".json")
Progress = Callable[[int, int], None]  # (bytes read, total bytes)
Record = tuple[int, Any, Problem | None]


@dataclass(frozen=True)
class Source:
    path: Path
    format: str  # "ndjson" | "csv"
    compressed: bool
    kind: Kind | None  # CSV only


def describe(path: Path, kind: str | None = None) -> Source:
    """Work out the format (and for CSV the kind) of an input file."""
    compressed = _is_gzip(path)
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    stem, dot, suffix = name.rpartition(".")
    suffix = f"{dot}{suffix}".lower() if dot else ""
    if not dot:
        stem = name
    if suffix == ".csv":
        fmt = "csv"
    elif suffix in NDJSON_SUFFIXES:
        fmt = "ndjson"
    else:
        fmt = "ndjson" if _first_byte(path, compressed) in (b"{", b"") else "csv"
    if fmt == "ndjson":
        if kind is not None:
            raise BillstatsError(
                "--kind applies to CSV files; NDJSON lines name their kind", 400, "invalid_option"
            )
        return Source(path, fmt, compressed, None)
    chosen = kind or stem
    found = KINDS.get(chosen)
    if found is None:
        hint = "" if kind else f" (inferred from the file name {path.name!r}; pass --kind)"
        raise BillstatsError(
            f"unknown kind {chosen!r}{hint}; one of {', '.join(sorted(KINDS))}", 400, "unknown_kind"
        )
    return Source(path, fmt, compressed, found)


def import_file(
    conn: Connection,
    tenant_id: int,
    source: Source,
    *,
    progress: Progress | None = None,
    chunk_size: int = 20_000,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> dict[str, Any]:
    """Import a file all-or-nothing inside the caller's transaction; the HTTP endpoint's summary.

    Raises :class:`ValidationFailed` listing the problems (with line numbers).
    """
    with _open(source, progress) as stream:
        if source.format == "csv":
            assert source.kind is not None
            records: Iterator[Record] = iter_csv(stream, source.kind, max_line_bytes)
        else:
            records = iter_ndjson(bounded_lines(stream, max_line_bytes), max_line_bytes)
        return import_records(conn, tenant_id, records, chunk_size=chunk_size)


# -- reading ---------------------------------------------------------------------------------


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _first_byte(path: Path, compressed: bool) -> bytes:
    with path.open("rb") as raw:
        f = cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb")) if compressed else raw
        return f.read(256).lstrip()[:1]


class _Counting(io.RawIOBase):
    """A file that reports how far it has been read (of the bytes on disk) every few MiB."""

    def __init__(self, raw: IO[bytes], total: int, progress: Progress | None) -> None:
        self.raw = raw
        self.total = total
        self.progress = progress
        self.done = 0
        self._reported = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.done += n
        if self.progress is not None and (self.done - self._reported >= 1 << 20 or n == 0):
            self._reported = self.done
            self.progress(self.done, self.total)
        return int(n)


@contextmanager
def _open(source: Source, progress: Progress | None) -> Iterator[IO[bytes]]:
    total = os.path.getsize(source.path)
    with source.path.open("rb", buffering=0) as raw:
        counted: IO[bytes] = io.BufferedReader(_Counting(raw, total, progress), 1 << 20)
        stream = (
            cast(IO[bytes], gzip.GzipFile(fileobj=counted, mode="rb"))
            if (source.compressed)
            else counted
        )
        try:
            yield stream
        except (OSError, EOFError) as exc:
            if isinstance(exc, FileNotFoundError):
                raise
            raise BillstatsError(
                f"cannot read {source.path.name}: {exc}", 400, "unreadable_file"
            ) from None
        finally:
            stream.close()
    if progress is not None:
        progress(total, total)


def bounded_lines(stream: IO[bytes], max_bytes: int) -> Iterator[bytes]:
    """Lines of at most ``max_bytes`` (+1, so that a longer one is recognised and reported);
    the rest of an overlong line is skipped without holding it in memory."""
    readline = stream.readline
    limit = max_bytes + 1
    while True:
        line = readline(limit)
        if not line:
            return
        if len(line) == limit and not line.endswith(b"\n"):
            while True:
                rest = readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
        yield line


# -- CSV -------------------------------------------------------------------------------------


def iter_csv(
    stream: IO[bytes], kind: Kind, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[Record]:
    """(line, {"kind", "data"}, problem) per CSV row: header = field names, empty cell = absent."""
    if csv.field_size_limit() < max_line_bytes:
        csv.field_size_limit(max_line_bytes)
    lines = _decoded(bounded_lines(stream, max_line_bytes), max_line_bytes)
    reader = csv.reader(lines)
    line = 1
    header: list[str] | None = None
    while True:
        try:
            cells = next(reader, None)
        except _Unreadable as exc:
            problem = Problem("", exc.code, exc.message, exc.line)
            if header is None:
                raise ValidationFailed([problem]) from None
            yield exc.line, None, problem
            return
        except csv.Error as exc:
            if header is None:
                raise ValidationFailed([Problem("", "invalid_csv", str(exc), line)]) from None
            yield line, None, Problem("", "invalid_csv", str(exc), line)
            return
        if cells is None:
            return
        if header is None:
            header = cells
            converters = _header(kind, header)
        elif cells:
            yield from _row(kind, header, converters, cells, line)
        line = reader.line_num + 1


class _Unreadable(Exception):
    def __init__(self, line: int, code: str, message: str) -> None:
        super().__init__(message)
        self.line, self.code, self.message = line, code, message


def _decoded(lines: Iterator[bytes], max_bytes: int) -> Iterator[str]:
    """UTF-8 text lines (a leading BOM dropped); a bad line stops with its number."""
    for number, raw in enumerate(lines, start=1):
        if len(raw) > max_bytes:
            raise _Unreadable(number, "line_too_long", f"line exceeds {max_bytes} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Unreadable(number, "invalid_encoding", f"not UTF-8: {exc.reason}") from None
        yield text[1:] if number == 1 and text.startswith("\ufeff") else text


Converter = Callable[[str], Any]


def _header(kind: Kind, header: list[str]) -> list[Converter | None]:
    types = _field_types(kind)
    problems = []
    seen: set[str] = set()
    for n, name in enumerate(header, start=1):
        if name in seen:
            problems.append(
                Problem(f"header.{name}", "duplicate_column", f"column {name!r} appears twice", 1)
            )
        elif name not in types:
            problems.append(
                Problem(
                    f"header.{name or n}",
                    "unknown_column",
                    (f"{kind.name} have no field {name!r}; fields: {', '.join(types)}"),
                    1,
                )
            )
        seen.add(name)
    if problems:
        raise ValidationFailed(problems)
    return [_CONVERTERS.get(types[name]) for name in header]


def _row(
    kind: Kind, header: list[str], converters: list[Converter | None], cells: list[str], line: int
) -> list[Record]:
    if len(cells) != len(header):
        return [
            (
                line,
                None,
                Problem(
                    "",
                    "wrong_cell_count",
                    (f"{len(cells)} cells where the header has {len(header)} columns"),
                    line,
                ),
            )
        ]
    data: dict[str, Any] = {}
    bad: list[Record] = []
    for name, convert, cell in zip(header, converters, cells, strict=True):
        if cell == "":
            continue
        if convert is None:
            data[name] = cell
            continue
        try:
            data[name] = convert(cell)
        except ValueError as exc:
            bad.append((line, None, Problem(f"data.{name}", "invalid_cell", str(exc), line)))
    return bad or [(line, {"kind": kind.name, "data": data}, None)]


def _integer(cell: str) -> int:
    text = cell.strip()
    digits = text[1:] if text[:1] == "-" else text
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"{cell!r} is not an integer")
    return int(text)


def _boolean(cell: str) -> bool:
    text = cell.strip().lower()
    if text not in ("true", "false"):
        raise ValueError(f"{cell!r} is not true or false")
    return text == "true"


def _json(cell: str) -> Any:
    try:
        return orjson.loads(cell)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc}") from None


_CONVERTERS: dict[str, Converter] = {"integer": _integer, "boolean": _boolean, "json": _json}


def _field_types(kind: Kind) -> dict[str, str]:
    """Field name -> "string" | "integer" | "boolean" | "json", from the kind's JSON schema."""
    schema = kind.schema.model_json_schema()
    out = {name: "string" for name in ("id",) if kind.key_cols == ("id",)}
    if kind.key_cols != ("id",):
        out.update({"currency": "string", "date": "string"})
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf", [prop])
        types = {o.get("type", "json") for o in options} - {"null"}
        only = types.pop() if len(types) == 1 else "json"
        out[name] = only if only in ("string", "integer", "boolean") else "json"
    return out
