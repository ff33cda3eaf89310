"""Pages and cursors of the movement log, and its CSV export (the scenario's ledger)."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine

from billstats.metrics_api import activity_render
from tests.conftest import Frozen, TenantCtx
from tests.metrics_api.test_activity_scenario import EXPECTED, LEDGER, NOW
from tests.metrics_api.test_activity_support import (
    ACTIVITIES,
    analyst,
    bearer,
    entry_tuple,
    every_page,
    fail,
    get,
    ingest,
)

# Transcribed from docs/native/activities.md.
CSV_HEADER = [
    "date",
    "customer_id",
    "customer_name",
    "currency",
    "type",
    "amount",
    "mrr_before",
    "mrr_after",
    "subscriptions",
]


@pytest.fixture
def client(frozen: Frozen) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=frozen.url, timeout=60) as c:
        yield c


@pytest.fixture
def berlin(engine: Engine, client: httpx.Client, frozen: Frozen) -> tuple[TenantCtx, str]:
    tenant, token = analyst(engine, client, LEDGER, timezone="Europe/Berlin", currency="EUR")
    frozen.clock.now = NOW
    return tenant, token


@pytest.mark.parametrize(
    ("limit", "sizes"),
    [(1, [1] * 12), (3, [3, 3, 3, 3]), (10, [10, 2]), (11, [11, 1]), (12, [12]), (1000, [12])],
)
def test_pages_follow_the_cursor(
    client: httpx.Client, berlin: tuple[TenantCtx, str], limit: int, sizes: list[int]
) -> None:
    _, token = berlin
    pages = every_page(client, token, limit=limit)
    assert [len(p) for p in pages] == sizes
    assert [entry_tuple(e) for p in pages for e in p] == EXPECTED


def test_default_limit_is_100(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    _, token = berlin
    body = get(client, token, ACTIVITIES, start_date="2024-01-01")
    assert len(body["data"]) == 12 and body["has_more"] is False


def test_cursor_survives_new_movements_and_limit_changes(
    engine: Engine, client: httpx.Client, berlin: tuple[TenantCtx, str]
) -> None:
    """A movement added after the first page sorts before its position: later pages neither
    repeat nor skip an entry."""
    tenant, token = berlin
    first = get(client, token, ACTIVITIES, limit=3)
    assert [entry_tuple(e) for e in first["data"]] == EXPECTED[:3]
    ingest(
        client,
        tenant,
        [("customers", {"id": "c9", "name": "Late", "created_at": "2024-01-01T00:00:00Z"}),
         ("subscriptions", {"id": "s12", "customer_id": "c9", "plan_id": "e30",
                            "status": "active", "started_at": "2024-03-27T09:00:00+01:00"})],
    )  # fmt: skip
    second = get(client, token, ACTIVITIES, limit=5, cursor=first["next_cursor"])
    assert [entry_tuple(e) for e in second["data"]] == EXPECTED[3:8]
    third = get(client, token, ACTIVITIES, limit=5, cursor=second["next_cursor"])
    assert [entry_tuple(e) for e in third["data"]] == EXPECTED[8:]
    assert third["has_more"] is False and third["next_cursor"] is None
    fresh = get(client, token, ACTIVITIES, limit=1)
    assert fresh["data"][0]["customer"] == {"id": "c9", "name": "Late"}


def _tamper(cursor: str) -> list[str]:
    body, mac = cursor.split(".")
    payload = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload[1] = "c5"  # another position, same signature
    forged = base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    return [
        f"{forged}.{mac}",
        f"{body}.{flipped}",
        f"{body}.{_alias(mac)}",  # the same bytes, spelt otherwise
        *([f"{_alias(body)}.{mac}"] if len(body) % 4 else []),
        f"{body}.{base64.urlsafe_b64encode(bytes(16)).decode().rstrip('=')}",
        body,
        f"{body}.",
        "not-a-cursor",
        "é.é",
        cursor + "A",
        cursor * 40,
    ]


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _alias(text: str) -> str:
    """Unpadded base64 whose last character has unused low bits: flip the lowest one."""
    index = _B64.index(text[-1]) ^ 1
    alias = text[:-1] + _B64[index]
    pad = "=" * (-len(text) % 4)
    assert base64.urlsafe_b64decode(alias + pad) == base64.urlsafe_b64decode(text + pad)
    return alias


def test_tampered_cursors_are_refused(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    _, token = berlin
    cursor = get(client, token, ACTIVITIES, limit=2)["next_cursor"]
    for bad in _tamper(cursor):
        error = fail(client, 400, token, ACTIVITIES, limit=2, cursor=bad)
        assert error["code"] == "invalid_cursor", bad


@pytest.mark.parametrize(
    "other",
    [{"type": "churn"}, {"currency": "EUR"}, {"q": "a"}, {"start_date": "2024-03-01"},
     {"livemode": "false"}, {"product_id": "prod"}],
)  # fmt: skip
def test_cursor_is_bound_to_its_filters(
    client: httpx.Client, berlin: tuple[TenantCtx, str], other: dict[str, str]
) -> None:
    _, token = berlin
    cursor = get(client, token, ACTIVITIES, limit=2)["next_cursor"]
    error = fail(client, 400, token, ACTIVITIES, limit=2, cursor=cursor, **other)
    assert error["code"] == "invalid_cursor"
    # The same filters (and any limit) accept it.
    assert get(client, token, ACTIVITIES, limit=4, cursor=cursor)["data"]


def _csv(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.text)))


def _as_csv(entry: dict[str, Any]) -> list[str]:
    name = entry["customer"]["name"]
    return [
        entry["date"],
        entry["customer"]["id"],
        "'" + name if name[:1] in ("=", "+", "-", "@") else name,
        entry["currency"],
        entry["type"],
        entry["amount"],
        entry["mrr_before"],
        entry["mrr_after"],
        " ".join(s["id"] for s in entry["subscriptions"]),
    ]


@pytest.mark.parametrize(
    "params",
    [{}, {"type": "churn,contraction"}, {"q": "beta"}, {"currency": "JPY"},
     {"start_date": "2024-03-20", "end_date": "2024-03-31"}, {"plan_id": "e30"},
     {"start_date": "2024-01-01", "end_date": "2024-01-31"}],
)  # fmt: skip
def test_csv_equals_the_json_pages(
    client: httpx.Client,
    berlin: tuple[TenantCtx, str],
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, str],
) -> None:
    _, token = berlin
    monkeypatch.setattr(activity_render, "CSV_CHUNK", 2)  # several chunks on the wire
    pages = every_page(client, token, limit=2, **params)
    response = client.get(ACTIVITIES, params={**params, "format": "csv"}, headers=bearer(token))
    rows = _csv(response)
    assert rows[0] == CSV_HEADER
    assert rows[1:] == [_as_csv(e) for p in pages for e in p]
    assert "content-length" not in response.headers  # streamed
    first = params.get("start_date", "2024-02-28")
    last = params.get("end_date", "2024-03-28")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="activities_{first}_{last}.csv"'
    )


def test_csv_text(client: httpx.Client, berlin: tuple[TenantCtx, str]) -> None:
    """Quoting, formula-safe names, JPY without decimals, CRLF line ends."""
    _, token = berlin
    response = client.get(ACTIVITIES, params={"format": "csv"}, headers=bearer(token))
    lines = response.text.split("\r\n")
    assert lines[0] == ",".join(CSV_HEADER)
    assert lines[1] == "2024-03-26,c1,Acme GmbH,EUR,reactivation,20.00,0.00,20.00,s8"
    assert lines[2] == "2024-03-25,c3,'=Gamma,EUR,new_business,30.00,0.00,30.00,s6"
    assert lines[3] == "2024-03-22,c1,Acme GmbH,EUR,churn,38.33,38.33,0.00,s10 s3"
    assert lines[4] == '2024-03-20,c2,"Beta, Ltd",EUR,reactivation,30.00,0.00,30.00,s4'
    assert lines[6] == "2024-03-18,c6,Zeta KK,EUR,new_business,30.00,0.00,30.00,s14"
    assert lines[7] == "2024-03-18,c6,Zeta KK,JPY,new_business,1000,0,1000,s11"
    assert lines[13] == "" and len(lines) == 14


@pytest.mark.parametrize("extra", [{"limit": "5"}, {"cursor": "x"}])
def test_csv_takes_no_paging(
    client: httpx.Client, berlin: tuple[TenantCtx, str], extra: dict[str, str]
) -> None:
    _, token = berlin
    error = fail(client, 400, token, ACTIVITIES, format="csv", **extra)
    assert error["code"] == "invalid_request"
    assert [p["code"] for p in error["problems"]] == ["not_with_csv"]
