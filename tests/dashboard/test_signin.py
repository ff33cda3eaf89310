"""Signing in: the key from the link's fragment or the form, kept in the tab's session only."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from billstats.auth.service import create_key, revoke_key
from billstats.db.dialect import write_transaction
from tests.conftest import make_tenant
from tests.dashboard import seed
from tests.dashboard.conftest import Dashboard, Seeded

KEY = "billstats.apiKey"
REFUSED = r"status of 40[13]"  # the browser logs the refused request itself


def test_link_signs_in_and_leaves_no_key_in_the_address(
    dashboard: Dashboard, seeded: Seeded
) -> None:
    dashboard.open({"start_date": seed.START, "end_date": seed.END}, key=seeded.token)
    page = dashboard.page
    assert page.locator("#app").is_visible() and page.locator("#signin").is_hidden()
    assert seeded.token not in page.url and "#" not in page.url and "key=" not in page.url
    assert page.evaluate(f"sessionStorage.getItem('{KEY}')") == seeded.token
    assert page.evaluate("localStorage.length") == 0
    assert page.evaluate("document.cookie") == ""
    assert page.locator("#tenant").inner_text() == f"{seeded.tenant.name} · UTC · USD"
    # Every API call carried the key as a bearer token (and only there).
    assert dashboard.api_calls and all(seeded.token not in url for url in dashboard.api_calls)

    # A reload keeps the session; signing out forgets the key.
    page.reload()
    dashboard.wait_ready()
    assert page.locator("#app").is_visible()
    page.click("#sign-out")
    assert page.locator("#signin").is_visible()
    assert page.evaluate(f"sessionStorage.getItem('{KEY}')") is None
    assert dashboard.errors() == []


def test_a_new_tab_does_not_inherit_the_key(dashboard: Dashboard, seeded: Seeded) -> None:
    dashboard.open(key=seeded.token)
    other = dashboard.page.context.new_page()
    other.goto(f"{dashboard.base}/dashboard")
    other.wait_for_selector("body[data-state=signin]", state="attached")
    assert other.locator("#signin").is_visible()
    other.close()


def test_form_refuses_a_bad_key_then_signs_in(dashboard: Dashboard, seeded: Seeded) -> None:
    page = dashboard.page
    page.goto(f"{dashboard.base}/dashboard")
    page.wait_for_selector("body[data-state=signin]", state="attached")
    assert page.locator("#signin").is_visible() and page.locator("#app").is_hidden()

    page.fill("#api-key", "bk_nosuchkey000000.secret")
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#signin-error:has-text('refused')")
    assert page.evaluate(f"sessionStorage.getItem('{KEY}')") is None

    page.fill("#api-key", f"  {seeded.token}  ")
    page.click("#signin-form button[type=submit]")
    dashboard.wait_ready()
    assert page.locator("#app").is_visible()
    assert page.locator("#api-key").input_value() == ""
    assert page.evaluate(f"sessionStorage.getItem('{KEY}')") == seeded.token
    assert dashboard.errors(allowed=REFUSED) == []
    assert len(dashboard.errors()) == 1  # the one refused request


def test_a_key_without_analytics_read_is_explained(
    dashboard: Dashboard, seeded: Seeded, engine: Engine
) -> None:
    with write_transaction(engine) as conn:
        writer = create_key(conn, seeded.tenant.id, ["ingest:write"])
    dashboard.page.goto(f"{dashboard.base}/dashboard#key={writer['token']}")
    dashboard.page.wait_for_selector("body[data-state=signin]", state="attached")
    assert "analytics:read" in dashboard.page.locator("#signin-error").inner_text()
    assert dashboard.errors(allowed=REFUSED) == []


def test_a_revoked_key_signs_the_viewer_out(
    dashboard: Dashboard, seeded: Seeded, engine: Engine, http: httpx.Client
) -> None:
    with write_transaction(engine) as conn:
        key = create_key(conn, seeded.tenant.id, ["analytics:read"])
    dashboard.open({"start_date": seed.START, "end_date": seed.END}, key=key["token"])
    with write_transaction(engine) as conn:
        revoke_key(conn, seeded.tenant.id, key["key_id"])
    page = dashboard.page
    page.select_option("select[name=interval]", "week")
    page.wait_for_selector("body[data-state=signin]", state="attached")
    assert "refused" in page.locator("#signin-error").inner_text()
    assert page.evaluate(f"sessionStorage.getItem('{KEY}')") is None
    assert dashboard.errors(allowed=REFUSED) == []


def test_another_tenants_key_shows_only_that_tenant(
    dashboard: Dashboard, seeded: Seeded, engine: Engine, http: httpx.Client
) -> None:
    other = make_tenant(engine, currency="EUR")
    put = http.put("/v1/products/other", json={"name": "Other product"}, headers=other.headers)
    assert put.status_code == 201
    dashboard.open({"start_date": seed.START, "end_date": seed.END}, key=seeded.token)
    page = dashboard.page
    products = page.locator("select[name=product_id] option")
    assert products.all_inner_texts() == ["All products", "Analytics", "Voice"]
    assert page.locator("#partner option").all_inner_texts() == ["All accounts", "Reseller One"]

    page.click("#sign-out")
    page.fill("#api-key", other.token)
    page.click("#signin-form button[type=submit]")
    dashboard.wait_ready()
    assert page.locator("#tenant").inner_text() == f"{other.name} · UTC · EUR"
    assert products.all_inner_texts() == ["All products", "Other product"]
    assert page.locator("#partner option").all_inner_texts() == ["All accounts"]
    assert page.locator("select[name=currency] option").all_inner_texts() == ["All, in EUR"]
    mrr = page.locator('.kpi[data-metric="mrr"] .value')
    assert mrr.get_attribute("data-value") == "0.00" and mrr.inner_text() == "€0.00"
    assert page.locator("#activity-table tbody tr").count() == 0
    assert dashboard.errors() == []
