"""What one tenant's credentials can read: every read endpoint, with every filter.

``Access`` holds a tenant's credentials of every kind (admin key, read-only key for HTTP Basic and
Bearer, an OAuth access token, a portal token per customer, a partner credential per partner).
``admin_view`` / ``vendor_view`` call every read endpoint and return ``{request: (status, body)}``;
the test compares two views taken at different moments (the other tenant's writes in between
must change nothing). ``admin_view`` also checks each native listing against a from-scratch
filter of the records the tenant itself holds (``GET /v1/<kind>/<id>`` of every id it wrote).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from billstats.ingest.kinds import KINDS
from billstats.metrics.catalog import REGISTRY
from tests.conftest import TenantCtx
from tests.reliability.isolation_data import CURRENCIES, Ledger

View = dict[str, tuple[int, Any]]
RANGE = {"start_date": "2025-01-01", "end_date": "2025-03-31"}
SINCE, UNTIL = "2025-02-01T00:00:00+00:00", "2025-03-01T00:00:00+00:00"
METRICS = ",".join(sorted(REGISTRY))
TIME_COLUMNS = {k.name: k.time_column for k in KINDS.values() if k.time_column}


@dataclass
class Credential:
    auth_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Auth-ID": self.auth_id, "X-Auth-Token": self.token}


@dataclass
class Access:
    tenant: TenantCtx
    ledger: Ledger
    reader: tuple[str, str]  # an analytics:read key: (key_id, secret)
    portal: dict[str, str] = field(default_factory=dict)  # customer id -> portal token
    partners: dict[str, Credential] = field(default_factory=dict)
    activity_cursor: str | None = None  # a cursor of this tenant's movement log
    late_done: bool = False  # the ledger's late writes are in

    def keys(self, kind: str) -> set[str]:
        return self.ledger.keys(kind, late=self.late_done)

    @property
    def headers(self) -> dict[str, str]:
        return self.tenant.headers

    @property
    def reader_bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.reader[0]}.{self.reader[1]}"}


def body_of(response: httpx.Response) -> Any:
    kind = response.headers.get("content-type", "")
    if "json" in kind:
        return _stable(response.json())
    return response.text


def _stable(body: Any) -> Any:
    """The body without what differs on every call by design: a Vobiz error's request id and
    time."""
    if isinstance(body, dict) and body.get("status") == "error" and "requestId" in body:
        return {k: v for k, v in body.items() if k not in ("requestId", "timestamp")}
    return body


class Recorder:
    """Sends GETs/POSTs and records (status, body) under a readable label."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.view: View = {}

    def get(self, label: str, path: str, **kwargs: Any) -> Any:
        response = self.client.get(path, **kwargs)
        return self._keep(label, response)

    def post(self, label: str, path: str, **kwargs: Any) -> Any:
        response = self.client.post(path, **kwargs)
        return self._keep(label, response)

    def _keep(self, label: str, response: httpx.Response) -> Any:
        assert response.status_code < 500, (label, response.status_code, response.text)
        assert label not in self.view, f"label {label!r} used twice"
        body = body_of(response)
        self.view[label] = (response.status_code, body)
        return body


# -- native records -----------------------------------------------------------------------------


def _path(kind: str, key: str) -> str:
    return f"/v1/{kind}/{key}"


def _record_key(kind: str, record: dict[str, Any]) -> str:
    return f"{record['currency']}/{record['date']}" if kind == "fx_rates" else str(record["id"])


def _matches(record: dict[str, Any], name: str, value: str) -> bool:
    stored = record.get(name)
    if isinstance(stored, bool):
        return value == ("true" if stored else "false")
    return stored is not None and str(stored) == value


def _in_window(record: dict[str, Any], column: str) -> bool:
    from datetime import datetime

    at = datetime.fromisoformat(record[column])
    return datetime.fromisoformat(SINCE) <= at < datetime.fromisoformat(UNTIL)


