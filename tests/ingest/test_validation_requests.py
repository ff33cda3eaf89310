"""Request bodies and URL keys: malformed JSON, non-objects, bad ids, oversized bodies."""

from __future__ import annotations

import httpx
import pytest

from tests.ingest.test_validation import GOOD, _assert_problems, seeded

__all__ = ["seeded"]  # the fixture, imported for the tests below


@pytest.mark.parametrize(
    "body",
    [b"{bad", b"", b'{"name": "x"', b"\xff\xfe"],
    ids=["garbled", "empty", "truncated", "not-utf8"],
)
def test_invalid_json_body_is_400(seeded: httpx.Client, body: bytes) -> None:
    response = seeded.put(
        "/v1/products/p9", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_json"
    assert error["message"].startswith("request body is not valid JSON: ")
    assert seeded.get("/v1/products/p9").status_code == 404


@pytest.mark.parametrize("body", [b"[]", b"null", b'"name"', b"42"])
def test_json_that_is_not_an_object_is_422(seeded: httpx.Client, body: bytes) -> None:
    response = seeded.put("/v1/products/p9", content=body)
    _assert_problems(response, [("data", "not_an_object", "must be a JSON object")])


INVALID_ID = "id must be 1-128 characters: letters, digits and . _ : @ + - (not first)"


@pytest.mark.parametrize(
    "raw",
    ["a%20b", "x" * 129, "p1%0A", "-p1", "caf%C3%A9", ".hidden"],
    ids=["space", "129-chars", "trailing-newline", "leading-dash", "non-ascii", "leading-dot"],
)
def test_bad_id_in_url_is_422(seeded: httpx.Client, raw: str) -> None:
    response = seeded.put(f"/v1/products/{raw}", json=GOOD["products"])
    _assert_problems(response, [("id", "invalid_id", INVALID_ID)])
    assert seeded.get("/v1/products").json()["data"] == [seeded.get("/v1/products/prod").json()]


def test_id_of_128_characters_is_accepted(seeded: httpx.Client) -> None:
    record_id = "a" + "b-._:@+9" * 15 + "1234567"
    assert len(record_id) == 128
    response = seeded.put(f"/v1/products/{record_id}", json=GOOD["products"])
    assert response.status_code == 201
    assert response.json()["data"]["id"] == record_id


@pytest.mark.parametrize(
    "path, status, code",
    [
        ("/v1/products/a%2Fb", 404, "not_found"),  # a slash splits the path: no such route
        # an empty id: redirected (307) to the collection, which has no PUT
        ("/v1/products/", 405, "method_not_allowed"),
    ],
)
def test_ids_that_cannot_reach_the_route(
    seeded: httpx.Client, path: str, status: int, code: str
) -> None:
    response = seeded.put(path, json=GOOD["products"], follow_redirects=True)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert [p["id"] for p in seeded.get("/v1/products").json()["data"]] == ["prod"]


@pytest.mark.parametrize(
    "path, problems",
    [
        (
            "/v1/fx_rates/EURO/2025-01-31",
            [("path.currency", "invalid_currency", "an ISO 4217 code")],
        ),
        (
            "/v1/fx_rates/XXX/2025-01-31",
            [("path.currency", "invalid_currency", "an ISO 4217 code")],
        ),
        (
            "/v1/fx_rates/EUR/2025-02-30",
            [("path.date", "invalid_date", "2025-02-30 is not a calendar date")],
        ),
        ("/v1/fx_rates/EUR/31-01-2025", [("path.date", "invalid_date", "a date as YYYY-MM-DD")]),
        ("/v1/fx_rates/EUR/2025-01-31%0A", [("path.date", "invalid_date", "a date as YYYY-MM-DD")]),
    ],
)
def test_bad_fx_rate_key_is_422(
    seeded: httpx.Client, path: str, problems: list[tuple[str, str, str | None]]
) -> None:
    _assert_problems(seeded.put(path, json={"rate": "1.1"}), problems)
    assert seeded.get("/v1/fx_rates").json()["data"] == []


def test_body_over_the_limit_is_413(seeded: httpx.Client) -> None:
    body = b'{"name": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    response = seeded.put("/v1/products/big", content=body)
    assert response.status_code == 413
    assert response.json() == {
        "error": {"code": "payload_too_large", "message": "request body exceeds 10485760 bytes"}
    }
    assert seeded.get("/v1/products/big").status_code == 404
