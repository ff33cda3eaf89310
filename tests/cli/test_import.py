"""``billstats import FILE``: NDJSON and CSV (plain or gzip), all-or-nothing, idempotent."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from billstats.db.dialect import read_transaction
from billstats.ingest import service
from billstats.ingest.kinds import KINDS
from tests.cli.conftest import Run
from tests.conftest import make_tenant

CLI = Callable[..., Run]

CATALOG = [
    {"kind": "products", "data": {"id": "prod", "name": "Voice"}},
    {
        "kind": "plans",
        "data": {
            "id": "plan",
            "product_id": "prod",
            "name": "Metered",
            "currency": "USD",
            "amount": "10.00",
            "interval_unit": "month",
        },
    },
    {
        "kind": "customers",
        "data": {
            "id": "cus",
            "name": "Ada",
            "currency": "USD",
            "created_at": "2025-01-01T00:00:00Z",
        },
    },
    {
        "kind": "subscriptions",
        "data": {
            "id": "sub",
            "customer_id": "cus",
            "plan_id": "plan",
            "status": "active",
            "started_at": "2025-01-01T00:00:00Z",
        },
    },
]

CALLS_CSV = (
    "id,account_id,direction,product,started_at,duration_seconds,billed_seconds,answered,cost,"
    "currency\n"
    "c1,cus,inbound,voice_api,2025-01-02T10:00:00+01:00,61,120,true,0.0125,usd\n"
    "c2,cus,outbound,sip_trunking,2025-01-02T10:05:00Z,0,0,FALSE,0,USD\n"
)


def _write_ndjson(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _calls(n: int, *, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "kind": "call_records",
            "data": {
                "id": f"call-{i}",
                "account_id": "cus",
                "direction": "outbound",
                "product": "voice_api",
                "started_at": f"2025-02-01T00:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}Z",
                "duration_seconds": i,
                "billed_seconds": i,
                "answered": i % 2 == 0,
                "cost": f"{i}.001",
                "currency": "USD",
            },
        }
        for i in range(start, start + n)
    ]


def _usage(n: int) -> list[dict[str, Any]]:
    return [
        {
            "kind": "usage_events",
            "data": {
                "id": f"evt-{i}",
                "customer_id": "cus",
                "subscription_id": "sub",
                "metric_code": "minutes",
                "quantity": f"{i}.5",
                "timestamp": "2025-02-01T00:00:00Z",
            },
        }
        for i in range(n)
    ]


def _count(engine: Engine, kind: str, tenant_id: int) -> int:
    table = KINDS[kind].table
    with read_transaction(engine) as conn:
        stmt = select(func.count()).select_from(table).where(table.c.tenant_id == tenant_id)
        return int(conn.execute(stmt).scalar_one())


def _kinds(**counts: tuple[int, int, int]) -> dict[str, dict[str, int]]:
    return {k: {"created": c, "updated": u, "unchanged": n} for k, (c, u, n) in counts.items()}


def test_ndjson_import_then_reimport_changes_nothing(
    billstats: CLI, engine: Engine, tmp_path: Path
) -> None:
    tenant = make_tenant(engine)
    path = _write_ndjson(tmp_path / "mixed.ndjson", [*_usage(120), *_calls(150), *CATALOG])
    first = billstats("import", str(path), "--tenant", tenant.name)
    assert first.exit_code == 0, first.stderr
    assert first.json() == {
        "result": "ok",
        "records": 274,
        "kinds": _kinds(
            call_records=(150, 0, 0),
            customers=(1, 0, 0),
            plans=(1, 0, 0),
            products=(1, 0, 0),
            subscriptions=(1, 0, 0),
            usage_events=(120, 0, 0),
        ),
    }
    assert _count(engine, "call_records", tenant.id) == 150
    assert _count(engine, "usage_events", tenant.id) == 120
    again = billstats("import", str(path), "--tenant", str(tenant.id), "--quiet")
    assert again.exit_code == 0, again.stderr
    assert again.json() == {
        "result": "ok",
        "records": 274,
        "kinds": _kinds(
            call_records=(0, 0, 150),
            customers=(0, 0, 1),
            plans=(0, 0, 1),
            products=(0, 0, 1),
            subscriptions=(0, 0, 1),
            usage_events=(0, 0, 120),
        ),
    }
    assert _count(engine, "call_records", tenant.id) == 150


def test_csv_cells_take_the_schema_types(billstats: CLI, engine: Engine, tmp_path: Path) -> None:
    tenant = make_tenant(engine)
    billstats("import", str(_write_ndjson(tmp_path / "c.ndjson", CATALOG)), "--tenant", tenant.name)
    calls = tmp_path / "call_records.csv"
    calls.write_text(CALLS_CSV)
    out = billstats("import", str(calls), "--tenant", tenant.name)
    assert out.exit_code == 0, out.stderr
    assert out.json()["kinds"] == _kinds(call_records=(2, 0, 0))
    with read_transaction(engine) as conn:
        c1 = service.get(conn, tenant.id, KINDS["call_records"], {"id": "c1"})
        c2 = service.get(conn, tenant.id, KINDS["call_records"], {"id": "c2"})
    assert c1 == {
        "id": "c1",
        "account_id": "cus",
        "direction": "inbound",
        "product": "voice_api",
        "started_at": "2025-01-02T09:00:00+00:00",
        "duration_seconds": 61,
        "billed_seconds": 120,
        "answered": True,
        "cost": "0.0125",
        "currency": "USD",
    }
    assert (c2["answered"], c2["cost"], c2["duration_seconds"]) == (False, "0.00", 0)


def test_csv_nested_json_cells_and_empty_cells(
    billstats: CLI, engine: Engine, tmp_path: Path
) -> None:
    tenant = make_tenant(engine)
    (tmp_path / "products.csv").write_text(
        'id,name,payment_provider\np1,Voice,"{""configured"": true}"\np2,SMS,\n'
    )
    (tmp_path / "plans.csv").write_text(
        "id,product_id,name,currency,amount,interval_unit,interval_count,features,usage_charges\n"
        'pl,p1,Pro,EUR,9.90,month,,"[{""code"": ""seats"", ""name"": ""Seats"", '
        '""type"": ""quantity"", ""value"": ""5""}]","[{""metric_code"": ""minutes"", '
        '""unit_amount"": ""0.01""}]"\n'
    )
    for name in ("products.csv", "plans.csv"):
        out = billstats("import", str(tmp_path / name), "--tenant", tenant.name)
        assert out.exit_code == 0, out.stderr
    with read_transaction(engine) as conn:
        p1 = service.get(conn, tenant.id, KINDS["products"], {"id": "p1"})
        p2 = service.get(conn, tenant.id, KINDS["products"], {"id": "p2"})
        plan = service.get(conn, tenant.id, KINDS["plans"], {"id": "pl"})
    assert p1["payment_provider"]["configured"] is True
    assert p2["payment_provider"]["configured"] is False  # empty cell: the default
    assert plan["interval_count"] == 1
    assert plan["features"] == [
        {"code": "seats", "name": "Seats", "type": "quantity", "value": "5"}
    ]
    assert plan["usage_charges"] == [{"metric_code": "minutes", "unit_amount": "0.01"}]


def test_bad_csv_cells_fail_with_line_and_field_and_write_nothing(
    billstats: CLI, engine: Engine, tmp_path: Path
) -> None:
    tenant = make_tenant(engine)
    billstats("import", str(_write_ndjson(tmp_path / "c.ndjson", CATALOG)), "--tenant", tenant.name)
    calls = tmp_path / "call_records.csv"
    calls.write_text(
        CALLS_CSV + "c3,cus,inbound,voice_api,2025-01-02T10:00:00Z,ten,0,maybe,1,USD\n"
        '"c4",cus,inbound,voice_api,2025-01-02T10:00:00Z,1,1,true,"{",USD\n'
        "c5,nobody,inbound,voice_api,2025-01-02T10:00:00Z,1,1,true,1.5,USD\n"
    )
    out = billstats("import", str(calls), "--tenant", tenant.name)
    assert out.exit_code != 0
    assert out.stdout == ""
    error = out.error()
    assert error["code"] == "validation_error"
    found = {(p["line"], p["path"], p["code"]) for p in error["problems"]}
    assert found == {
        (4, "data.duration_seconds", "invalid_cell"),
        (4, "data.answered", "invalid_cell"),
        (5, "data.cost", "value_error"),
        (6, "data.account_id", "unknown_reference"),
    }
    assert _count(engine, "call_records", tenant.id) == 0


def test_gzip_files(billstats: CLI, engine: Engine, tmp_path: Path) -> None:
    tenant = make_tenant(engine)
    ndjson = tmp_path / "catalog.ndjson.gz"
    with gzip.open(ndjson, "wt") as f:
        f.writelines(json.dumps(r) + "\n" for r in [*CATALOG, *_calls(70)])
    csv_gz = tmp_path / "call_records.csv.gz"
    csv_gz.write_bytes(gzip.compress(CALLS_CSV.encode()))
    first = billstats("import", str(ndjson), "--tenant", tenant.name)
    assert first.exit_code == 0, first.stderr
    second = billstats("import", str(csv_gz), "--tenant", tenant.name)
    assert second.exit_code == 0, second.stderr
    assert second.json()["kinds"] == _kinds(call_records=(2, 0, 0))
    assert _count(engine, "call_records", tenant.id) == 72


def test_kind_option_and_inference(billstats: CLI, engine: Engine, tmp_path: Path) -> None:
    tenant = make_tenant(engine)
    billstats("import", str(_write_ndjson(tmp_path / "c.ndjson", CATALOG)), "--tenant", tenant.name)
    odd = tmp_path / "export-2025.csv"
    odd.write_text(CALLS_CSV)
    refused = billstats("import", str(odd), "--tenant", tenant.name)
    assert refused.exit_code != 0
    assert refused.error()["code"] == "unknown_kind"
    assert "--kind" in refused.error()["message"]
    out = billstats("import", str(odd), "--tenant", tenant.name, "--kind", "call_records")
    assert out.exit_code == 0, out.stderr
    assert out.json()["kinds"] == _kinds(call_records=(2, 0, 0))
    ndjson_with_kind = billstats(
        "import", str(tmp_path / "c.ndjson"), "--tenant", tenant.name, "--kind", "products"
    )
    assert ndjson_with_kind.exit_code != 0
    assert ndjson_with_kind.error()["code"] == "invalid_option"


def test_unknown_csv_column_is_reported_once(
    billstats: CLI, engine: Engine, tmp_path: Path
) -> None:
    tenant = make_tenant(engine)
    path = tmp_path / "customers.csv"
    path.write_text("id,name,created_at,colour\na,A,2025-01-01T00:00:00Z,red\n")
    out = billstats("import", str(path), "--tenant", tenant.name)
    assert out.exit_code != 0
    problems = out.error()["problems"]
    assert [(p["line"], p["path"], p["code"]) for p in problems] == [
        (1, "header.colour", "unknown_column")
    ]


@pytest.mark.parametrize("ref", ["name", "id", "missing"])
def test_tenant_by_id_or_name(billstats: CLI, engine: Engine, tmp_path: Path, ref: str) -> None:
    tenant = make_tenant(engine)
    path = _write_ndjson(tmp_path / "c.ndjson", CATALOG[:1])
    value = {"name": tenant.name, "id": str(tenant.id), "missing": "no-such-tenant"}[ref]
    out = billstats("import", str(path), "--tenant", value)
    if ref == "missing":
        assert out.exit_code != 0
        assert out.error()["code"] == "not_found"
    else:
        assert out.exit_code == 0, out.stderr
        assert _count(engine, "products", tenant.id) == 1


def test_tenant_required_when_several_exist(billstats: CLI, engine: Engine, tmp_path: Path) -> None:
    make_tenant(engine)
    make_tenant(engine)
    out = billstats("import", str(_write_ndjson(tmp_path / "c.ndjson", CATALOG[:1])))
    assert out.exit_code != 0
    assert out.error()["code"] == "tenant_required"


def test_the_only_tenant_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A fresh store with one tenant: no --tenant needed (and none at all is an error)."""
    from typer.testing import CliRunner

    from billstats.cli.main import app

    monkeypatch.setenv("BILLSTATS_DATABASE_URL", f"sqlite:///{tmp_path / 'one.sqlite3'}")
    runner = CliRunner()
    path = _write_ndjson(tmp_path / "c.ndjson", CATALOG[:1])
    empty = runner.invoke(app, ["import", str(path)])
    assert empty.exit_code != 0
    assert json.loads(empty.stderr)["error"]["code"] == "no_tenant"
    assert runner.invoke(app, ["tenant", "create", "solo"]).exit_code == 0
    out = runner.invoke(app, ["import", str(path)])
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["kinds"] == _kinds(products=(1, 0, 0))


def test_missing_file_is_a_usage_error(billstats: CLI, tmp_path: Path) -> None:
    out = billstats("import", str(tmp_path / "nope.ndjson"))
    assert out.exit_code == 2
