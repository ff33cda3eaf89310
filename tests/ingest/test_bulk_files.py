"""The bulk path below the CLI: file readers, the pipelined append-only writes, their fallbacks."""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from billstats.db import tables as t
from billstats.db.dialect import insert_new_or_compare, read_transaction, write_transaction
from billstats.db.types import utc_text
from billstats.errors import BillstatsError, ValidationFailed
from billstats.ingest import files, service
from billstats.ingest.kinds import KINDS
from tests.conftest import make_tenant

CATALOG = [
    ("products", {"id": "prod", "name": "Voice"}),
    (
        "plans",
        {
            "id": "plan",
            "product_id": "prod",
            "name": "M",
            "currency": "USD",
            "amount": "1.00",
            "interval_unit": "month",
        },
    ),
    ("customers", {"id": "cus", "name": "Ada", "created_at": "2025-01-01T00:00:00Z"}),
    ("customers", {"id": "bob", "name": "Bob", "created_at": "2025-01-01T00:00:00Z"}),
    (
        "subscriptions",
        {
            "id": "sub",
            "customer_id": "cus",
            "plan_id": "plan",
            "status": "active",
            "started_at": "2025-01-01T00:00:00Z",
        },
    ),
]


def _call(i: int, **changes: Any) -> tuple[str, dict[str, Any]]:
    micros = (i * 7919) % 1_000_000
    data = {
        "id": f"call-{i}",
        "account_id": "cus",
        "direction": "inbound",
        "product": "sip_trunking",
        "started_at": (
            datetime(2025, 3, 1, tzinfo=UTC) + timedelta(seconds=i, microseconds=micros)
        ).isoformat(),
        "duration_seconds": i,
        "billed_seconds": i,
        "answered": True,
        "cost": "0.25",
        "currency": "USD",
        **changes,
    }
    return "call_records", data


def _records(lines: list[tuple[str, dict[str, Any]]]) -> list[tuple[int, Any, None]]:
    return [(n, {"kind": k, "data": d}, None) for n, (k, d) in enumerate(lines, start=1)]


def _import(
    engine: Engine, tenant_id: int, lines: list[tuple[str, dict[str, Any]]], chunk_size: int = 25
) -> dict[str, Any]:
    with write_transaction(engine) as conn:
        return service.import_records(conn, tenant_id, _records(lines), chunk_size=chunk_size)


def _count(engine: Engine, table: Any, tenant_id: int) -> int:
    with read_transaction(engine) as conn:
        stmt = select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
        return int(conn.execute(stmt).scalar_one())


# -- pipelined append-only writes ----------------------------------------------------------


@pytest.mark.parametrize("chunk_size", [25, 100])
def test_chunks_written_in_the_background_round_trip(engine: Engine, chunk_size: int) -> None:
    tenant = make_tenant(engine)
    calls = [_call(i) for i in range(230)]
    out = _import(engine, tenant.id, [*CATALOG, *calls], chunk_size=chunk_size)
    assert out["kinds"]["call_records"] == {"created": 230, "updated": 0, "unchanged": 0}
    with read_transaction(engine) as conn:
        for i in (0, 1, 117, 229):
            got = service.get(conn, tenant.id, KINDS["call_records"], {"id": f"call-{i}"})
            want = datetime.fromisoformat(calls[i][1]["started_at"])
            assert datetime.fromisoformat(got["started_at"]) == want
            assert (got["cost"], got["answered"], got["duration_seconds"]) == ("0.25", True, i)
    again = _import(engine, tenant.id, [*CATALOG, *calls], chunk_size=1000)
    assert again["kinds"]["call_records"] == {"created": 0, "updated": 0, "unchanged": 230}


@pytest.mark.parametrize("chunk_size", [40, 90])
def test_changed_append_only_record_in_a_late_chunk_fails_everything(
    engine: Engine, chunk_size: int
) -> None:
    tenant = make_tenant(engine)
    _import(engine, tenant.id, [*CATALOG, *[_call(i) for i in range(100)]])
    lines = [_call(i) for i in range(100, 180)] + [_call(i) for i in range(100)]
    lines[150] = _call(70, cost="0.26")
    with pytest.raises(ValidationFailed) as failed:
        _import(engine, tenant.id, lines, chunk_size=chunk_size)
    assert [(p.line, p.code) for p in failed.value.problems] == [(151, "conflict")]
    assert "call_records call-70 already exists with different content" in (
        failed.value.problems[0].message
    )
    assert _count(engine, t.call_records, tenant.id) == 100


def test_unknown_reference_in_a_late_chunk_fails_everything(engine: Engine) -> None:
    tenant = make_tenant(engine)
    lines = [*CATALOG, *[_call(i) for i in range(120)]]
    lines[100] = _call(95, account_id="nobody")
    with pytest.raises(ValidationFailed) as failed:
        _import(engine, tenant.id, lines, chunk_size=30)
    assert [(p.line, p.path, p.code) for p in failed.value.problems] == [
        (101, "data.account_id", "unknown_reference")
    ]
    assert _count(engine, t.call_records, tenant.id) == 0


