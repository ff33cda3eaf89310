"""The schema check itself: it must reject what the vendor's schema rejects."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.surfaces.vobiz.conftest import DASHBOARD, World
from tests.surfaces.vobiz.schema import document, problems


def test_transcription_is_the_vendors_document() -> None:
    doc = document()
    assert doc["openapi"] == "3.0.3"
    assert doc["info"]["title"] == "Vobiz API"
    operation = doc["paths"]["/api/v1/partner/dashboard"]["get"]
    assert operation["operationId"] == "get-partner-dashboard"
    assert set(doc["components"]["securitySchemes"]) == {"AuthID", "AuthToken"}


def _set(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    *parents, last = path.split("/")
    node: Any = changed
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return changed


BREAKAGES = [
    ("by_product/sip_trunking/total_minutes", 1.5),  # an integer in the vendor's schema
    ("by_product/sip_trunking/total_minutes", 2.0),
    ("calls/total_minutes", "3.8"),
    ("calls/total_cost", 1.6),
    ("calls/total_calls", 6.0),
    ("total_balance", 1238.15432),
    ("partner/email", None),
    ("partner/account_id", "500000"),
    ("partner/is_active", "true"),
    ("partner/balance", KeyError),
    ("period/from", KeyError),
    ("accounts/customers/0/phone", None),
    ("time_series/0/inbound/total_minutes", KeyError),
    ("time_series/0/total_cost", 1.25),
    ("partner/extra", 1),  # no field beyond the vendor's
    ("calls/average_minutes", 1.0),
]


@pytest.mark.parametrize(("path", "value"), BREAKAGES)
def test_the_schema_rejects(http: httpx.Client, world: World, path: str, value: Any) -> None:
    body = http.get(DASHBOARD, headers=world.p1.headers).json()
    assert problems(body) == []
    assert problems(_set(body, path, value)) != []


def test_balance_may_be_anything_nullable(http: httpx.Client, world: World) -> None:
    body = http.get(DASHBOARD, headers=world.p1.headers).json()
    assert problems(_set(body, "partner/balance", None)) == []
