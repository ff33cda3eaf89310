"""Deterministic demo data: a generator of realistic billing history fed through the ingest engine.

See docs/demo.md.  ``iter_records(DemoConfig(...))`` is the stream ``import_records`` takes;
``write_ndjson`` writes the same stream to a file; ``load_demo`` creates or reuses the demo tenant,
imports the stream and issues an admin key.
"""

from __future__ import annotations

from billstats.demo.config import DemoConfig
from billstats.demo.load import DemoLoad, load_demo
from billstats.demo.stream import KIND_ORDER, digest, iter_objects, iter_records, write_ndjson

__all__ = [
    "KIND_ORDER",
    "DemoConfig",
    "DemoLoad",
    "digest",
    "iter_objects",
    "iter_records",
    "load_demo",
    "write_ndjson",
]
