"""The seed's request against the demo tenant (``billstats demo --scale 0.02``): schema-valid,
the identity holds, and every number equals a naive recomputation from the subscription
histories read back through the API."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import jsonschema
import pytest
from sqlalchemy import Engine

from billstats.auth.service import create_key
from billstats.db.dialect import write_transaction
from billstats.demo.config import TENANT_TIMEZONE, DemoConfig
from billstats.demo.load import load_demo
from billstats.metrics.calendar import each_day
from billstats.metrics.mrr import day_close
from tests.metrics.test_mrr_properties import Plans, V, by_currency, ref_mrr, reference_versions
from tests.surfaces.fynn.conftest import Frozen
from tests.surfaces.fynn.schema import RESPONSE_SCHEMA
from tests.surfaces.fynn.test_seed_examples import SEED_CURL

ANCHOR = date(2026, 4, 15)
CONFIG = DemoConfig(scale=0.02, anchor=ANCHOR)
NOW = datetime(2026, 4, 15, 20, 0, tzinfo=UTC)
NY = ZoneInfo(TENANT_TIMEZONE)


@pytest.fixture(scope="module")
def demo(engine: Engine) -> tuple[str, str]:
    """The demo tenant: (admin token, analytics token)."""
    loaded = load_demo(engine, CONFIG, tenant_name=f"demo-{uuid.uuid4().hex[:10]}")
    assert loaded.imported and loaded.note is None and loaded.key is not None
    with write_transaction(engine) as conn:
        reader = create_key(conn, loaded.tenant_id, ["analytics:read"])
    return loaded.key["token"], reader["token"]


def _all(client: httpx.Client, token: str, kind: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": "500", **({"cursor": cursor} if cursor else {})}
        page = client.get(
            f"/v1/{kind}", params=params, headers={"Authorization": f"Bearer {token}"}
        )
        assert page.status_code == 200, page.text
        body = page.json()
        out += body["data"]
        if not body["has_more"]:
            return out
        cursor = body["next_cursor"]


def _reference(client: httpx.Client, token: str) -> dict[str, list[V]]:
    plans: Plans = {
        p["id"]: (p["amount"], p["interval_unit"], p["interval_count"], p["currency"], "")
        for p in _all(client, token, "plans")
    }
    subs = {s["id"] for s in _all(client, token, "subscriptions")}
    client.headers["Authorization"] = f"Bearer {token}"
    try:
        return reference_versions(client, subs, plans)
    finally:
        del client.headers["Authorization"]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_seed_curl_on_demo(demo: tuple[str, str], client: httpx.Client, frozen: Frozen) -> None:
    admin, reader = demo
    frozen.clock.now = NOW
    command = SEED_CURL.replace("\n/analytics/", f"\n{frozen.url}/analytics/", 1)
    command = command.replace("<token>", reader)
    out = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=60, check=True
    )
    body = json.loads(out.stdout)
    jsonschema.validate(body, RESPONSE_SCHEMA)

    ref = _reference(client, admin)
    days = [ANCHOR - timedelta(days=n) for n in range(30, -1, -1)]  # the day before, then 30
    closes = {d: by_currency(ref_mrr(ref, day_close(d, NY))) for d in days}
    # Listed: every currency the tenant has had MRR in, at any day close of its history.
    history_days = each_day(CONFIG.first_day - timedelta(days=1), ANCHOR)
    had = sorted({c for d in history_days for c in by_currency(ref_mrr(ref, day_close(d, NY)))})
    assert len(had) >= 2, "the demo has recurring revenue in several currencies"
    total = 30 * len(had)
    # the default page holds the first 30 points: walk every page to see them all
    points = list(body["data"])
    page = 2
    while len(points) < total:
        response = client.get(
            "/analytics/subscription-revenue",
            params={"page": str(page)},
            headers={"Authorization": f"Bearer {reader}"},
        )
        jsonschema.validate(response.json(), RESPONSE_SCHEMA)
        points += response.json()["data"]
        page += 1
    assert body["meta"]["pagination"]["totalItems"] == total
    assert [(p["date"][:10], p["currency_code"]) for p in points] == [
        (d.isoformat(), c) for d in days[1:] for c in had
    ]

    def cents(text: str | None) -> int:
        return int((text or "0").replace(".", ""))

    previous = {c: closes[days[0]].get(c, 0) // 10_000 for c in had}
    for p in points:
        cur, day = p["currency_code"], date.fromisoformat(p["date"][:10])
        revenue = cents(p["revenue"])
        assert revenue * 10_000 == closes[day].get(cur, 0), (day, cur)
        assert revenue == previous[cur] + cents(p["new_revenue"]) + cents(
            p["expansion_revenue"]
        ) - cents(p["churn_revenue"])
        previous[cur] = revenue
