"""``billstats stats``: the KPI summary in the terminal — the API's numbers, laid out."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import Engine

from tests.cli.conftest import Run
from tests.conftest import TenantCtx, make_tenant
from tests.dashboard import seed

KPIS = "mrr,arr,customers,arpa,customer_churn_rate,net_revenue"
TITLES = ["MRR", "ARR", "Paying customers", "ARPA", "Customer churn", "Net revenue"]
RANGE = ["--start-date", seed.START, "--end-date", seed.END]


@pytest.fixture
def tenant(engine: Engine, http: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> TenantCtx:
    """The dashboard's hand-known tenant (tests/dashboard/seed.py), and a wide terminal."""
    monkeypatch.setenv("COLUMNS", "200")
    ctx = make_tenant(engine)
    response = http.post(
        "/v1/import",
        content=seed.body(),
        headers={**ctx.headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    return ctx


def _rows(text: str) -> dict[str, list[str]]:
    """The body rows of rich's tables: first cell -> the other cells."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            out[cells[0]] = cells[1:]
    return out


def _usd(value: str | None) -> str:
    return "—" if value is None else f"USD {Decimal(value):,}"


def test_summary_and_months_are_the_apis(
    billstats: Callable[..., Run], tenant: TenantCtx, http: httpx.Client
) -> None:
    run = billstats("stats", "--tenant", tenant.name, *RANGE, "--interval", "month")
    assert run.exit_code == 0, run.stderr
    rows = _rows(run.stdout)
    # Hand-known (seed.py): June ends at $180 MRR from 2 paying customers.
    assert rows["MRR"] == ["USD 180.00", "USD 0.00", "—"]
    assert rows["ARR"] == ["USD 2,160.00", "USD 0.00", "—"]
    assert rows["Paying customers"] == ["2", "0", "—"]
    assert rows["ARPA"] == ["USD 90.00", "—", "—"]
    assert f"KPIs of {tenant.name}, {seed.START} to {seed.END} (USD)" in run.stdout
    assert "previous: 2025-07-04 to 2025-12-31" in run.stdout
    body = http.get(
        "/v1/metrics",
        params={"metrics": KPIS, "start_date": seed.START, "end_date": seed.END},
        headers=tenant.headers,
    ).json()
    assert rows["Net revenue"][0] == _usd(body["summary"]["net_revenue"]["current"])
    # One row per month; MRR at each month's end.
    months = [rows[f"2026-0{m}-01"] for m in range(1, 7)]
    assert [m[0] for m in months] == [_usd(v) for v in seed.MRR_BY_MONTH]
    assert [m[2] for m in months] == ["1", "3", "3", "2", "2", "2"]


def test_changes_against_the_previous_period(
    billstats: Callable[..., Run], tenant: TenantCtx, http: httpx.Client
) -> None:
    # Apr-Jun (91 days) against the 91 days before: MRR 180 vs 230, customers 2 vs 3.
    args = ["--start-date", "2026-04-01", "--end-date", seed.END]
    rows = _rows(billstats("stats", "--tenant", str(tenant.id), *args).stdout)
    assert rows["MRR"] == ["USD 180.00", "USD 230.00", "-21.74%"]
    assert rows["Paying customers"] == ["2", "3", "-33.33%"]
    # ARPA 180 / 2 = 90.00 vs 230 / 3 = 76.67: +17.39% (of the values as shown).
    assert rows["ARPA"] == ["USD 90.00", "USD 76.67", "+17.39%"]
    # Initech churned in the quarter, of 3 paying at its start.
    assert rows["Customer churn"][0] == "33.33%"
    params = {"metrics": KPIS, "start_date": "2026-04-01", "end_date": seed.END}
    body = http.get("/v1/metrics", params=params, headers=tenant.headers).json()
    assert body["summary"]["customer_churn_rate"]["current"] == "0.333333"


def test_json_is_the_api_body(
    billstats: Callable[..., Run], tenant: TenantCtx, http: httpx.Client
) -> None:
    run = billstats("stats", "--tenant", tenant.name, *RANGE, "--interval", "quarter", "--json")
    assert run.exit_code == 0, run.stderr
    params = {"metrics": KPIS, "start_date": seed.START, "end_date": seed.END}
    api = http.get("/v1/metrics", params={**params, "interval": "quarter"}, headers=tenant.headers)
    assert run.json() == api.json()
    assert [e["date"] for e in run.json()["entries"]] == ["2026-01-01", "2026-04-01"]


@pytest.mark.parametrize(
    ("options", "mrr"),
    [
        (["--test"], "USD 50.00"),  # Globex's test-mode subscription
        (["--product", "p2"], "USD 50.00"),  # Voice: Acme's monthly plan
        (["--plan", "yearly"], "USD 100.00"),
        (["--currency", "usd"], "USD 180.00"),
    ],
)
def test_filters(
    billstats: Callable[..., Run], tenant: TenantCtx, options: list[str], mrr: str
) -> None:
    run = billstats("stats", "--tenant", tenant.name, *RANGE, *options)
    assert run.exit_code == 0, run.stderr
    assert _rows(run.stdout)["MRR"][0] == mrr


@pytest.mark.parametrize(
    ("options", "code", "exit_code"),
    [
        (["--interval", "fortnight"], "invalid_request", 2),
        (["--start-date", "2026-07-01", "--end-date", "2026-06-30"], "invalid_request", 2),
        (["--start-date", "2020-01-01", "--interval", "day"], "too_many_buckets", 2),
        (["--product", "nope"], "not_found", 1),
        (["--currency", "XYZ"], "invalid_request", 2),
    ],
)
def test_bad_input_is_a_clear_error(
    billstats: Callable[..., Run],
    tenant: TenantCtx,
    options: list[str],
    code: str,
    exit_code: int,
) -> None:
    run = billstats("stats", "--tenant", tenant.name, *options)
    assert run.exit_code == exit_code
    assert run.error()["code"] == code
    assert run.stdout == ""


def test_unknown_tenant(billstats: Callable[..., Run], engine: Engine) -> None:
    run = billstats("stats", "--tenant", "no-such-tenant")
    assert run.exit_code == 1 and run.error()["code"] == "not_found"


def test_tenants_see_only_their_own_numbers(
    billstats: Callable[..., Run], tenant: TenantCtx, engine: Engine
) -> None:
    empty = make_tenant(engine)
    rows = _rows(billstats("stats", "--tenant", empty.name, *RANGE).stdout)
    assert rows["MRR"] == ["USD 0.00", "USD 0.00", "—"]
    assert rows["Paying customers"] == ["0", "0", "—"]
