"""Tests of the demo generator and ``billstats demo``; shared parameters live here."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import cache
from typing import Any

from billstats.demo.config import DemoConfig
from billstats.demo.stream import iter_objects

ANCHOR = date(2026, 11, 20)

# Small enough to load in a second or two, large enough to exercise every path.
SMALL = DemoConfig(seed=7, anchor=ANCHOR, customers=40, partner_accounts=3, call_records=400)
# For invariants and coverage, checked on the stream without a database.
MEDIUM = DemoConfig(seed=42, anchor=ANCHOR, customers=400, partner_accounts=8, call_records=4000)

Records = dict[str, list[dict[str, Any]]]


@cache
def medium_records() -> Records:
    """The MEDIUM stream grouped by kind (stream order kept).  Tests must not modify it."""
    out: Records = defaultdict(list)
    for obj in iter_objects(MEDIUM):
        out[obj["kind"]].append(obj["data"])
    return dict(out)