def native_records(rec: Recorder, access: Access, other: Ledger) -> None:
    """GET of every record, and every listing with every filter; each listing's ids are checked
    against the tenant's own records filtered from scratch."""
    headers = access.headers
    for kind_name, kind in KINDS.items():
        records: dict[str, dict[str, Any]] = {}
        for key in sorted(access.keys(kind_name)):
            body = rec.get(f"GET {kind_name}/{key}", _path(kind_name, key), headers=headers)
            assert rec.view[f"GET {kind_name}/{key}"][0] == 200, body
            records[key] = body
        listing = rec.get(
            f"LIST {kind_name}", f"/v1/{kind_name}", params={"limit": 500}, headers=headers
        )
        assert [_record_key(kind_name, r) for r in listing["data"]] == sorted(records)
        assert listing["data"] == [records[k] for k in sorted(records)], kind_name
        _walk_pages(rec, kind_name, headers, sorted(records))
        for name in kind.filters:
            for value in _filter_values(kind_name, name, records, access, other):
                label = f"LIST {kind_name}?{name}={value}"
                page = rec.get(
                    label, f"/v1/{kind_name}", params={name: value, "limit": 500}, headers=headers
                )
                expected = [k for k in sorted(records) if _matches(records[k], name, value)]
                assert [_record_key(kind_name, r) for r in page["data"]] == expected, label
        column = TIME_COLUMNS.get(kind_name)
        if column:
            label = f"LIST {kind_name}?since&until"
            page = rec.get(
                label,
                f"/v1/{kind_name}",
                params={"since": SINCE, "until": UNTIL, "limit": 500},
                headers=headers,
            )
            expected = [k for k in sorted(records) if _in_window(records[k], column)]
            assert [_record_key(kind_name, r) for r in page["data"]] == expected, label
    for sub in sorted(access.keys("subscriptions")):
        history = rec.get(f"history {sub}", f"/v1/subscriptions/{sub}/history", headers=headers)
        assert history["data"] and all(v["id"] == sub for v in history["data"]), history
    for partner in sorted(access.keys("partners")):
        rec.get(f"credentials {partner}", f"/v1/partners/{partner}/credentials", headers=headers)
    rec.get("tenant", "/v1/tenant", headers=headers)


