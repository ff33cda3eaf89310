"""Synthetic NDJSON for the ingest benchmark: a small catalog, then call records and usage events.

Deterministic (seeded) and streamed to disk, so generating millions of records needs no memory.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

CUSTOMERS = 8
METRICS = ("api_calls", "storage_gb", "minutes")
START = datetime(2025, 1, 1, tzinfo=UTC)


def _line(kind: str, data: dict[str, Any]) -> bytes:
    return orjson.dumps({"kind": kind, "data": data}) + b"\n"


def catalog_records(prefix: str = "") -> list[bytes]:
    """Products, a plan, customers and one subscription each: what the bulk records refer to."""
    out = [
        _line("products", {"id": f"{prefix}prod", "name": "Voice"}),
        _line(
            "plans",
            {
                "id": f"{prefix}plan",
                "product_id": f"{prefix}prod",
                "name": "Metered",
                "currency": "USD",
                "amount": "10.00",
                "interval_unit": "month",
            },
        ),
    ]
    for n in range(CUSTOMERS):
        out.append(
            _line(
                "customers",
                {
                    "id": f"{prefix}cus-{n}",
                    "name": f"Customer {n}",
                    "currency": "USD",
                    "created_at": "2024-12-01T00:00:00Z",
                },
            )
        )
        out.append(
            _line(
                "subscriptions",
                {
                    "id": f"{prefix}sub-{n}",
                    "customer_id": f"{prefix}cus-{n}",
                    "plan_id": f"{prefix}plan",
                    "status": "active",
                    "started_at": "2024-12-01T00:00:00Z",
                },
            )
        )
    return out


def call_record(n: int, rnd: random.Random, prefix: str = "") -> dict[str, Any]:
    duration = rnd.randrange(0, 3600)
    billed = (duration + 59) // 60 * 60
    at = START + timedelta(seconds=n * 3 + rnd.randrange(3))
    return {
        "id": f"{prefix}cdr-{n:09d}",
        "account_id": f"{prefix}cus-{n % CUSTOMERS}",
        "direction": "outbound" if n % 3 else "inbound",
        "product": "sip_trunking" if n % 2 else "voice_api",
        "started_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_seconds": duration,
        "billed_seconds": billed,
        "answered": duration > 0,
        "cost": f"{billed * 0.0004:.6f}",
        "currency": "USD",
    }


def usage_event(n: int, rnd: random.Random, prefix: str = "") -> dict[str, Any]:
    customer = n % CUSTOMERS
    at = START + timedelta(seconds=n * 2, microseconds=rnd.randrange(1_000_000))
    return {
        "id": f"{prefix}evt-{n:09d}",
        "customer_id": f"{prefix}cus-{customer}",
        "subscription_id": f"{prefix}sub-{customer}",
        "metric_code": METRICS[n % len(METRICS)],
        "quantity": str(rnd.randrange(1, 1000)),
        "timestamp": at.isoformat().replace("+00:00", "Z"),
    }


def write_files(folder: Path, records: int, *, prefix: str = "", seed: int = 7) -> dict[str, Path]:
    """catalog.ndjson, call_records.ndjson and usage_events.ndjson in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    names = ("catalog", "call_records", "usage_events")
    paths = {name: folder / f"{name}.ndjson" for name in names}
    paths["catalog"].write_bytes(b"".join(catalog_records(prefix)))
    rnd = random.Random(seed)
    for name, make in (("call_records", call_record), ("usage_events", usage_event)):
        with paths[name].open("wb") as out:
            buf: list[bytes] = []
            for n in range(records):
                buf.append(_line(name, make(n, rnd, prefix)))
                if len(buf) >= 10_000:
                    out.write(b"".join(buf))
                    buf.clear()
            out.write(b"".join(buf))
    return paths
