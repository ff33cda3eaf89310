"""PUT /v1/<kind>/<id> for every kind: created, unchanged, updated (or 409), stored exactly."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine, func, select

from billstats.db import tables as t
from billstats.db.dialect import read_transaction
from tests.conftest import TenantCtx
from tests.ingest.test_payloads import CASE_IDS, CASES, Case, seed


@pytest.fixture
def seeded(api: httpx.Client) -> httpx.Client:
    seed(api)
    return api


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_new_record_is_created_and_read_back_exactly(seeded: httpx.Client, case: Case) -> None:
    response = seeded.put(case.url, json=case.new)
    assert response.status_code == 201
    assert response.json() == {"result": "created", "data": case.stored}
    got = seeded.get(case.url)
    assert got.status_code == 200
    assert got.json() == case.stored


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_same_payload_again_is_unchanged(seeded: httpx.Client, case: Case) -> None:
    assert seeded.put(case.url, json=case.new).status_code == 201
    again = seeded.put(case.url, json=case.new)
    assert again.status_code == 200
    assert again.json() == {"result": "unchanged", "data": case.stored}


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_same_values_spelled_differently_are_unchanged(seeded: httpx.Client, case: Case) -> None:
    """ "10" and "10.00", usd and USD, -05:00 and Z name the same values."""
    assert seeded.put(case.url, json=case.new).status_code == 201
    url = f"/v1/{case.kind}/{case.respelled_path or case.path}"
    again = seeded.put(url, json=case.respelled)
    assert again.status_code == 200
    assert again.json() == {"result": "unchanged", "data": case.stored}
    assert seeded.get(case.url).json() == case.stored


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if not c.append_only],
    ids=[c.kind for c in CASES if not c.append_only],
)
def test_different_payload_updates(seeded: httpx.Client, case: Case) -> None:
    assert seeded.put(case.url, json=case.new).status_code == 201
    changed = seeded.put(case.url, json=case.changed)
    assert changed.status_code == 200
    assert changed.json() == {"result": "updated", "data": case.stored_changed}
    assert seeded.get(case.url).json() == case.stored_changed
    # ... and the update is itself idempotent.
    again = seeded.put(case.url, json=case.changed)
    assert again.json() == {"result": "unchanged", "data": case.stored_changed}


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.append_only], ids=[c.kind for c in CASES if c.append_only]
)
def test_append_only_conflict_is_409_and_changes_nothing(seeded: httpx.Client, case: Case) -> None:
    assert seeded.put(case.url, json=case.new).status_code == 201
    conflict = seeded.put(case.url, json=case.changed)
    assert conflict.status_code == 409
    assert conflict.json() == {
        "error": {
            "code": "conflict",
            "message": f"{case.kind} {case.path} already exists with different content; "
            f"{case.kind} are append-only",
        }
    }
    assert seeded.get(case.url).json() == case.stored
    listing = seeded.get(f"/v1/{case.kind}").json()
    assert listing["data"] == [case.stored]


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.keyed_by_id], ids=[c.kind for c in CASES if c.keyed_by_id]
)
def test_body_id_equal_to_url_id_is_accepted(seeded: httpx.Client, case: Case) -> None:
    response = seeded.put(case.url, json={"id": case.path, **case.new})
    assert response.status_code == 201
    assert response.json() == {"result": "created", "data": case.stored}


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.keyed_by_id], ids=[c.kind for c in CASES if c.keyed_by_id]
)
def test_body_id_different_from_url_id_is_422(seeded: httpx.Client, case: Case) -> None:
    response = seeded.put(case.url, json={**case.new, "id": "something-else"})
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "validation_error",
            "message": "1 problem found; nothing was written",
            "problems": [
                {"path": "id", "code": "id_mismatch", "message": "body id differs from the URL"}
            ],
        }
    }
    assert seeded.get(case.url).status_code == 404
    assert seeded.get(f"/v1/{case.kind}/something-else").status_code == 404


def test_fx_rate_body_cannot_carry_its_key(seeded: httpx.Client) -> None:
    """The key of an exchange rate is the URL; the body holds only the rate."""
    response = seeded.put("/v1/fx_rates/EUR/2025-01-31", json={"rate": "1.1", "currency": "EUR"})
    assert response.status_code == 422
    assert response.json()["error"]["problems"] == [
        {
            "path": "data.currency",
            "code": "extra_forbidden",
            "message": "Extra inputs are not permitted",
        },
    ]
    assert seeded.get("/v1/fx_rates/EUR/2025-01-31").status_code == 404


def test_get_unknown_record_is_404(api: httpx.Client) -> None:
    response = api.get("/v1/customers/nobody")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "no customers nobody"}}
    fx = api.get("/v1/fx_rates/EUR/2025-01-31")
    assert fx.status_code == 404
    assert fx.json() == {"error": {"code": "not_found", "message": "no fx_rates EUR/2025-01-31"}}


def test_invoice_lines_are_replaced_not_appended(seeded: httpx.Client) -> None:
    case = next(c for c in CASES if c.kind == "invoices")
    assert seeded.put(case.url, json=case.new).status_code == 201
    one_line = {
        **case.new,
        "lines": [{"type": "one_time", "amount": "9"}],
        "tax_amount": "0",
        "total": "9",
    }
    response = seeded.put(case.url, json=one_line)
    assert response.status_code == 200
    assert response.json()["result"] == "updated"
    assert seeded.get(case.url).json()["lines"] == [
        {
            "type": "one_time",
            "description": None,
            "amount": "9.00",
            "quantity": None,
            "metric_code": None,
            "period_start": None,
            "period_end": None,
        },
    ]
    no_lines = {**one_line, "lines": [], "total": "0"}
    assert seeded.put(case.url, json=no_lines).json()["result"] == "updated"
    assert seeded.get(case.url).json()["lines"] == []
    assert seeded.put(case.url, json=no_lines).json()["result"] == "unchanged"


def test_stored_rows_hold_micro_units_and_utc(
    seeded: httpx.Client, engine: Engine, tenant: TenantCtx
) -> None:
    """Storage, not just the rendering: integers in micro-units, aware UTC timestamps."""
    case = next(c for c in CASES if c.kind == "payments")
    assert (
        seeded.put(
            case.url, json={**case.new, "created_at": "2025-01-31T23:30:00-05:00"}
        ).status_code
        == 201
    )
    with read_transaction(engine) as conn:
        row = (
            conn.execute(
                select(t.payments).where(
                    t.payments.c.tenant_id == tenant.id, t.payments.c.id == "pay2"
                )
            )
            .mappings()
            .one()
        )
        lines = conn.execute(
            select(func.count())
            .select_from(t.invoice_lines)
            .where(t.invoice_lines.c.tenant_id == tenant.id)
        ).scalar_one()
    assert (row["amount"], row["fee_amount"], row["affiliate_commission"]) == (
        10_000_000,
        590_000,
        1_500_000,
    )
    assert row["created_at"].isoformat() == "2025-02-01T04:30:00+00:00"
    assert lines == 1  # the seeded invoice's single line


def test_unchanged_write_does_not_touch_the_row(
    seeded: httpx.Client, engine: Engine, tenant: TenantCtx
) -> None:
    case = next(c for c in CASES if c.kind == "subscriptions")
    assert seeded.put(case.url, json=case.new).status_code == 201
    for _ in range(3):
        assert seeded.put(case.url, json=case.respelled).json()["result"] == "unchanged"
    with read_transaction(engine) as conn:
        versions = conn.execute(
            select(func.count())
            .select_from(t.subscription_versions)
            .where(
                t.subscription_versions.c.tenant_id == tenant.id,
                t.subscription_versions.c.subscription_id == "sub2",
            )
        ).scalar_one()
    assert versions == 1
