"""A partner's credentials show its own accounts only: never another partner's or tenant's."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import Engine

from tests.conftest import make_tenant
from tests.surfaces.vobiz import scenario
from tests.surfaces.vobiz.conftest import ANALYTICS, DASHBOARD, World, issue, load

WIDE = {"from_date": "2025-06-01", "to_date": "2026-05-12"}


def _body(http: httpx.Client, headers: dict[str, str], path: str = ANALYTICS) -> Any:
    response = http.get(path, headers=headers, params=WIDE if path == ANALYTICS else None)
    assert response.status_code == 200, response.text
    return response.json()


def _auth_ids(body: Any) -> set[str]:
    return {c["auth_id"] for c in body["accounts"]["customers"]}


def test_partners_of_one_tenant(http: httpx.Client, world: World) -> None:
    mine, theirs = _body(http, world.p1.headers), _body(http, world.p2.headers)
    assert _auth_ids(mine) == {"MA_AAAAAAA1", "MA_AAAAAAA2", "MA_AAAAAAA3"}
    assert _auth_ids(theirs) == {"MA_BBBBBBB1"}
    # all of p1's calls in the year (x1 c1..c6; x2 is at NOW), none of b1's or c1's
    assert mine["calls"] == scenario.roll(7, 5, 4.8, "10.60")
    assert theirs["calls"] == scenario.roll(1, 1, 10, "100.00")
    assert (mine["total_balance"], theirs["total_balance"]) == ("1238.15432", "777.00000")


def test_same_partner_id_in_another_tenant(
    engine: Engine, http: httpx.Client, world: World
) -> None:
    other = make_tenant(engine, timezone="UTC", currency="INR")
    load(
        http,
        other,
        [
            ("partners", {**scenario.PARTNER, "name": "Other Tenant's p1"}),
            (
                "customers",
                {
                    "id": "a1",
                    "auth_id": "MA_OTHER001",
                    "name": "Other",
                    "partner_id": "p1",
                    "created_at": "2026-01-01T00:00:00Z",
                },
            ),
            ("wallets", {"id": "w1", "customer_id": "a1", "currency": "INR"}),
            (
                "wallet_transactions",
                {
                    "id": "t1",
                    "wallet_id": "w1",
                    "amount": "5",
                    "created_at": "2026-01-02T00:00:00Z",
                },
            ),
            (
                "call_records",
                {
                    "id": "c1",
                    "account_id": "a1",
                    "direction": "inbound",
                    "product": "voice_api",
                    "started_at": "2026-05-01T00:00:00Z",
                    "duration_seconds": 60,
                    "billed_seconds": 60,
                    "answered": True,
                    "cost": "2",
                    "currency": "INR",
                },
            ),
        ],
    )
    theirs = _body(http, issue(http, other, "p1").headers)
    assert theirs["partner"]["name"] == "Other Tenant's p1"
    assert _auth_ids(theirs) == {"MA_OTHER001"}
    assert theirs["calls"] == scenario.roll(1, 1, 1, "2.00")
    assert theirs["total_balance"] == "5.00000"
    mine = _body(http, world.p1.headers)
    assert mine["partner"]["name"] == "John Doe"
    assert _auth_ids(mine) == {"MA_AAAAAAA1", "MA_AAAAAAA2", "MA_AAAAAAA3"}
    assert mine["calls"]["total_calls"] == 7
    # the other tenant's admin key cannot issue or revoke this tenant's partner credentials
    response = http.delete(f"/v1/partners/p1/credentials/{world.p1.auth_id}", headers=other.headers)
    assert response.status_code == 404
    assert _body(http, world.p1.headers, DASHBOARD)["accounts"]["total"] == 3


def test_revoked_credentials_fail_at_once(http: httpx.Client, world: World) -> None:
    spare = issue(http, world.tenant, "p1")
    assert _body(http, world.p1.headers, DASHBOARD)["partner"]["auth_id"] == world.p1.auth_id
    response = http.delete(
        f"/v1/partners/p1/credentials/{world.p1.auth_id}", headers=world.tenant.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["revoked"] is True
    for path in (DASHBOARD, ANALYTICS):
        denied = http.get(path, headers=world.p1.headers)
        assert denied.status_code == 401
        assert denied.json()["error"]["code"] == "INVALID_CREDENTIALS"
    # the partner's other credential keeps working, and says which one was used
    assert _body(http, spare.headers, DASHBOARD)["partner"]["auth_id"] == spare.auth_id


def test_an_account_moved_to_another_partner(http: httpx.Client, world: World) -> None:
    """Accounts belong to the partner their record names now, with all their calls."""
    moved = dict(scenario.CUSTOMERS[1][1])  # a2
    moved.pop("id")
    response = http.put(
        "/v1/customers/a2", json={**moved, "partner_id": "p2"}, headers=world.tenant.headers
    )
    assert response.status_code == 200, response.text
    mine = _body(http, world.p1.headers)
    assert _auth_ids(mine) == {"MA_AAAAAAA1", "MA_AAAAAAA3"}
    # p1 loses c3 and c5 (a2): x1 c1 c2 c4 c6 -> 5 calls, 188 s = 3.13 min; 10.261667
    assert mine["calls"] == scenario.roll(5, 3, 3.1, "10.26")
    # and its wallets: 1000 - 12.345678 = 987.654322 -> half-even 987.65432
    assert mine["total_balance"] == "987.65432"

    # p2 now has an INR account: its currency is INR, and b1's USD amounts are converted with
    # the INR rate (0.012 USD per INR) of the call's day and of today.
    for day in ("2026-04-30", "2026-05-12"):
        rate = http.put(
            f"/v1/fx_rates/INR/{day}", json={"rate": "0.012"}, headers=world.tenant.headers
        )
        assert rate.status_code == 201, rate.text
    theirs = _body(http, world.p2.headers)
    assert _auth_ids(theirs) == {"MA_BBBBBBB1", "MA_AAAAAAA2"}
    assert theirs["currency"] == "INR"
    # x3 c3 c5: 699 s = 11.65 min -> 11.6 (half-even);
    # 100 / 0.012 + 0.333333 + 0.01 = 8333.333333... + 0.343333 = 8333.676666... -> "8333.68"
    assert theirs["calls"] == scenario.roll(3, 3, 11.6, "8333.68")
    # 777 / 0.012 + 250.5 + 0.000003 = 64750 + 250.500003
    assert theirs["total_balance"] == "65000.50000"
