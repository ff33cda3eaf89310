"""The generator on its own: determinism, order, volumes, schema validity."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

from billstats.demo.catalog import PARTNER_ID, PLANS
from billstats.demo.config import DemoConfig
from billstats.demo.partner import accounts, call_records
from billstats.demo.stream import KIND_ORDER, digest, iter_objects, iter_records, write_ndjson
from billstats.ingest.kinds import KINDS
from tests.demo import ANCHOR, MEDIUM, SMALL, medium_records


def test_same_seed_and_anchor_give_identical_streams() -> None:
    first, counts = digest(SMALL)
    again, counts_again = digest(replace(SMALL))
    assert first == again
    assert counts == counts_again


def test_seed_and_anchor_change_the_stream() -> None:
    base, _ = digest(SMALL)
    assert digest(replace(SMALL, seed=8))[0] != base
    assert digest(replace(SMALL, anchor=ANCHOR + timedelta(days=1)))[0] != base


def test_ndjson_file_is_the_stream() -> None:
    buffer = io.BytesIO()
    counts = write_ndjson(SMALL, buffer)

    assert hashlib.sha256(buffer.getvalue()).hexdigest() == digest(SMALL)[0]
    assert sum(counts.values()) == buffer.getvalue().count(b"\n")


def test_records_come_in_dependency_order_as_import_tuples() -> None:
    last = -1
    for expected_line, (line, obj, problem) in enumerate(iter_records(SMALL), start=1):
        assert (line, problem) == (expected_line, None)
        assert set(obj) == {"kind", "data"}
        position = KIND_ORDER.index(obj["kind"])
        assert position >= last, f"{obj['kind']} after {KIND_ORDER[last]}"
        last = position
    assert last == KIND_ORDER.index("call_records")


def test_every_record_passes_its_schema() -> None:
    for kind_name, records in medium_records().items():
        kind = KINDS[kind_name]
        for data in records:
            body = dict(data)
            for key in kind.key_cols:
                body.pop("date" if key == "day" else key, None)
            kind.schema.model_validate(body)


def test_no_floats_anywhere() -> None:
    def walk(value: Any) -> None:
        assert not isinstance(value, float), value
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for records in medium_records().values():
        for data in records:
            walk(data)


def test_partner_has_fifty_accounts_at_scale_one() -> None:
    config = DemoConfig(seed=42, anchor=ANCHOR)
    found = []
    for obj in iter_objects(config):  # lazily: stop once the customers are through
        if obj["kind"] == "subscriptions":
            break
        if obj["kind"] == "customers" and obj["data"].get("partner_id") == PARTNER_ID:
            found.append(obj["data"])
    assert len(found) == 50
    assert all(re.fullmatch(r"MA_[A-Z0-9]{8}", a["auth_id"]) for a in found)
    assert len({a["auth_id"] for a in found}) == 50
    assert {a["currency"] for a in found} == {"INR"}


def test_scale_one_volumes() -> None:
    config = DemoConfig(seed=42, anchor=ANCHOR)
    assert config.n_customers == 1000
    assert len(PLANS) == 13
    n_calls = sum(1 for _ in call_records(config, accounts(config)))
    assert 95_000 <= n_calls <= 105_000
    half = DemoConfig(seed=42, anchor=ANCHOR, scale=0.5)
    assert (half.n_customers, half.n_partner_accounts, half.n_call_records) == (500, 25, 50_000)


def test_medium_counts() -> None:
    records = medium_records()
    counts = {kind: len(items) for kind, items in records.items()}
    assert counts["customers"] == MEDIUM.n_customers + MEDIUM.n_partner_accounts
    assert (counts["products"], counts["partners"], counts["plans"]) == (3, 1, 13)
    assert counts["affiliates"] == 5
    days = (MEDIUM.anchor - MEDIUM.first_day).days + 1
    assert counts["fx_rates"] == 3 * days
    assert abs(counts["call_records"] - 4000) <= 200
    subs = {s["id"] for s in records["subscriptions"]}
    assert MEDIUM.n_customers <= len(subs) < 1.3 * MEDIUM.n_customers
    assert counts["subscriptions"] > 2 * len(subs)
    assert counts["invoices"] > 4 * MEDIUM.n_customers
    assert counts["usage_events"] > 10 * MEDIUM.n_customers
    assert counts["wallets"] > MEDIUM.n_partner_accounts