def test_usage_event_checks_still_apply_in_bulk(engine: Engine) -> None:
    tenant = make_tenant(engine)
    events = [
        (
            "usage_events",
            {
                "id": f"e{i}",
                "customer_id": "bob" if i == 77 else "cus",
                "subscription_id": "sub",
                "metric_code": "m",
                "quantity": "1",
                "timestamp": "2025-02-01T00:00:00Z",
            },
        )
        for i in range(90)
    ]
    with pytest.raises(ValidationFailed) as failed:
        _import(engine, tenant.id, [*CATALOG, *events])
    assert [(p.line, p.code) for p in failed.value.problems] == [(83, "customer_mismatch")]
    assert _count(engine, t.usage_events, tenant.id) == 0


@pytest.mark.parametrize("chunk_size", [30, 100])
def test_reimport_finds_a_change_after_unchanged_chunks(engine: Engine, chunk_size: int) -> None:
    """A re-import compares before inserting once a chunk's keys all existed: a change, and new
    records, later in the file are still found."""
    tenant = make_tenant(engine)
    _import(engine, tenant.id, [*CATALOG, *[_call(i) for i in range(200)]], chunk_size=chunk_size)
    grown = _import(engine, tenant.id, [_call(i) for i in range(300)], chunk_size=chunk_size)
    assert grown["kinds"]["call_records"] == {"created": 100, "updated": 0, "unchanged": 200}
    lines = [_call(i) for i in range(300)]
    lines[250] = _call(250, answered=False)
    lines[260] = _call(260, started_at="2025-03-01T00:04:20.000001+00:00")
    with pytest.raises(ValidationFailed) as failed:
        _import(engine, tenant.id, lines, chunk_size=chunk_size)
    assert [(p.line, p.code) for p in failed.value.problems] == [
        (251, "conflict"),
        (261, "conflict"),
    ]
    assert _count(engine, t.call_records, tenant.id) == 300


def test_repeated_id_in_one_file(engine: Engine) -> None:
    tenant = make_tenant(engine)
    same = _import(engine, tenant.id, [*CATALOG, _call(1), _call(2), _call(1)])
    assert same["kinds"]["call_records"] == {"created": 2, "updated": 0, "unchanged": 1}
    with pytest.raises(ValidationFailed) as failed:
        _import(engine, tenant.id, [_call(3), _call(3, cost="9")])
    assert [(p.line, p.code) for p in failed.value.problems] == [(2, "conflict")]


@pytest.mark.parametrize("rows", [1, 80])
def test_insert_new_or_compare_outside_the_fast_forms(engine: Engine, rows: int) -> None:
    """Values a fast path cannot carry exactly (an offset other than UTC) take plain statements
    and are stored exactly as the column type stores them."""
    tenant = make_tenant(engine)
    plus_one = timezone(timedelta(hours=1))
    base = datetime(2025, 5, 1, 12, 0, 0, 500, tzinfo=plus_one)
    batch = [
        {
            "tenant_id": tenant.id,
            "id": f"x{i}",
            "account_id": "a",
            "direction": "inbound",
            "product": "voice_api",
            "started_at": base + timedelta(seconds=i),
            "duration_seconds": 1,
            "billed_seconds": 1,
            "answered": False,
            "cost": 5,
            "currency": "USD",
        }
        for i in range(rows)
    ]
    with write_transaction(engine) as conn:
        assert insert_new_or_compare(conn, t.call_records, batch) == (rows, [])
    changed = [dict(r) for r in batch]
    changed[-1]["cost"] = 6
    with write_transaction(engine) as conn:
        assert insert_new_or_compare(conn, t.call_records, changed) == (0, [rows - 1])
    with read_transaction(engine) as conn:
        got = conn.execute(
            select(t.call_records.c.started_at).where(
                t.call_records.c.tenant_id == tenant.id, t.call_records.c.id == "x0"
            )
        ).scalar_one()
        assert got == base
        if engine.dialect.name == "sqlite":
            raw = conn.execute(
                text("SELECT started_at FROM call_records WHERE tenant_id = :t AND id = 'x0'"),
                {"t": tenant.id},
            ).scalar_one()
            assert raw == utc_text(base)


