"""The reference dataset: the demo stream, written per kind and loaded through the bulk path.

``generate`` streams ``billstats.demo.iter_objects`` into NDJSON files, one kind after the other
(in the stream's dependency order), a kind with more than ``part_records`` records split into
parts; nothing is held in memory.  A ``manifest.json`` beside them names the parameters, so a
second run with the same seed, scale and anchor date reuses the files.

``load`` imports the files with ``billstats.ingest.files.import_file`` (what ``billstats import``
runs), each part in its own write transaction, and reports records per second for every kind.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Engine, func, select

from billstats.auth.service import create_key
from billstats.db import tables as t
from billstats.db.dialect import read_transaction, write_transaction
from billstats.demo.config import GENERATOR_VERSION, TENANT_CURRENCY, TENANT_TIMEZONE, DemoConfig
from billstats.demo.stream import KIND_ORDER, iter_objects
from billstats.ingest import files
from billstats.tenants import repository as tenant_repo
from billstats.tenants.service import create_tenant

PART_RECORDS = 1_000_000
Say = Callable[[str], None]


def say(message: str) -> None:
    """Progress on stderr (the results go to stdout and the JSON file)."""
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def quiet(message: str) -> None:
    """No progress output."""


@dataclass(frozen=True)
class Part:
    kind: str
    path: Path
    records: int
    lines: int  # invoice lines inside the records (0 for other kinds)


@dataclass(frozen=True)
class Manifest:
    """What ``generate`` wrote: the parameters, counts per kind and the files in load order."""

    params: dict[str, Any]
    counts: dict[str, int]
    invoice_lines: int
    parts: list[Part]
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "params": self.params,
            "counts": self.counts,
            "invoice_lines": self.invoice_lines,
            "seconds": self.seconds,
            "parts": [
                {"kind": p.kind, "file": p.path.name, "records": p.records, "lines": p.lines}
                for p in self.parts
            ],
        }

    @classmethod
    def read(cls, folder: Path) -> Manifest | None:
        path = folder / "manifest.json"
        if not path.exists():
            return None
        raw = json.loads(path.read_text())
        parts = [
            Part(p["kind"], folder / p["file"], p["records"], p["lines"]) for p in raw["parts"]
        ]
        if not all(p.path.exists() for p in parts):
            return None
        return cls(raw["params"], raw["counts"], raw["invoice_lines"], parts, raw["seconds"])


def params_of(config: DemoConfig) -> dict[str, Any]:
    return {**config.describe(), "generator_version": GENERATOR_VERSION}


def generate(
    config: DemoConfig, folder: Path, *, part_records: int = PART_RECORDS, log: Say = say
) -> Manifest:
    """Write the demo stream as per-kind NDJSON parts in ``folder`` (reused when present)."""
    folder.mkdir(parents=True, exist_ok=True)
    found = Manifest.read(folder)
    if found is not None and found.params == params_of(config):
        log(f"reusing the generated files in {folder} ({sum(found.counts.values()):,} records)")
        return found
    for old in folder.glob("*.ndjson"):
        old.unlink()
    (folder / "manifest.json").unlink(missing_ok=True)
    log(f"generating the demo dataset {config.describe()} into {folder}")
    started = time.monotonic()
    writer = _PartWriter(folder, part_records)
    total = 0
    for obj in iter_objects(config):
        writer.add(obj)
        total += 1
        if total % 500_000 == 0:
            log(f"  generated {total:,} records ({time.monotonic() - started:.0f} s)")
    parts = writer.close()
    counts: dict[str, int] = {}
    for part in parts:
        counts[part.kind] = counts.get(part.kind, 0) + part.records
    manifest = Manifest(
        params_of(config),
        counts,
        sum(p.lines for p in parts),
        parts,
        round(time.monotonic() - started, 1),
    )
    (folder / "manifest.json").write_text(json.dumps(manifest.as_dict(), indent=2) + "\n")
    log(f"generated {total:,} records in {manifest.seconds:.0f} s")
    return manifest


class _PartWriter:
    """Appends records to the current kind's current part; opens the next part when the kind
    changes or the part is full."""

    def __init__(self, folder: Path, part_records: int) -> None:
        self.folder = folder
        self.part_records = part_records
        self.parts: list[Part] = []
        self.kind: str | None = None
        self.out: IO[bytes] | None = None
        self.path: Path | None = None
        self.records = 0
        self.lines = 0
        self.buffer: list[bytes] = []
        self.number = 0

    def add(self, obj: dict[str, Any]) -> None:
        kind = obj["kind"]
        if kind != self.kind or self.records >= self.part_records:
            self._open(kind)
        self.buffer.append(orjson.dumps(obj))
        self.records += 1
        if kind == "invoices":
            self.lines += len(obj["data"].get("lines") or ())
        if len(self.buffer) >= 10_000:
            self._flush()

    def _flush(self) -> None:
        if self.out is not None and self.buffer:
            self.out.write(b"\n".join(self.buffer) + b"\n")
        self.buffer.clear()

    def _finish(self) -> None:
        if self.out is None or self.kind is None or self.path is None:
            return
        self._flush()
        self.out.close()
        self.parts.append(Part(self.kind, self.path, self.records, self.lines))
        self.out = None

    def _open(self, kind: str) -> None:
        self._finish()
        self.number += 1
        order = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
        self.path = self.folder / f"{self.number:03d}-{order:02d}-{kind}.ndjson"
        self.out = self.path.open("wb")
        self.kind = kind
        self.records = 0
        self.lines = 0

    def close(self) -> list[Part]:
        self._finish()
        return self.parts


def create_bench_tenant(engine: Engine, name: str) -> int:
    """A fresh tenant as the demo's (America/New_York, USD); refuses an existing name."""
    with write_transaction(engine) as conn:
        if tenant_repo.by_name(conn, name) is not None:
            raise RuntimeError(f"tenant {name!r} already exists: load into a fresh database")
        return create_tenant(conn, name, TENANT_TIMEZONE, TENANT_CURRENCY).id


