"""Pagination: ``page`` and ``limit`` slice the (date, currency) points; meta tells where."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.surfaces.fynn.conftest import Frozen, fetch, ingest, key, new_tenant, rows
from tests.surfaces.fynn.test_scenario import EXPECTED, LEDGER

WINDOW = {"from_": "2024-01-30", "to": "2024-02-02"}  # 4 days x EUR, USD = 8 points


@pytest.fixture
def token(engine: Engine, client: httpx.Client, frozen: Frozen) -> str:
    tenant = new_tenant(engine)
    ingest(client, tenant, LEDGER)
    frozen.clock.now = datetime.fromisoformat("2024-02-10T12:00:00+01:00")
    return key(engine, tenant, "analytics:read")


def meta(body: dict[str, Any]) -> tuple[int, int, int, int, int]:
    p = body["meta"]["pagination"]
    return (
        p["totalItems"],
        p["itemsPerPage"],
        p["currentPage"],
        p["lastPage"],
        p["pageTotalItems"],
    )


@pytest.mark.parametrize(
    ("page", "limit", "items", "pagination"),
    [
        (1, 3, EXPECTED[0:3], (8, 3, 1, 3, 3)),
        (2, 3, EXPECTED[3:6], (8, 3, 2, 3, 3)),  # starts mid-day: Jan 31 USD
        (3, 3, EXPECTED[6:8], (8, 3, 3, 3, 2)),  # the short last page
        (4, 3, [], (8, 3, 4, 3, 0)),  # past the end: empty, still 200
        (1, 8, EXPECTED, (8, 8, 1, 1, 8)),
        (1, 100, EXPECTED, (8, 100, 1, 1, 8)),
        (8, 1, EXPECTED[7:8], (8, 1, 8, 8, 1)),
        (2, 7, EXPECTED[7:8], (8, 7, 2, 2, 1)),
        (1, 1, EXPECTED[0:1], (8, 1, 1, 8, 1)),
    ],
)
def test_pages(
    client: httpx.Client,
    token: str,
    page: int,
    limit: int,
    items: list[tuple[Any, ...]],
    pagination: tuple[int, ...],
) -> None:
    body = fetch(client, token, page=page, limit=limit, **WINDOW)
    assert rows(body) == items
    assert meta(body) == pagination


def test_pages_concatenate_to_the_whole(client: httpx.Client, token: str) -> None:
    """A long range, paged by 7 (not a multiple of the 2 currencies): nothing lost or repeated."""
    whole = []
    for page in range(1, 100):
        body = fetch(client, token, from_="2023-12-01", to="2024-02-29", page=page, limit=7)
        whole += rows(body)
        if page == body["meta"]["pagination"]["lastPage"]:
            break
    assert len(whole) == 91 * 2
    assert body["meta"]["pagination"]["lastPage"] == 26  # ceil(182 / 7)
    assert len(set(whole)) == len(whole)
    assert [r[:2] for r in whole] == sorted(r[:2] for r in whole)
    assert whole[60 * 2 : 60 * 2 + 8] == EXPECTED  # Jan 30 is the 61st day from Dec 1


def test_defaults(client: httpx.Client, token: str) -> None:
    body = fetch(client, token, from_="2024-01-01", to="2024-02-29")  # 60 days x 2
    assert meta(body) == (120, 30, 1, 4, 30)


def test_no_data(client: httpx.Client, engine: Engine, frozen: Frozen) -> None:
    tenant = new_tenant(engine)
    body = fetch(client, key(engine, tenant, "analytics:read"))
    assert body == {
        "data": [],
        "meta": {
            "pagination": {
                "totalItems": 0,
                "itemsPerPage": 30,
                "currentPage": 1,
                "lastPage": 1,
                "pageTotalItems": 0,
            }
        },
    }