def test_sqlite_text_with_nul_is_stored_whole(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL text cannot hold NUL")
    tenant = make_tenant(engine)
    row = {
        "tenant_id": tenant.id,
        "id": "n1",
        "wallet_id": "w\x00x",
        "amount": 1,
        "created_at": datetime(2025, 1, 1, tzinfo=UTC),
    }
    with write_transaction(engine) as conn:
        assert insert_new_or_compare(conn, t.wallet_transactions, [row] * 1) == (1, [])
        stored = conn.execute(
            select(t.wallet_transactions.c.wallet_id).where(
                t.wallet_transactions.c.tenant_id == tenant.id
            )
        ).scalar_one()
    assert stored == "w\x00x"


# -- file readers --------------------------------------------------------------------------


def test_describe_formats(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text("{}\n")
    (tmp_path / "usage_events.csv").write_text("id\n")
    (tmp_path / "fx_rates").write_text("currency,date,rate\n")
    (tmp_path / "x.gz").write_bytes(gzip.compress(b'{"kind": "x"}\n'))
    assert files.describe(tmp_path / "a.jsonl").format == "ndjson"
    csv_source = files.describe(tmp_path / "usage_events.csv")
    assert (csv_source.format, csv_source.kind) == ("csv", KINDS["usage_events"])
    sniffed = files.describe(tmp_path / "fx_rates")
    assert (sniffed.format, sniffed.kind) == ("csv", KINDS["fx_rates"])
    gz = files.describe(tmp_path / "x.gz")
    assert (gz.format, gz.compressed) == ("ndjson", True)
    with pytest.raises(BillstatsError):
        files.describe(tmp_path / "usage_events.csv", "nonsense")


def _csv(text_: str, kind: str) -> list[tuple[int, Any, Any]]:
    return list(files.iter_csv(io.BytesIO(text_.encode("utf-8-sig")), KINDS[kind]))


def test_csv_rows_lines_and_types() -> None:
    rows = _csv(
        "id,name,max_accounts,is_active,created_at,slug\n"
        'p1,"Multi\nline",3,true,2025-01-01T00:00:00Z,s\n'
        "\n"
        "p2,B,,false,2025-01-01T00:00:00Z,s\n"
        "p3,C,x\n",
        "partners",
    )
    assert rows[0] == (
        2,
        {
            "kind": "partners",
            "data": {
                "id": "p1",
                "name": "Multi\nline",
                "max_accounts": 3,
                "is_active": True,
                "created_at": "2025-01-01T00:00:00Z",
                "slug": "s",
            },
        },
        None,
    )
    assert rows[1][0] == 5
    assert rows[1][1]["data"] == {
        "id": "p2",
        "name": "B",
        "is_active": False,
        "created_at": "2025-01-01T00:00:00Z",
        "slug": "s",
    }
    assert rows[2][0] == 6
    assert rows[2][2].code == "wrong_cell_count"


def test_csv_fx_rates_key_columns() -> None:
    rows = _csv("currency,date,rate\neur,2025-01-02,1.08\n", "fx_rates")
    assert rows == [
        (
            2,
            {"kind": "fx_rates", "data": {"currency": "eur", "date": "2025-01-02", "rate": "1.08"}},
            None,
        )
    ]


def test_csv_duplicate_header_column() -> None:
    with pytest.raises(ValidationFailed) as failed:
        _csv("id,name,name\n", "affiliates")
    assert [p.code for p in failed.value.problems] == ["duplicate_column"]


def test_csv_bad_encoding_is_a_problem_on_its_line() -> None:
    data = b"id,name\na1,A\n" + b"a2,\xff\xfe\n"
    rows = list(files.iter_csv(io.BytesIO(data), KINDS["affiliates"]))
    assert rows[0][1]["data"] == {"id": "a1", "name": "A"}
    assert rows[-1][2].code == "invalid_encoding"


def test_overlong_ndjson_line_is_skipped_and_reported(engine: Engine, tmp_path: Path) -> None:
    tenant = make_tenant(engine)
    path = tmp_path / "big.ndjson"
    ok = json.dumps({"kind": "affiliates", "data": {"id": "a", "name": "A"}})
    path.write_text(
        ok
        + "\n"
        + json.dumps({"kind": "affiliates", "data": {"id": "b", "name": "B" * 300}})
        + "\n"
        + ok
        + "\n"
    )
    with write_transaction(engine) as conn, pytest.raises(ValidationFailed) as failed:
        files.import_file(conn, tenant.id, files.describe(path), max_line_bytes=200)
    assert [(p.line, p.code) for p in failed.value.problems] == [(2, "line_too_long")]


def test_progress_reports_bytes_of_the_file_on_disk(engine: Engine, tmp_path: Path) -> None:
    tenant = make_tenant(engine)
    path = tmp_path / "a.ndjson.gz"
    lines = [
        json.dumps({"kind": "affiliates", "data": {"id": f"a{i}", "name": "A"}})
        for i in range(2000)
    ]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    seen: list[tuple[int, int]] = []
    with write_transaction(engine) as conn:
        out = files.import_file(
            conn,
            tenant.id,
            files.describe(path),
            progress=lambda done, total: seen.append((done, total)),
        )
    assert out["records"] == 2000
    size = path.stat().st_size
    assert seen[-1] == (size, size)
    assert all(total == size and done <= size for done, total in seen)


def test_truncated_gzip_is_an_error_and_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    tenant = make_tenant(engine)
    path = tmp_path / "a.ndjson.gz"
    body = "".join(
        json.dumps({"kind": "affiliates", "data": {"id": f"a{i}", "name": "A"}}) + "\n"
        for i in range(5000)
    )
    path.write_bytes(gzip.compress(body.encode())[:-200])
    with write_transaction(engine) as conn, pytest.raises(BillstatsError) as failed:
        files.import_file(conn, tenant.id, files.describe(path))
    assert failed.value.code == "unreadable_file"
    assert _count(engine, t.affiliates, tenant.id) == 0
