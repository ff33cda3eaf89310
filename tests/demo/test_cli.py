"""``billstats demo`` from the command line (no server: --no-serve and --write-ndjson)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from billstats.auth.service import create_key
from billstats.cli.main import app
from billstats.db.dialect import write_transaction
from billstats.demo.config import DemoConfig
from billstats.demo.stream import digest
from billstats.ingest.service import import_records, iter_ndjson
from billstats.tenants.service import create_tenant
from tests.demo import ANCHOR

ARGS = [
    "--customers",
    "12",
    "--call-records",
    "150",
    "--scale",
    "0.05",
    "--anchor-date",
    ANCHOR.isoformat(),
    "--seed",
    "3",
]
CONFIG = DemoConfig(seed=3, scale=0.05, anchor=ANCHOR, customers=12, call_records=150)


def test_no_serve_prints_credentials_and_reuses_the_tenant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BILLSTATS_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    runner = CliRunner()
    result = runner.invoke(app, ["demo", "--no-serve", "--port", "8123", *ARGS])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["url"] == "http://127.0.0.1:8123"
    assert out["tenant_name"] == "demo" and out["tenant_created"] and out["imported"]
    assert out["token"].startswith(out["key_id"] + ".")
    assert out["curl"] == (
        f'curl -H "Authorization: Bearer {out["token"]}" http://127.0.0.1:8123/v1/customers?limit=5'
    )
    _, counts = digest(CONFIG)
    assert out["import"]["records"] == sum(counts.values())
    assert out["data"]["customers"] == 12 and out["data"]["partner_accounts"] == 3

    again = json.loads(runner.invoke(app, ["demo", "--no-serve", *ARGS]).stdout)
    assert again["tenant_id"] == out["tenant_id"] and not again["tenant_created"]
    assert again["token"] != out["token"]
    assert all(v["created"] == v["updated"] == 0 for v in again["import"]["kinds"].values())


def test_write_ndjson_is_importable(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "demo.ndjson"
    result = CliRunner().invoke(app, ["demo", "--write-ndjson", str(path), *ARGS])
    assert result.exit_code == 0, result.output
    sha, counts = digest(CONFIG)
    import hashlib

    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    assert json.loads(result.stdout)["kinds"] == counts
    with write_transaction(engine) as conn:
        tenant = create_tenant(conn, f"nd-{uuid.uuid4().hex[:10]}", "America/New_York", "USD")
        create_key(conn, tenant.id, ["admin"])
    with path.open("rb") as fh, write_transaction(engine) as conn:
        summary = import_records(conn, tenant.id, iter_ndjson(fh, 1 << 20))
    assert summary["records"] == sum(counts.values())


def test_bad_options_are_usage_errors() -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--no-serve", "--anchor-date", "20-11-2026"]).exit_code == 2
    assert runner.invoke(app, ["demo", "--no-serve", "--scale", "0"]).exit_code == 2
