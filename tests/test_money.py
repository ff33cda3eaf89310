"""Exact money: parsing, micro-units, rendering, rounding; and sums that stay exact in storage."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from billstats.db import tables as t
from billstats.db.dialect import read_transaction
from billstats.money import (
    MAX_ABS_AMOUNT,
    MoneyError,
    format_micros,
    from_micros,
    is_currency,
    micros_to_minor,
    minor_exponent,
    parse_decimal,
    to_micros,
)
from tests.conftest import TenantCtx

INT64_MAX = 2**63 - 1


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("0", Decimal("0")),
        ("10", Decimal("10")),
        ("10.00", Decimal("10")),
        ("0.000125", Decimal("0.000125")),
        ("-5.25", Decimal("-5.25")),
        ("999999999999.999999", Decimal("999999999999.999999")),
        ("-999999999999.999999", Decimal("-999999999999.999999")),
        ("1.0000000", Decimal("1")),  # more digits, but the value has six at most
        ("1e3", Decimal("1000")),
        (" 7 ", Decimal("7")),
        (42, Decimal("42")),
        (-3, Decimal("-3")),
        (Decimal("2.5"), Decimal("2.5")),
    ],
)
def test_parse_decimal_accepts_exact_values(raw: object, expected: Decimal) -> None:
    assert parse_decimal(raw) == expected


@pytest.mark.parametrize(
    "raw, message",
    [
        (1.5, "binary floats are not exact"),
        (0.1, "binary floats are not exact"),
        (10.0, "binary floats are not exact"),
        (True, "binary floats are not exact"),
        (None, "must be a decimal string"),
        ([1], "must be a decimal string"),
        ("", "at most 40 characters"),
        ("   ", "at most 40 characters"),
        ("1" * 41, "at most 40 characters"),
        ("ten", "is not a decimal number"),
        ("1,5", "is not a decimal number"),
        ("0x10", "is not a decimal number"),
        ("NaN", "finite"),
        ("-nan", "finite"),
        ("sNaN", "finite"),
        ("Infinity", "finite"),
        ("-Infinity", "finite"),
        ("inf", "finite"),
        ("1000000000000", "smaller than 1,000,000,000,000"),
        ("-1000000000000", "smaller than 1,000,000,000,000"),
        (10**12, "smaller than 1,000,000,000,000"),
        ("1E+9999999", "smaller than 1,000,000,000,000"),  # abs() would raise decimal.Overflow
        ("-1E+999999999", "smaller than 1,000,000,000,000"),
        ("1.0000001", "more than 6 fractional digits"),
        ("0.0000005", "more than 6 fractional digits"),
        ("1E-9999999", "more than 6 fractional digits"),
    ],
)
def test_parse_decimal_refuses(raw: object, message: str) -> None:
    with pytest.raises(MoneyError, match=message.replace("(", r"\(").replace("+", r"\+")):
        parse_decimal(raw)


def test_fraction_digits_are_configurable() -> None:
    assert parse_decimal("1.084512345678", max_fraction_digits=12) == Decimal("1.084512345678")
    with pytest.raises(MoneyError, match="more than 12 fractional digits"):
        parse_decimal("1.0845123456789", max_fraction_digits=12)


@pytest.mark.parametrize(
    "value, micros, text",
    [
        ("0", 0, "0.00"),
        ("0.1", 100_000, "0.10"),
        ("10", 10_000_000, "10.00"),
        ("12.5", 12_500_000, "12.50"),
        ("0.000125", 125, "0.000125"),
        ("0.000001", 1, "0.000001"),
        ("-5.25", -5_250_000, "-5.25"),
        ("-0.000001", -1, "-0.000001"),
        ("1234567.891", 1_234_567_891_000, "1234567.891"),
        ("100", 100_000_000, "100.00"),
        ("999999999999.999999", 999_999_999_999_999_999, "999999999999.999999"),
    ],
)
def test_micro_units_round_trip(value: str, micros: int, text: str) -> None:
    dec = parse_decimal(value)
    assert to_micros(dec) == micros
    assert from_micros(micros) == dec
    assert format_micros(micros) == text
    assert parse_decimal(format_micros(micros)) == dec


def test_from_micros_has_no_trailing_noise() -> None:
    assert str(from_micros(1_500_000)) == "1.5"
    assert str(from_micros(0)) == "0"
    assert f"{from_micros(100_000_000):f}" == "100"


def test_point_one_plus_point_two_is_point_three() -> None:
    total = to_micros(parse_decimal("0.1")) + to_micros(parse_decimal("0.2"))
    assert total == 300_000
    assert from_micros(total) == Decimal("0.3")
    assert format_micros(total) == "0.30"
    assert 0.1 + 0.2 != 0.3  # what binary floats would have done


def test_largest_amount_fits_a_bigint_column() -> None:
    largest = to_micros(parse_decimal("999999999999.999999"))
    assert largest == MAX_ABS_AMOUNT * 10**6 - 1
    assert largest <= INT64_MAX
    # Headroom for sums is small: nine maximal amounts fit in 64 bits, ten do not.
    assert largest * 9 <= INT64_MAX < largest * 10


@pytest.mark.parametrize(
    "micros, places, text",
    [
        (12_345_000, 2, "12.34"),  # a tie: half-even keeps the even 4
        (12_355_000, 2, "12.36"),
        (12_365_000, 2, "12.36"),  # half-even: ties go to the even digit
        (2_500_000, 0, "2"),
        (3_500_000, 0, "4"),
        (-2_500_000, 0, "-2"),
        (125, 4, "0.0001"),
        (150, 4, "0.0002"),
        (10_000_000, 3, "10.000"),
    ],
)
def test_format_with_places_rounds_half_even(micros: int, places: int, text: str) -> None:
    assert format_micros(micros, places) == text


@pytest.mark.parametrize(
    "micros, currency, minor",
    [
        (12_345_000, "USD", 1234),  # 1234.5 cents -> even
        (12_355_000, "USD", 1236),
        (1_500_000, "JPY", 2),
        (2_500_000, "JPY", 2),
        (1_234_500, "KWD", 1234),
        (1_234_500, "CLF", 12345),
        (-1_005_000, "EUR", -100),
    ],
)
def test_micros_to_minor_units(micros: int, currency: str, minor: int) -> None:
    assert micros_to_minor(micros, currency) == minor


def test_currencies() -> None:
    assert is_currency("USD") and is_currency("JPY") and is_currency("KWD")
    assert not is_currency("usd") and not is_currency("XXX") and not is_currency("")
    assert (
        minor_exponent("USD"),
        minor_exponent("JPY"),
        minor_exponent("BHD"),
        minor_exponent("UYW"),
    ) == (2, 0, 3, 4)


amounts = st.decimals(
    min_value=Decimal("-999999999999.999999"),
    max_value=Decimal("999999999999.999999"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)


@given(amounts)
@example(Decimal("0.000001"))
@example(Decimal("-0.000001"))
@example(Decimal("999999999999.999999"))
@example(Decimal("-999999999999.999999"))
@example(Decimal("100"))
@example(Decimal("-0"))
def test_micro_units_are_exact_for_every_amount(value: Decimal) -> None:
    micros = to_micros(value)
    assert isinstance(micros, int)
    assert from_micros(micros) == value
    text = format_micros(micros)
    # Rendered exactly: a plain decimal, 2 to 6 fractional digits, parsing back to the value.
    whole, _, frac = text.partition(".")
    assert whole.lstrip("-").isdigit()
    assert 2 <= len(frac) <= 6 and frac.isdigit()
    assert "e" not in text.lower()
    assert Decimal(text) == value
    assert parse_decimal(text) == value
    assert parse_decimal(str(value)) == value


@given(st.lists(amounts, max_size=50))
def test_sums_in_micro_units_are_exact(values: list[Decimal]) -> None:
    total = sum(to_micros(v) for v in values)
    assert from_micros(total) == sum(values, Decimal(0))


def test_payments_of_point_one_and_point_two_sum_exactly(
    api: httpx.Client, engine: Engine, tenant: TenantCtx
) -> None:
    assert (
        api.put(
            "/v1/customers/c1", json={"name": "C", "created_at": "2025-01-01T00:00:00Z"}
        ).status_code
        == 201
    )
    for pay_id, amount in (("p1", "0.1"), ("p2", "0.2")):
        response = api.put(
            f"/v1/payments/{pay_id}",
            json={
                "customer_id": "c1",
                "amount": amount,
                "currency": "USD",
                "status": "succeeded",
                "created_at": "2025-01-01T00:00:00Z",
            },
        )
        assert response.status_code == 201
    assert [p["amount"] for p in api.get("/v1/payments").json()["data"]] == ["0.10", "0.20"]
    with read_transaction(engine) as conn:
        total = conn.execute(
            select(func.sum(t.payments.c.amount)).where(t.payments.c.tenant_id == tenant.id)
        ).scalar_one()
    assert int(total) == 300_000
    assert from_micros(int(total)) == Decimal("0.3")


def test_largest_amount_over_http(api: httpx.Client) -> None:
    body = {
        "product_id": "prod",
        "name": "Max",
        "currency": "USD",
        "amount": "999999999999.999999",
        "interval_unit": "year",
    }
    assert api.put("/v1/products/prod", json={"name": "P"}).status_code == 201
    response = api.put("/v1/plans/max", json=body)
    assert response.status_code == 201
    assert response.json()["data"]["amount"] == "999999999999.999999"
    too_big = api.put("/v1/plans/max2", json={**body, "amount": "1000000000000"})
    assert too_big.status_code == 422
    assert api.get("/v1/plans/max2").status_code == 404
