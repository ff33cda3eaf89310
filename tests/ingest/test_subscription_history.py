"""Subscription versions: effective times, backdating, the mirrored row, idempotent re-sends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.ingest.test_payloads import T0, seed

JAN, FEB, MAR, APR = (f"2025-0{m}-01T00:00:00+00:00" for m in (1, 2, 3, 4))

SUB: dict[str, Any] = {
    "customer_id": "cus",
    "plan_id": "plan",
    "status": "active",
    "started_at": T0,
}


@pytest.fixture
def seeded(api: httpx.Client) -> httpx.Client:
    seed(api)
    return api


def _history(client: httpx.Client, sub_id: str = "s1") -> list[dict[str, Any]]:
    response = client.get(f"/v1/subscriptions/{sub_id}/history")
    assert response.status_code == 200, response.text
    versions: list[dict[str, Any]] = response.json()["data"]
    for v in versions:
        recorded = datetime.fromisoformat(v["recorded_at"])
        assert recorded.utcoffset() is not None and recorded.utcoffset().total_seconds() == 0
    return versions


def _summary(versions: list[dict[str, Any]]) -> list[tuple[int, str, str, int]]:
    return [(v["version"], v["effective_at"], v["status"], v["quantity"]) for v in versions]


def _put(client: httpx.Client, body: dict[str, Any], sub_id: str = "s1") -> dict[str, Any]:
    response = client.put(f"/v1/subscriptions/{sub_id}", json=body)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def test_first_version_takes_effect_at_started_at(seeded: httpx.Client) -> None:
    body = {**SUB, "started_at": "2024-06-15T12:00:00+02:00"}
    out = _put(seeded, body)
    assert out["result"] == "created"
    assert (out["data"]["effective_at"], out["data"]["version"]) == ("2024-06-15T10:00:00+00:00", 1)
    history = _history(seeded)
    assert len(history) == 1
    version = dict(history[0])
    version.pop("recorded_at")
    assert version == {
        "id": "s1",
        "version": 1,
        "effective_at": "2024-06-15T10:00:00+00:00",
        "customer_id": "cus",
        "plan_id": "plan",
        "currency": "USD",
        "quantity": 1,
        "status": "active",
        "started_at": "2024-06-15T10:00:00+00:00",
        "trial_ends_at": None,
        "cancelled_at": None,
        "ended_at": None,
        "affiliate_id": None,
        "livemode": True,
        "discount": None,
    }


def test_first_version_with_explicit_effective_at(seeded: httpx.Client) -> None:
    out = _put(seeded, {**SUB, "effective_at": "2025-01-10T00:00:00-05:00"})
    assert out["data"]["effective_at"] == "2025-01-10T05:00:00+00:00"
    assert _summary(_history(seeded)) == [(1, "2025-01-10T05:00:00+00:00", "active", 1)]


def test_later_changes_and_a_backdated_change_in_between(seeded: httpx.Client) -> None:
    _put(seeded, SUB)
    out = _put(seeded, {**SUB, "quantity": 3, "effective_at": MAR})
    assert out["result"] == "updated"
    assert (out["data"]["version"], out["data"]["quantity"], out["data"]["effective_at"]) == (
        2,
        3,
        MAR,
    )

    # Backdated between v1 and v2: recorded as v3, listed in effective order, and the row keeps
    # mirroring the latest-by-effective_at version (v2).
    out = _put(seeded, {**SUB, "quantity": 2, "effective_at": FEB})
    assert out["result"] == "updated"
    assert (out["data"]["version"], out["data"]["quantity"], out["data"]["effective_at"]) == (
        2,
        3,
        MAR,
    )
    assert _summary(_history(seeded)) == [
        (1, JAN, "active", 1),
        (3, FEB, "active", 2),
        (2, MAR, "active", 3),
    ]
    assert seeded.get("/v1/subscriptions/s1").json() == out["data"]

    # A change after the last one becomes the mirrored state.
    out = _put(seeded, {**SUB, "status": "paused", "quantity": 3, "effective_at": APR})
    assert (out["data"]["version"], out["data"]["status"]) == (4, "paused")
    listed = seeded.get("/v1/subscriptions", params={"status": "paused"}).json()["data"]
    assert [s["id"] for s in listed] == ["s1"]


def test_resending_the_state_in_effect_is_unchanged(seeded: httpx.Client) -> None:
    _put(seeded, SUB)
    _put(seeded, {**SUB, "quantity": 3, "effective_at": MAR})
    _put(seeded, {**SUB, "quantity": 2, "effective_at": FEB})
    before = _history(seeded)
    for body in (
        {**SUB, "effective_at": "2025-01-15T00:00:00Z"},  # v1's state, in v1's span
        {**SUB, "quantity": 2, "effective_at": FEB},  # v3 itself
        {**SUB, "quantity": 2, "effective_at": "2025-02-28T23:59:59Z"},  # inside v3's span
        {**SUB, "quantity": 3, "effective_at": APR},  # v2's state, after it
        {**SUB, "quantity": 3},  # no effective_at: now, when v2 is in effect
    ):
        out = _put(seeded, body)
        assert out["result"] == "unchanged", body
        assert (out["data"]["version"], out["data"]["quantity"]) == (2, 3)
    assert _history(seeded) == before


def test_change_without_effective_at_takes_effect_now(seeded: httpx.Client) -> None:
    _put(seeded, SUB)
    before = datetime.now(UTC)
    out = _put(seeded, {**SUB, "status": "past_due"})
    after = datetime.now(UTC)
    effective = datetime.fromisoformat(out["data"]["effective_at"])
    assert before <= effective <= after
    assert (out["result"], out["data"]["version"], out["data"]["status"]) == (
        "updated",
        2,
        "past_due",
    )
    versions = _history(seeded)
    assert versions[1]["recorded_at"] == versions[1]["effective_at"]


def test_resending_the_first_payload_is_unchanged_without_later_versions(
    seeded: httpx.Client,
) -> None:
    _put(seeded, SUB)
    for _ in range(2):
        assert _put(seeded, SUB)["result"] == "unchanged"
    assert len(_history(seeded)) == 1


def test_future_start_resent_is_unchanged(seeded: httpx.Client) -> None:
    """No version is in effect now; the first one is the comparison point."""
    body = {**SUB, "started_at": "2030-01-01T00:00:00Z"}
    assert _put(seeded, body)["result"] == "created"
    assert _put(seeded, body)["result"] == "unchanged"
    assert len(_history(seeded)) == 1


def test_backdated_before_the_first_version(seeded: httpx.Client) -> None:
    _put(seeded, {**SUB, "effective_at": FEB})
    out = _put(seeded, {**SUB, "status": "trialing", "trial_ends_at": FEB, "effective_at": JAN})
    assert out["result"] == "updated"
    assert (out["data"]["version"], out["data"]["status"]) == (1, "active")
    assert _summary(_history(seeded)) == [(2, JAN, "trialing", 1), (1, FEB, "active", 1)]


def test_each_version_is_a_full_snapshot(seeded: httpx.Client) -> None:
    discount = {"amount": "2.5", "duration": "once"}
    _put(seeded, {**SUB, "discount": discount, "affiliate_id": "aff"})
    out = _put(seeded, {**SUB, "status": "cancelled", "cancelled_at": MAR, "effective_at": MAR})
    assert out["data"]["discount"] is None
    assert out["data"]["affiliate_id"] is None
    versions = _history(seeded)
    assert versions[0]["discount"] == {
        "percent": None,
        "amount": "2.50",
        "duration": "once",
        "ends_at": None,
    }
    assert versions[0]["affiliate_id"] == "aff"
    assert (versions[1]["status"], versions[1]["cancelled_at"]) == ("cancelled", MAR)


def test_plan_change_takes_the_new_plans_currency(seeded: httpx.Client) -> None:
    _put(seeded, SUB)
    out = _put(seeded, {**SUB, "plan_id": "plan-eur", "effective_at": FEB})
    assert (out["data"]["plan_id"], out["data"]["currency"]) == ("plan-eur", "EUR")
    assert [v["currency"] for v in _history(seeded)] == ["USD", "EUR"]


def test_invalid_change_adds_no_version(seeded: httpx.Client) -> None:
    _put(seeded, SUB)
    bad = seeded.put("/v1/subscriptions/s1", json={**SUB, "currency": "EUR", "effective_at": FEB})
    assert bad.status_code == 422
    assert bad.json()["error"]["problems"][0]["code"] == "currency_mismatch"
    bad = seeded.put(
        "/v1/subscriptions/s1", json={**SUB, "status": "cancelled", "effective_at": FEB}
    )
    assert bad.status_code == 422
    assert len(_history(seeded)) == 1


def test_history_of_unknown_subscription_is_404(seeded: httpx.Client) -> None:
    response = seeded.get("/v1/subscriptions/nope/history")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "no subscriptions nope"}}


def test_versions_in_one_import(seeded: httpx.Client) -> None:
    from tests.ingest.test_payloads import ndjson_body

    body = ndjson_body(
        [
            ("subscriptions", {"id": "s1", **SUB}),
            ("subscriptions", {"id": "s1", **SUB, "status": "paused", "effective_at": MAR}),
            ("subscriptions", {"id": "s1", **SUB, "quantity": 5, "effective_at": FEB}),
        ]
    )
    response = seeded.post("/v1/import", content=body)
    assert response.status_code == 200, response.text
    assert response.json()["kinds"] == {
        "subscriptions": {"created": 1, "updated": 2, "unchanged": 0}
    }
    assert _summary(_history(seeded)) == [
        (1, JAN, "active", 1),
        (3, FEB, "active", 5),
        (2, MAR, "paused", 1),
    ]
    row = seeded.get("/v1/subscriptions/s1").json()
    assert (row["version"], row["status"], row["effective_at"]) == (2, "paused", MAR)


def test_reimporting_a_history_changes_nothing(seeded: httpx.Client) -> None:
    from tests.ingest.test_payloads import ndjson_body

    body = ndjson_body(
        [
            ("subscriptions", {"id": "s1", **SUB}),
            ("subscriptions", {"id": "s1", **SUB, "status": "paused", "effective_at": MAR}),
        ]
    )
    assert seeded.post("/v1/import", content=body).status_code == 200
    before = _history(seeded)
    again = seeded.post("/v1/import", content=body)
    assert again.json()["kinds"] == {"subscriptions": {"created": 0, "updated": 0, "unchanged": 2}}
    assert _history(seeded) == before