def _walk_pages(rec: Recorder, kind: str, headers: dict[str, str], expected: list[str]) -> None:
    seen: list[str] = []
    cursor: str | None = None
    for n in range(len(expected) // 3 + 2):
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = rec.get(f"PAGE {kind} {n}", f"/v1/{kind}", params=params, headers=headers)
        seen += [_record_key(kind, r) for r in page["data"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == expected, kind


def _filter_values(
    kind: str, name: str, records: dict[str, dict[str, Any]], own: Access, other: Ledger
) -> list[str]:
    """Every value the tenant's own records have for the filter, and for reference filters the
    ids only the other tenant has (they must list nothing here)."""
    values: set[str] = set()
    for record in records.values():
        value = record.get(name)
        if isinstance(value, bool):
            values.add("true" if value else "false")
        elif value is not None:
            values.add(str(value))
    ref = next((r.target for r in KINDS[kind].refs if r.field == name), None)
    if ref is None and name == "account_id":
        ref = "customers"
    if ref is not None:
        values |= other.keys(ref) - own.keys(ref)
    if name == "currency":
        values |= set(CURRENCIES)
    return sorted(values)


# -- native metrics -----------------------------------------------------------------------------


def native_metrics(rec: Recorder, access: Access) -> None:
    """``/v1/metrics`` (all metrics) under every filter, the movement log, cohorts, and every
    customer's metrics."""
    headers = access.headers
    ledger = access.ledger
    base = {**RANGE, "metrics": METRICS, "interval": "week"}
    variants: list[dict[str, str]] = [{}, {"interval": "month"}, {"livemode": "false"}]
    variants += [{"currency": c} for c in CURRENCIES]
    variants += [{"product_id": p} for p in sorted(access.keys("products"))]
    variants += [{"plan_id": p} for p in sorted(access.keys("plans"))]
    variants += [{"partner_id": p} for p in sorted(access.keys("partners"))]
    for extra in variants:
        label = "metrics " + ",".join(f"{k}={v}" for k, v in extra.items())
        rec.get(label, "/v1/metrics", params={**base, **extra}, headers=headers)
    rec.get("metric mrr", "/v1/metrics/mrr", params=RANGE, headers=headers)

    log: list[dict[str, str]] = [{}, {"livemode": "false"}, {"type": "churn,new_business"}]
    log += [{"q": ledger.marker}, {"q": "cus"}, {"format": "csv"}]
    log += [{"currency": c} for c in CURRENCIES]
    log += [{"customer_id": c} for c in sorted(access.keys("customers"))]
    log += [{"product_id": p} for p in sorted(access.keys("products"))]
    log += [{"plan_id": p} for p in sorted(access.keys("plans"))]
    for extra in log:
        label = "activities " + ",".join(f"{k}={v}" for k, v in extra.items())
        rec.get(label, "/v1/metrics/activities", params={**RANGE, **extra}, headers=headers)
    whole = rec.view["activities "][1]["data"]
    seen: list[Any] = []
    cursor: str | None = None
    for n in range(len(whole) + 1):
        params = {**RANGE, "limit": 1, **({"cursor": cursor} if cursor else {})}
        page = rec.get(
            f"activities page {n}", "/v1/metrics/activities", params=params, headers=headers
        )
        seen += page["data"]
        cursor = page["next_cursor"]
        if n == 0:
            access.activity_cursor = cursor
        if not page["has_more"]:
            break
    assert seen == whole

    cohorts: list[dict[str, str]] = [{}, {"livemode": "false"}]
    cohorts += [{"currency": c} for c in CURRENCIES]
    cohorts += [{"product_id": p} for p in sorted(access.keys("products"))]
    for extra in cohorts:
        label = "cohorts " + ",".join(f"{k}={v}" for k, v in extra.items())
        rec.get(label, "/v1/metrics/cohorts", params={**RANGE, **extra}, headers=headers)
    for customer in sorted(access.keys("customers")):
        path = f"/v1/customers/{customer}/metrics"
        rec.get(
            f"customer {customer}", path, params={**RANGE, "interval": "month"}, headers=headers
        )


# -- vendor surfaces ----------------------------------------------------------------------------


def pabbly(rec: Recorder, access: Access) -> None:
    windows: list[dict[str, str]] = [
        {"interval": "custom", **RANGE},
        {"interval": "all_time"},
        {"interval": "this_month"},
        {"interval": "last_30_days"},
    ]
    for product in ["all", *sorted(access.keys("products"))]:
        for window in windows:
            label = f"pabbly {product} {window['interval']}"
            body = {"product_id": product, **window}
            rec.post(label, "/api/v2/getdashboardstats", json=body, auth=access.reader)


def fynn(rec: Recorder, access: Access) -> None:
    for currency in ["", *CURRENCIES]:
        params = {"from": RANGE["start_date"], "to": RANGE["end_date"], "limit": 100}
        if currency:
            params["currency"] = currency
        path = "/analytics/subscription-revenue"
        rec.get(f"fynn {currency}", path, params=params, headers=access.reader_bearer)
    rec.get("fynn default", "/analytics/subscription-revenue", headers=access.reader_bearer)


def devkit(rec: Recorder, client: httpx.Client, access: Access) -> None:
    key_id, secret = access.reader
    form = {"grant_type": "client_credentials", "client_id": key_id, "client_secret": secret}
    response = client.post("/api/v1/auth/token", data=form)
    assert response.status_code == 200, response.text
    bearer = {"Authorization": f"Bearer {response.json()['access_token']}"}
    for mode in ("true", "false"):
        params = {"test_mode": mode}
        rec.get(f"devkit {mode}", "/api/v1/payments/stats", params=params, headers=bearer)


def portal(rec: Recorder, access: Access, customers: list[str] | None = None) -> None:
    for customer in customers if customers is not None else sorted(access.portal):
        params = {"token": access.portal[customer]}
        rec.get(f"portal {customer}", "/portal/dashboard_summary", params=params)


def vobiz(rec: Recorder, access: Access, partners: list[str] | None = None) -> None:
    for partner in partners if partners is not None else sorted(access.partners):
        headers = access.partners[partner].headers
        rec.get(f"vobiz dashboard {partner}", "/api/v1/partner/dashboard", headers=headers)
        params = {"from_date": RANGE["start_date"], "to_date": RANGE["end_date"]}
        path = "/api/v1/partner/analytics"
        rec.get(f"vobiz analytics {partner}", path, params=params, headers=headers)


def full_view(client: httpx.Client, access: Access, other: Ledger) -> View:
    """Everything the tenant's credentials read."""
    rec = Recorder(client)
    native_records(rec, access, other)
    native_metrics(rec, access)
    pabbly(rec, access)
    fynn(rec, access)
    devkit(rec, client, access)
    portal(rec, access)
    vobiz(rec, access)
    return rec.view


def headline_view(client: httpx.Client, access: Access) -> View:
    """Every listing without filters and the metrics: what ``full_view`` records under the same
    labels, cheaply (to see that the tenant's own writes do show)."""
    rec = Recorder(client)
    for kind in KINDS:
        page = {"limit": 500}
        rec.get(f"LIST {kind}", f"/v1/{kind}", params=page, headers=access.headers)
    params = {**RANGE, "metrics": METRICS, "interval": "week"}
    rec.get("metrics ", "/v1/metrics", params=params, headers=access.headers)
    return rec.view


def watched_view(client: httpx.Client, access: Access) -> View:
    """What the watched partner's credential and the watched customer's portal token read, and
    the admin key's answers narrowed to that partner or customer."""
    rec = Recorder(client)
    partner, customer = access.ledger.watched_partner, access.ledger.watched_customer
    portal(rec, access, [customer])
    vobiz(rec, access, [partner])
    headers = access.headers
    narrowed = [
        ("customers", "partner_id", partner),
        ("call_records", "account_id", customer),
        ("subscriptions", "customer_id", customer),
        ("invoices", "customer_id", customer),
        ("payments", "customer_id", customer),
        ("usage_events", "customer_id", customer),
        ("wallets", "customer_id", customer),
    ]
    for kind, name, value in narrowed:
        params = {name: value, "limit": 500}
        rec.get(f"LIST {kind}?{name}={value}", f"/v1/{kind}", params=params, headers=headers)
    params = {**RANGE, "partner_id": partner}
    rec.get("calls of the partner", "/v1/metrics/calls", params=params, headers=headers)
    params = {**RANGE, "customer_id": customer}
    rec.get("activities of the customer", "/v1/metrics/activities", params=params, headers=headers)
    path = f"/v1/customers/{customer}/metrics"
    rec.get("customer metrics", path, params={**RANGE, "interval": "month"}, headers=headers)
    return rec.view