def find_tenant(engine: Engine, name: str) -> int:
    with read_transaction(engine) as conn:
        found = tenant_repo.by_name(conn, name)
    if found is None:
        raise RuntimeError(f"no tenant {name!r} in the database: run once without --skip-load")
    return found.id


def load(engine: Engine, tenant_id: int, manifest: Manifest, *, log: Say = say) -> dict[str, Any]:
    """Import every part through the bulk path; records/s per kind (wall-clock and CPU)."""
    kinds: dict[str, dict[str, Any]] = {}
    started = time.perf_counter()
    done = 0
    total = sum(manifest.counts.values())
    for part in manifest.parts:
        wall, cpu = time.perf_counter(), time.process_time()
        with write_transaction(engine) as conn:
            summary = files.import_file(conn, tenant_id, files.describe(part.path))
        seconds = time.perf_counter() - wall
        cpu_seconds = time.process_time() - cpu
        if summary["records"] != part.records:
            raise RuntimeError(f"{part.path.name}: imported {summary['records']} records")
        entry = kinds.setdefault(
            part.kind, {"records": 0, "seconds": 0.0, "cpu_seconds": 0.0, "parts": 0}
        )
        entry["records"] += part.records
        entry["seconds"] += seconds
        entry["cpu_seconds"] += cpu_seconds
        entry["parts"] += 1
        if part.lines:
            entry["invoice_lines"] = entry.get("invoice_lines", 0) + part.lines
        done += part.records
        log(
            f"  loaded {part.kind} part {entry['parts']}: {part.records:,} records in "
            f"{seconds:.1f} s ({part.records / seconds:,.0f}/s); {done:,}/{total:,}"
        )
    for entry in kinds.values():
        entry["seconds"] = round(entry["seconds"], 3)
        entry["cpu_seconds"] = round(entry["cpu_seconds"], 3)
        entry["records_per_s"] = (
            round(entry["records"] / entry["seconds"]) if entry["seconds"] else None
        )
    elapsed = time.perf_counter() - started
    return {
        "kinds": kinds,
        "records": total,
        "seconds": round(elapsed, 1),
        "records_per_s": round(total / elapsed) if elapsed else None,
        "loader_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def anchor_of(engine: Engine, tenant_id: int) -> date:
    """The loaded dataset's anchor date: its last exchange-rate day (the demo writes one per
    day up to the anchor)."""
    with read_transaction(engine) as conn:
        found = conn.execute(
            select(func.max(t.fx_rates.c.day)).where(t.fx_rates.c.tenant_id == tenant_id)
        ).scalar()
    if found is None:
        raise RuntimeError("the tenant holds no exchange rates: is the dataset loaded?")
    assert isinstance(found, date)
    return found


def admin_key(engine: Engine, tenant_id: int) -> dict[str, Any]:
    """A fresh admin key for the harness (it issues the other credentials over HTTP)."""
    with write_transaction(engine) as conn:
        return create_key(conn, tenant_id, ["admin"], name="bench")
