"""The dashboard in headless Chromium: every number shown is the API's (and the hand-known one)."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import Route

from tests.dashboard import expect, seed
from tests.dashboard.conftest import Dashboard, Seeded

PARAMS = {"start_date": seed.START, "end_date": seed.END, "interval": "month"}
MONTHS = ["Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026"]


def test_every_panel_shows_the_apis_numbers(
    dashboard: Dashboard, seeded: Seeded, http: httpx.Client, output_dir: Path
) -> None:
    dashboard.open(PARAMS, key=seeded.token)
    page = dashboard.page
    dashboard.page.screenshot(path=str(output_dir / "dashboard.png"), full_page=True)

    # The page's own request for the cards and the two charts.
    assert dashboard.calls_to("/v1/metrics") == [
        {
            "metrics": [expect.OVERVIEW],
            "start_date": [seed.START],
            "end_date": [seed.END],
            "interval": ["month"],
            "livemode": ["true"],
        }
    ]
    body = expect.api(
        http, seeded.headers, "/v1/metrics", metrics=expect.OVERVIEW, livemode="true", **PARAMS
    )
    summary, entries = body["summary"], body["entries"]
    # Hand-known (see seed.py): what the API says is what the data says.
    assert summary["mrr"]["current"] == "180.00" and summary["arr"]["current"] == "2160.00"
    assert summary["customers"]["current"] == 2 and summary["arpa"]["current"] == "90.00"
    assert summary["sales"]["current"] == seed.SALES_TOTAL
    assert summary["refunds"]["current"] == seed.REFUNDS_TOTAL

    # KPI cards: the API's value, change and previous value, formatted.
    for metric, kind in expect.KPIS.items():
        card = page.locator(f'.kpi[data-metric="{metric}"]')
        kpi = summary[metric]
        value = card.locator(".value")
        assert value.get_attribute("data-value") == str(kpi["current"] or ""), metric
        assert value.inner_text() == expect.shown(kind, kpi["current"]), metric
        assert card.locator(".change .percent").inner_text() == expect.change(
            kpi["percentage_change"]
        )
        previous = card.locator(".previous")
        assert previous.inner_text() == f"previous period {expect.shown(kind, kpi['previous'])}"
    assert page.locator('.kpi[data-metric="mrr"] .value').inner_text() == "$180.00"
    assert page.locator('.kpi[data-metric="customers"] .value').inner_text() == "2"

    # MRR movements: stacked bars of the API's movements, the API's MRR line.
    mrr = dashboard.chart("mrr-chart")
    assert mrr["labels"] == MONTHS
    series = dashboard.series("mrr-chart")
    assert series["mrr"] == [e["mrr"] for e in entries] == seed.MRR_BY_MONTH
    for name in expect.MOVEMENTS:
        assert series[name] == [e[name] for e in entries], name
    assert series["new_business"] == seed.NEW_BUSINESS_BY_MONTH
    assert series["expansion"] == seed.EXPANSION_BY_MONTH
    assert series["churn"] == seed.CHURN_BY_MONTH
    plotted = {d["field"]: d["data"] for d in mrr["datasets"]}
    assert plotted["churn"] == [0, 0, 0, -50, 0, 0]  # drawn below the axis
    assert "fx_impact" not in series  # one currency: no exchange-rate line

    # Sales and refunds.
    sales = dashboard.series("sales-chart")
    for name in ("sales", "refunds", "net_revenue"):
        assert sales[name] == [e[name] for e in entries], name

    # Cohort heat map: the API's retention ratios cell by cell.
    cohorts = expect.api(
        http, seeded.headers, "/v1/metrics/cohorts", start_date=seed.START, end_date=seed.END
    )
    by_cohort = {c["cohort"]: c for c in cohorts["cohorts"] if c["customers"]}
    assert {k: [p["customer_retention"] for p in c["periods"]] for k, c in by_cohort.items()} == {
        "2026-01": ["1.000000", "0.000000", "1.000000", "1.000000", "1.000000", "1.000000"],
        "2026-02": ["1.000000", "0.500000", "0.000000", "0.500000", "0.000000"],
    }
    rows = page.locator("#cohort-table tbody tr[data-cohort]")
    assert rows.count() == len(by_cohort)
    for i in range(rows.count()):
        row = rows.nth(i)
        cohort = by_cohort[row.get_attribute("data-cohort") or ""]
        cells = row.locator("td.cell:not(.future)")
        values = [cells.nth(k).get_attribute("data-value") for k in range(cells.count())]
        assert values == [p["customer_retention"] for p in cohort["periods"]]
        texts = [cells.nth(k).inner_text() for k in range(cells.count())]
        assert texts == [expect.percent(p["customer_retention"]) for p in cohort["periods"]]
    all_row = page.locator("#cohort-table tr.all-cohorts td.cell:not(.future)")
    assert all_row.count() == len(cohorts["all_cohorts"])

    # Movement log: the API's page, newest first.
    log = expect.api(
        http,
        seeded.headers,
        "/v1/metrics/activities",
        start_date=seed.START,
        end_date=seed.END,
        livemode="true",
        limit="50",
    )
    moves = [(a["customer"]["id"], a["type"], a["amount"]) for a in log["data"]]
    assert moves == [
        ("c3", "churn", "50.00"),
        ("c1", "expansion", "50.00"),
        ("c3", "new_business", "50.00"),
        ("c2", "new_business", "30.00"),
        ("c1", "new_business", "100.00"),
    ]
    table = page.locator("#activity-table tbody tr")
    assert table.count() == len(moves)
    for i, (customer, kind, amount) in enumerate(moves):
        row = table.nth(i)
        assert (row.get_attribute("data-customer"), row.get_attribute("data-type")) == (
            customer,
            kind,
        )
        assert row.locator("td").nth(3).inner_text() == expect.usd(amount)
    assert table.nth(0).locator("td").nth(0).inner_text() == "Apr 15, 2026"
    assert table.nth(0).locator("td").nth(1).inner_text() == "Initech (c3)"

    # Partner view: calls per day by direction, as the calls metric counts them.
    calls = expect.api(
        http,
        seeded.headers,
        "/v1/metrics/calls",
        start_date=seed.START,
        end_date=seed.END,
        interval="day",
        livemode="true",
    )
    by_direction = dashboard.series("calls-chart")
    for direction in ("inbound", "outbound"):
        field = f"{direction}_calls"
        assert by_direction[field] == [e[field] for e in calls["entries"]]
    june = {e["date"]: (e["inbound_calls"], e["outbound_calls"]) for e in calls["entries"]}
    assert june["2026-06-01"] == (1, 1) and june["2026-06-02"] == (0, 2)

    # Top accounts by cost: the API's per-account summary, highest first.
    accounts = expect.api(
        http,
        seeded.headers,
        "/v1/metrics/call_accounts",
        start_date=seed.START,
        end_date=seed.END,
        interval="year",
        livemode="true",
    )["summary"]
    assert accounts["current"] == {"c1": "2.00", "c2": "0.60", "c3": "1.25"}
    top = page.locator("#accounts-table tbody tr")
    assert [top.nth(i).get_attribute("data-account") for i in range(top.count())] == [
        "c1",
        "c3",
        "c2",
    ]
    first = top.nth(0).locator("td")
    assert [first.nth(i).inner_text() for i in range(4)] == ["Acme (c1)", "$2.00", "$0.00", "—"]

    assert dashboard.errors() == []


def test_filters_change_the_charts_and_the_requests(
    dashboard: Dashboard, seeded: Seeded, http: httpx.Client, output_dir: Path
) -> None:
    dashboard.open(PARAMS, key=seeded.token)
    page = dashboard.page
    assert dashboard.chart("mrr-chart")["labels"] == MONTHS

    # Weekly buckets: a new request, and the chart redrawn from its answer.
    with dashboard.answer("/v1/metrics", "interval=week"):
        page.select_option("select[name=interval]", "week")
    dashboard.wait_ready()
    weekly = expect.api(
        http,
        seeded.headers,
        "/v1/metrics",
        metrics=expect.OVERVIEW,
        livemode="true",
        start_date=seed.START,
        end_date=seed.END,
        interval="week",
    )
    series = dashboard.series("mrr-chart")
    assert len(series["mrr"]) == len(weekly["entries"]) == 27
    assert series["mrr"] == [e["mrr"] for e in weekly["entries"]]
    assert dashboard.calls_to("/v1/metrics")[-1]["interval"] == ["week"]
    assert "interval=week" in page.url  # the filters are in the address (bookmarkable)

    # One product: Voice ends June at $50 (Acme's monthly plan).
    with dashboard.answer("/v1/metrics", "product_id=p2"):
        page.select_option("select[name=product_id]", "p2")
    dashboard.wait_ready()
    assert page.locator('.kpi[data-metric="mrr"] .value').inner_text() == "$50.00"
    for path in ("/v1/metrics", "/v1/metrics/cohorts", "/v1/metrics/activities"):
        assert dashboard.calls_to(path)[-1]["product_id"] == ["p2"], path

    # Test mode: Globex's test subscription only.
    page.select_option("select[name=product_id]", "")
    dashboard.wait_ready()
    with dashboard.answer("/v1/metrics", "livemode=false"):
        page.select_option("select[name=livemode]", "false")
    dashboard.wait_ready()
    test_mode = expect.api(
        http,
        seeded.headers,
        "/v1/metrics",
        metrics=expect.OVERVIEW,
        livemode="false",
        start_date=seed.START,
        end_date=seed.END,
        interval="week",
    )
    assert test_mode["summary"]["mrr"]["current"] == "50.00"
    card = page.locator('.kpi[data-metric="mrr"] .value')
    assert card.get_attribute("data-value") == "50.00" and card.inner_text() == "$50.00"
    # Call records are live data: the partner view is empty in test mode.
    assert page.locator("#partner-panel .empty").first.is_visible()

    # A native currency: the currency list comes from the tenant's plans.
    page.select_option("select[name=livemode]", "true")
    dashboard.wait_ready()
    with dashboard.answer("/v1/metrics", "currency=USD"):
        page.select_option("select[name=currency]", "USD")
    dashboard.wait_ready()
    assert page.locator('.kpi[data-metric="mrr"] .value').inner_text() == "$180.00"

    # A custom range: months of one quarter.
    page.fill("input[name=start_date]", "2026-04-01")
    with dashboard.answer("/v1/metrics", "start_date=2026-04-01"):
        page.locator("input[name=start_date]").dispatch_event("change")
    dashboard.wait_ready()
    assert page.locator("select[name=preset]").input_value() == "custom"
    page.screenshot(path=str(output_dir / "filtered.png"), full_page=True)
    assert dashboard.errors() == []


def test_movement_log_search_and_type(
    dashboard: Dashboard, seeded: Seeded, http: httpx.Client
) -> None:
    dashboard.open(PARAMS, key=seeded.token)
    page = dashboard.page
    with dashboard.answer("/v1/metrics/activities", "q=glob"):
        page.fill("#activity-search", "glob")
    dashboard.wait_ready()
    rows = page.locator("#activity-table tbody tr")
    assert [rows.nth(i).get_attribute("data-customer") for i in range(rows.count())] == ["c2"]

    with dashboard.answer("/v1/metrics/activities"):
        page.fill("#activity-search", "")
    dashboard.wait_ready()
    assert rows.count() == 5
    with dashboard.answer("/v1/metrics/activities", "type=new_business"):
        page.select_option("#activity-type", "new_business")
    dashboard.wait_ready()
    assert [rows.nth(i).get_attribute("data-type") for i in range(rows.count())] == [
        "new_business"
    ] * 3

    with dashboard.answer("/v1/metrics/activities", "q=nobody"):
        page.fill("#activity-search", "nobody")
    dashboard.wait_ready()
    assert rows.count() == 0
    assert page.locator("#activity-panel .empty").is_visible()
    assert dashboard.errors() == []


def test_partner_view_narrows_to_a_partner(
    dashboard: Dashboard, seeded: Seeded, http: httpx.Client
) -> None:
    dashboard.open(PARAMS, key=seeded.token)
    page = dashboard.page
    with dashboard.answer("/v1/metrics/calls", "partner_id=pa1"):
        page.select_option("#partner", "pa1")
    dashboard.wait_ready()
    calls = expect.api(
        http,
        seeded.headers,
        "/v1/metrics/calls",
        start_date=seed.START,
        end_date=seed.END,
        interval="day",
        livemode="true",
        partner_id="pa1",
    )
    series = dashboard.series("calls-chart")
    assert series["outbound_calls"] == [e["outbound_calls"] for e in calls["entries"]]
    june = {e["date"]: e["outbound_calls"] for e in calls["entries"]}
    assert june["2026-06-02"] == 1 and june["2026-06-03"] == 0  # Acme is no account of pa1
    top = page.locator("#accounts-table tbody tr")
    assert [top.nth(i).get_attribute("data-account") for i in range(top.count())] == ["c3", "c2"]
    assert top.nth(1).locator("td").nth(1).get_attribute("data-value") == "0.60"
    assert dashboard.errors() == []


def test_movement_log_csv_is_the_apis_export(
    dashboard: Dashboard, seeded: Seeded, http: httpx.Client
) -> None:
    dashboard.open(PARAMS, key=seeded.token)
    with dashboard.page.expect_download() as info:
        dashboard.page.click("#activity-csv")
    download = info.value
    assert download.suggested_filename == f"movements-{seed.START}-{seed.END}.csv"
    saved = Path(download.path()).read_bytes()
    params = {"start_date": seed.START, "end_date": seed.END, "livemode": "true", "format": "csv"}
    export = http.get("/v1/metrics/activities", params=params, headers=seeded.headers)
    assert export.status_code == 200
    assert saved == export.content  # byte for byte, CRLF line ends included
    assert saved.splitlines()[1] == b"2026-04-15,c3,Initech,USD,churn,50.00,50.00,0.00,s4"
    assert dashboard.errors() == []


def test_movement_log_pages_with_the_apis_cursor(
    dashboard: Dashboard, seeded: Seeded, http: httpx.Client
) -> None:
    """Pages of two entries (the page's limit rewritten on the way): Load more follows
    next_cursor until the log ends."""
    page = dashboard.page

    def two_per_page(route: Route) -> None:
        route.continue_(url=route.request.url.replace("limit=25", "limit=2"))

    page.route("**/v1/metrics/activities?*", two_per_page)
    dashboard.open(PARAMS, key=seeded.token)
    rows = page.locator("#activity-table tbody tr")
    more = page.locator("#activity-more")
    assert rows.count() == 2 and more.is_visible()
    for shown in (4, 5):
        with dashboard.answer("/v1/metrics/activities", "limit=2"):
            more.click()
        rows.nth(shown - 1).wait_for()  # appended once the answer is read
        assert rows.count() == shown
    assert more.is_hidden()
    cursors = [q.get("cursor") for q in dashboard.calls_to("/v1/metrics/activities")]
    assert cursors[0] is None and all(cursors[1:])
    log = expect.api(
        http,
        seeded.headers,
        "/v1/metrics/activities",
        start_date=seed.START,
        end_date=seed.END,
        livemode="true",
    )
    ids = [(a["customer"]["id"], a["type"]) for a in log["data"]]
    shown_ids = [
        (rows.nth(i).get_attribute("data-customer"), rows.nth(i).get_attribute("data-type"))
        for i in range(rows.count())
    ]
    assert shown_ids == ids
    assert dashboard.errors() == []
