"""The seed's own request examples, base URL and key swapped, run against the live server.

cURL, Python, Java and Node.js: the runtimes this project's machines have.  The seed's Ruby, PHP,
Go and .NET samples are the same request in other languages; they are not transcribed because no
runtime here could run them (a test that never runs proves nothing).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from sqlalchemy import Engine

from tests.surfaces.pabbly.conftest import Frozen, Key, ingest, new_tenant, reader
from tests.surfaces.pabbly.seed_examples import BASE_URL, EXAMPLES, KEY_ID, SECRET
from tests.surfaces.pabbly.seed_schema import STATS_SCHEMA

PRODUCT = "5e3a95143c92e44b424b6d47"  # the product id of the seed's examples

# last_30_days at 2025-02-12 15:00 UTC: one 10.00 USD monthly subscriber who paid 10.00
# (fee 0.30) on Feb 1.  Net 9.70 over 1 customer.
EXPECTED = {
    "total_customer_count": 1,
    "total_paid_customer_count": 1,
    "total_sales_amount": 10,
    "total_sales_count": 1,
    "total_onetime_sales_count": 0,
    "total_onetime_sales_amount": 0,
    "total_recurring_sales_count": 1,
    "total_recurring_sales_amount": 10,
    "total_refund_count": 0,
    "total_refund_amount": 0,
    "total_cancelled_subscription_count": 0,
    "total_cancelled_subscription_amount": 0,
    "mrr": "10.00",
    "total_net_revenue": 9.7,
    "total_affiliate_sales_amount": 0,
    "total_affiliate_commission_amount": 0,
    "total_net_amount_via_affiliate": 0,
    "total_affiliate_count": 0,
    "total_rebill_amount": 0,
    "total_rebill_subscription_count": 0,
    "total_missed_invoice_amount": 0,
    "total_missed_invoice_count": 0,
    "arpu": "9.7000000",
}


@pytest.fixture
def seed_key(engine: Engine, client: httpx.Client, frozen: Frozen) -> Key:
    tenant = new_tenant(engine)
    ingest(
        client,
        tenant,
        [
            ("products", {"id": PRODUCT, "name": "Seed product"}),
            (
                "plans",
                {
                    "id": "monthly",
                    "product_id": PRODUCT,
                    "name": "Monthly",
                    "currency": "USD",
                    "amount": "10.00",
                    "interval_unit": "month",
                },
            ),
            ("customers", {"id": "cus", "name": "Ada", "created_at": "2025-01-01T00:00:00Z"}),
            (
                "subscriptions",
                {
                    "id": "sub",
                    "customer_id": "cus",
                    "plan_id": "monthly",
                    "status": "active",
                    "started_at": "2025-01-20T09:00:00Z",
                },
            ),
            (
                "payments",
                {
                    "id": "pay",
                    "customer_id": "cus",
                    "subscription_id": "sub",
                    "amount": "10.00",
                    "currency": "USD",
                    "status": "succeeded",
                    "fee_amount": "0.30",
                    "created_at": "2025-02-01T09:00:00Z",
                },
            ),
        ],
    )
    frozen.clock.now = datetime(2025, 2, 12, 15, tzinfo=UTC)
    return reader(engine, tenant)


def swapped(language: str, base_url: str, key: Key) -> str:
    code = EXAMPLES[language]
    assert BASE_URL in code and KEY_ID in code and SECRET in code
    return code.replace(BASE_URL, base_url).replace(KEY_ID, key.key_id).replace(SECRET, key.secret)


def _run(args: list[str], cwd: Path, timeout: int = 120) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout


def run_curl(code: str, tmp: Path) -> str:
    return _run(["bash", "-c", code], tmp)


def run_python(code: str, tmp: Path) -> str:
    return _run([sys.executable, "-c", code + "\nimport json\nprint(json.dumps(data))\n"], tmp)


def run_node(code: str, tmp: Path) -> str:
    (tmp / "example.mjs").write_text(code + "\nconsole.log(JSON.stringify(data));\n")
    return _run(["node", "example.mjs"], tmp)


def run_java(code: str, tmp: Path) -> str:
    lines = code.splitlines()
    imports = [line for line in lines if line.startswith("import ")]
    body = [line for line in lines if not line.startswith("import ")]
    source = "\n".join(
        [
            *imports,
            "public class Example {",
            "public static void main(String[] args) throws Exception {",
            *body,
            "}}",
        ]
    )
    (tmp / "Example.java").write_text(source)
    return _run(["java", "Example.java"], tmp)


RUNNERS: dict[str, tuple[str, Callable[[str, Path], str]]] = {
    "curl": ("curl", run_curl),
    "python": (sys.executable, run_python),
    "node": ("node", run_node),
    "java": ("java", run_java),
}


def test_every_transcribed_example_has_a_runner() -> None:
    assert set(EXAMPLES) == set(RUNNERS) == {"curl", "python", "node", "java"}


@pytest.mark.parametrize("language", sorted(RUNNERS))
def test_seed_example(language: str, frozen: Frozen, seed_key: Key, tmp_path: Path) -> None:
    program, run = RUNNERS[language]
    assert shutil.which(program), f"{program} is needed to run the seed's {language} example"
    output = run(swapped(language, frozen.url, seed_key), tmp_path)
    body: Any = json.loads(output)
    jsonschema.validate(body, STATS_SCHEMA)
    assert body == {"status": "success", "message": "Total stats", "data": EXPECTED}
