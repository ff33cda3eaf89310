from __future__ import annotations

import httpx


def test_product_upsert_roundtrip(api: httpx.Client) -> None:
    body = {"name": "Pro", "payment_provider": {"configured": True, "live_credentials": True}}
    first = api.put("/v1/products/p1", json=body)
    assert first.status_code == 201
    assert first.json()["result"] == "created"
    again = api.put("/v1/products/p1", json=body)
    assert (again.status_code, again.json()["result"]) == (200, "unchanged")
    got = api.get("/v1/products/p1").json()
    assert got == {
        "id": "p1",
        "name": "Pro",
        "payment_provider": {
            "configured": True,
            "test_credentials": False,
            "live_credentials": True,
        },
    }
