"""Every validation rule: 422 with the problems listed, and nothing written.

Each case PUTs one bad record on top of the seeded graph and checks the exact error body, then
that the record does not exist afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.ingest.test_payloads import T0, seed

Json = dict[str, Any]

GOOD: dict[str, Json] = {
    "products": {"name": "Widget"},
    "plans": {
        "product_id": "prod",
        "name": "Gold",
        "currency": "USD",
        "amount": "10",
        "interval_unit": "month",
    },
    "partners": {"name": "Reseller", "slug": "reseller", "created_at": T0},
    "affiliates": {"name": "Affiliate"},
    "customers": {"name": "Ada", "created_at": T0},
    "subscriptions": {
        "customer_id": "cus",
        "plan_id": "plan",
        "status": "active",
        "started_at": T0,
    },
    "invoices": {
        "customer_id": "cus",
        "currency": "USD",
        "status": "open",
        "issued_at": T0,
        "lines": [{"type": "one_time", "amount": "10"}],
        "tax_amount": "1",
        "total": "11",
    },
    "payments": {
        "customer_id": "cus",
        "amount": "10",
        "currency": "USD",
        "status": "succeeded",
        "created_at": T0,
    },
    "refunds": {"payment_id": "pay", "amount": "1", "created_at": T0},
    "usage_events": {
        "customer_id": "cus",
        "metric_code": "api_calls",
        "quantity": "1",
        "timestamp": T0,
    },
    "wallets": {"customer_id": "cus", "currency": "USD"},
    "wallet_transactions": {"wallet_id": "wal", "amount": "5", "created_at": T0},
    "call_records": {
        "account_id": "cus",
        "direction": "inbound",
        "product": "voice_api",
        "started_at": T0,
        "duration_seconds": 60,
        "billed_seconds": 60,
        "answered": True,
        "cost": "0.01",
        "currency": "USD",
    },
    "fx_rates": {"rate": "1.1"},
}

FLOAT_MONEY = 'must be a decimal string such as "12.50" (binary floats are not exact)'
SEVEN_DIGITS = "has more than 6 fractional digits"
NOT_FINITE = "must be a finite number"
TOO_BIG = "must be smaller than 1,000,000,000,000 in absolute value"
NEGATIVE = "must not be negative"
NOT_POSITIVE = "must be greater than zero"
NO_OFFSET = "must carry a UTC offset (e.g. 2025-01-31T23:30:00+01:00 or ...Z)"
OUT_OF_RANGE = "must be between 1970 and 2200"
NOT_CURRENCY = "must be an ISO 4217 currency code such as USD"
ID_PATTERN_MSG = "String should match pattern '^[A-Za-z0-9][A-Za-z0-9._:@+\\-]{0,127}$'"


@dataclass(frozen=True)
class Bad:
    """A bad record: ``kind`` with ``changes`` over GOOD[kind]; None values delete a field."""

    name: str
    kind: str
    changes: Json
    problems: list[tuple[str, str, str | None]]  # (path, code, exact message or None)

    def body(self) -> Json:
        data = dict(GOOD[self.kind])
        for key, value in self.changes.items():
            if value is _DELETE:
                data.pop(key, None)
            else:
                data[key] = value
        return data


_DELETE = object()


def _ref(kind: str, field: str, target: str, extra: Json | None = None) -> Bad:
    return Bad(
        f"unknown-{kind}-{field}",
        kind,
        {field: "ghost", **(extra or {})},
        [(f"data.{field}", "unknown_reference", f"{target} 'ghost' does not exist")],
    )


CASES: list[Bad] = [
    # -- shape ----------------------------------------------------------------------------------
    Bad(
        "unknown-field",
        "customers",
        {"nickname": "x"},
        [("data.nickname", "extra_forbidden", "Extra inputs are not permitted")],
    ),
    Bad(
        "unknown-nested-field",
        "products",
        {"payment_provider": {"stripe": True}},
        [("data.payment_provider.stripe", "extra_forbidden", "Extra inputs are not permitted")],
    ),
    Bad(
        "missing-required",
        "customers",
        {"created_at": _DELETE},
        [("data.created_at", "missing", "Field required")],
    ),
    Bad(
        "tenant-id-is-not-a-field",
        "products",
        {"tenant_id": 1},
        [("data.tenant_id", "extra_forbidden", "Extra inputs are not permitted")],
    ),
    # -- wrong types ----------------------------------------------------------------------------
    Bad(
        "string-for-int",
        "call_records",
        {"duration_seconds": "60"},
        [("data.duration_seconds", "int_type", "Input should be a valid integer")],
    ),
    Bad(
        "float-for-int",
        "call_records",
        {"billed_seconds": 60.0},
        [("data.billed_seconds", "int_type", "Input should be a valid integer")],
    ),
    Bad(
        "bool-for-int",
        "subscriptions",
        {"quantity": True},
        [("data.quantity", "int_type", "Input should be a valid integer")],
    ),
    Bad(
        "string-true-for-bool",
        "customers",
        {"is_active": "true"},
        [("data.is_active", "bool_type", "Input should be a valid boolean")],
    ),
    Bad(
        "int-for-bool",
        "call_records",
        {"answered": 1},
        [("data.answered", "bool_type", "Input should be a valid boolean")],
    ),
    Bad(
        "int-for-string",
        "customers",
        {"name": 5},
        [("data.name", "string_type", "Input should be a valid string")],
    ),
    Bad(
        "bad-literal",
        "plans",
        {"interval_unit": "fortnight"},
        [("data.interval_unit", "literal_error", None)],
    ),
    Bad("empty-name", "products", {"name": ""}, [("data.name", "string_too_short", None)]),
    Bad(
        "int-out-of-range",
        "call_records",
        {"duration_seconds": 2_000_000_001},
        [("data.duration_seconds", "less_than_equal", None)],
    ),
    Bad(
        "interval-count-zero",
        "plans",
        {"interval_count": 0},
        [("data.interval_count", "greater_than_equal", None)],
    ),
    # -- money ----------------------------------------------------------------------------------
    Bad("float-money", "plans", {"amount": 1.5}, [("data.amount", "value_error", FLOAT_MONEY)]),
    Bad(
        "float-money-whole",
        "payments",
        {"amount": 10.0},
        [("data.amount", "value_error", FLOAT_MONEY)],
    ),
    Bad("bool-money", "payments", {"amount": True}, [("data.amount", "value_error", FLOAT_MONEY)]),
    Bad(
        "null-money",
        "plans",
        {"amount": None},
        [("data.amount", "value_error", "must be a decimal string")],
    ),
    Bad(
        "seven-fraction-digits",
        "payments",
        {"amount": "1.0000001"},
        [("data.amount", "value_error", SEVEN_DIGITS)],
    ),
    Bad(
        "seven-digit-quantity",
        "usage_events",
        {"quantity": "0.0000001"},
        [("data.quantity", "value_error", SEVEN_DIGITS)],
    ),
    Bad("nan", "plans", {"amount": "NaN"}, [("data.amount", "value_error", NOT_FINITE)]),
    Bad(
        "infinity", "payments", {"amount": "Infinity"}, [("data.amount", "value_error", NOT_FINITE)]
    ),
    Bad(
        "minus-infinity",
        "wallet_transactions",
        {"amount": "-Infinity"},
        [("data.amount", "value_error", NOT_FINITE)],
    ),
    Bad(
        "ten-to-the-twelve",
        "plans",
        {"amount": "1000000000000"},
        [("data.amount", "value_error", TOO_BIG)],
    ),
    Bad(
        "minus-ten-to-the-twelve",
        "wallet_transactions",
        {"amount": "-1000000000000"},
        [("data.amount", "value_error", TOO_BIG)],
    ),
    Bad(
        "huge-exponent",
        "plans",
        {"amount": "1E+9999999"},
        [("data.amount", "value_error", TOO_BIG)],
    ),
    Bad(
        "huge-json-integer",
        "plans",
        {"amount": 10**30},
        # a JSON integer beyond 64 bits reaches the server as a binary float
        [("data.amount", "value_error", FLOAT_MONEY)],
    ),
    Bad(
        "not-a-number",
        "plans",
        {"amount": "ten"},
        [("data.amount", "value_error", "'ten' is not a decimal number")],
    ),
    Bad(
        "empty-money",
        "plans",
        {"amount": ""},
        [("data.amount", "value_error", "must be a decimal string of at most 40 characters")],
    ),
    Bad(
        "fx-rate-thirteen-digits",
        "fx_rates",
        {"rate": "1.0000000000001"},
        [("data.rate", "value_error", "has more than 12 fractional digits")],
    ),
    Bad(
        "fx-rate-zero",
        "fx_rates",
        {"rate": "0"},
        [("data.rate", "value_error", "rate must be greater than 0 and below 1,000,000")],
    ),
    # -- negative amounts -----------------------------------------------------------------------
    Bad(
        "negative-plan-amount",
        "plans",
        {"amount": "-1"},
        [("data.amount", "value_error", NEGATIVE)],
    ),
    Bad(
        "negative-payment-amount",
        "payments",
        {"amount": "-1"},
        [("data.amount", "value_error", NOT_POSITIVE)],
    ),
    Bad(
        "zero-payment-amount",
        "payments",
        {"amount": "0"},
        [("data.amount", "value_error", NOT_POSITIVE)],
    ),
    Bad(
        "negative-fee",
        "payments",
        {"fee_amount": "-0.01"},
        [("data.fee_amount", "value_error", NEGATIVE)],
    ),
    Bad(
        "negative-tax",
        "invoices",
        {"tax_amount": "-1", "total": "9"},
        [("data.tax_amount", "value_error", NEGATIVE)],
    ),
    Bad(
        "negative-total",
        "invoices",
        {"lines": [{"type": "one_time", "amount": "-2"}], "tax_amount": "1", "total": "-1"},
        [("data.total", "value_error", NEGATIVE)],
    ),
    Bad(
        "negative-call-cost",
        "call_records",
        {"cost": "-0.000001"},
        [("data.cost", "value_error", NEGATIVE)],
    ),
    Bad(
        "negative-usage-quantity",
        "usage_events",
        {"quantity": "-1"},
        [("data.quantity", "value_error", NEGATIVE)],
    ),
    Bad(
        "negative-refund",
        "refunds",
        {"amount": "-1"},
        [("data.amount", "value_error", NOT_POSITIVE)],
    ),
    Bad(
        "negative-unit-amount",
        "plans",
        {"usage_charges": [{"metric_code": "m", "unit_amount": "-0.1"}]},
        [("data.usage_charges.0.unit_amount", "value_error", NEGATIVE)],
    ),
    Bad(
        "zero-wallet-transaction",
        "wallet_transactions",
        {"amount": "0.000"},
        [("data", "value_error", "amount must not be zero (credit +, debit -)")],
    ),
    # -- timestamps -----------------------------------------------------------------------------
    Bad(
        "naive-timestamp",
        "customers",
        {"created_at": "2025-01-01T00:00:00"},
        [("data.created_at", "value_error", NO_OFFSET)],
    ),
    Bad(
        "date-only",
        "usage_events",
        {"timestamp": "2025-01-01"},
        [("data.timestamp", "value_error", NO_OFFSET)],
    ),
    Bad(
        "garbage-timestamp",
        "payments",
        {"created_at": "the day before yesterday"},
        [("data.created_at", "value_error", "must be an ISO 8601 timestamp with offset")],
    ),
    Bad(
        "epoch-number",
        "refunds",
        {"created_at": 1735689600},
        [("data.created_at", "value_error", "must be an ISO 8601 timestamp string with offset")],
    ),
    Bad(
        "before-1970",
        "customers",
        {"created_at": "1969-12-31T23:59:59Z"},
        [("data.created_at", "value_error", OUT_OF_RANGE)],
    ),
    Bad(
        "year-2200",
        "customers",
        {"created_at": "2200-01-01T00:00:00Z"},
        [("data.created_at", "value_error", OUT_OF_RANGE)],
    ),
    Bad(
        "year-1-with-offset",
        "customers",
        {"created_at": "0001-01-01T00:00:00+01:00"},
        [("data.created_at", "value_error", OUT_OF_RANGE)],
    ),
    Bad(
        "year-9999-with-offset",
        "customers",
        {"created_at": "9999-12-31T23:59:59-01:00"},
        [("data.created_at", "value_error", OUT_OF_RANGE)],
    ),
    # -- currencies -----------------------------------------------------------------------------
    Bad(
        "two-letter-currency",
        "wallets",
        {"currency": "US"},
        [("data.currency", "value_error", NOT_CURRENCY)],
    ),
    Bad(
        "unknown-currency",
        "plans",
        {"currency": "XXX"},
        [("data.currency", "value_error", NOT_CURRENCY)],
    ),
    Bad(
        "currency-with-space",
        "payments",
        {"currency": "usd "},
        [("data.currency", "value_error", NOT_CURRENCY)],
    ),
    Bad(
        "numeric-currency",
        "call_records",
        {"currency": 840},
        [("data.currency", "value_error", NOT_CURRENCY)],
    ),
    Bad(
        "non-ascii-currency",
        "wallets",
        {"currency": "u\N{LATIN SMALL LETTER LONG S}d"},
        [("data.currency", "value_error", NOT_CURRENCY)],
    ),
    # -- ids in references ----------------------------------------------------------------------
    Bad(
        "empty-ref-id",
        "plans",
        {"product_id": ""},
        [("data.product_id", "string_pattern_mismatch", ID_PATTERN_MSG)],
    ),
    Bad(
        "ref-id-with-slash",
        "plans",
        {"product_id": "a/b"},
        [("data.product_id", "string_pattern_mismatch", ID_PATTERN_MSG)],
    ),
    Bad(
        "ref-id-with-space",
        "subscriptions",
        {"customer_id": "a b"},
        [("data.customer_id", "string_pattern_mismatch", ID_PATTERN_MSG)],
    ),
    Bad(
        "ref-id-too-long",
        "wallets",
        {"customer_id": "c" * 129},
        [("data.customer_id", "string_pattern_mismatch", ID_PATTERN_MSG)],
    ),
    Bad(
        "ref-id-trailing-newline",
        "wallets",
        {"customer_id": "cus\n"},
        [("data.customer_id", "string_pattern_mismatch", ID_PATTERN_MSG)],
    ),
    Bad(
        "ref-id-leading-dash",
        "wallets",
        {"customer_id": "-cus"},
        [("data.customer_id", "string_pattern_mismatch", ID_PATTERN_MSG)],
    ),
    # -- unknown references ---------------------------------------------------------------------
    _ref("plans", "product_id", "products"),
    _ref("subscriptions", "plan_id", "plans"),
    _ref("subscriptions", "customer_id", "customers"),
    _ref("subscriptions", "affiliate_id", "affiliates"),
    _ref("invoices", "customer_id", "customers"),
    _ref("invoices", "subscription_id", "subscriptions"),
    _ref("payments", "invoice_id", "invoices"),
    _ref("payments", "subscription_id", "subscriptions"),
    _ref("payments", "customer_id", "customers"),
    _ref("payments", "affiliate_id", "affiliates", {"affiliate_commission": "1"}),
    _ref("refunds", "payment_id", "payments"),
    _ref("usage_events", "customer_id", "customers"),
    _ref("usage_events", "subscription_id", "subscriptions"),
    _ref("wallets", "customer_id", "customers"),
    _ref("wallet_transactions", "wallet_id", "wallets"),
    _ref("call_records", "account_id", "customers"),
    _ref("customers", "partner_id", "partners"),
    # -- record rules ---------------------------------------------------------------------------
    Bad(
        "invoice-total-not-lines-plus-tax",
        "invoices",
        {"total": "10"},
        [("data", "value_error", "total 10 does not equal the lines plus tax (11)")],
    ),
    Bad(
        "invoice-total-off-by-a-micro",
        "invoices",
        {"total": "11.000001"},
        [("data", "value_error", "total 11.000001 does not equal the lines plus tax (11)")],
    ),
    Bad(
        "invoice-paid-without-paid-at",
        "invoices",
        {"status": "paid"},
        [("data", "value_error", "a paid invoice needs paid_at")],
    ),
    Bad(
        "invoice-due-before-issue",
        "invoices",
        {"due_at": "2024-12-31T00:00:00Z"},
        [("data", "value_error", "due_at must not be before issued_at")],
    ),
    Bad(
        "invoice-cycle-without-subscription",
        "invoices",
        {"billing_reason": "subscription_cycle"},
        [("data", "value_error", "billing_reason subscription_cycle needs subscription_id")],
    ),
    Bad(
        "usage-line-without-metric",
        "invoices",
        {"lines": [{"type": "usage", "amount": "10"}]},
        [("data.lines.0", "value_error", "a usage line needs metric_code")],
    ),
    Bad(
        "line-period-reversed",
        "invoices",
        {
            "lines": [
                {
                    "type": "one_time",
                    "amount": "10",
                    "period_start": "2025-02-01T00:00:00Z",
                    "period_end": "2025-01-01T00:00:00Z",
                }
            ]
        },
        [("data.lines.0", "value_error", "period_end must not be before period_start")],
    ),
    Bad(
        "trialing-without-trial-end",
        "subscriptions",
        {"status": "trialing"},
        [("data", "value_error", "a trialing subscription needs trial_ends_at")],
    ),
    Bad(
        "cancelled-without-cancelled-at",
        "subscriptions",
        {"status": "cancelled"},
        [("data", "value_error", "a cancelled subscription needs cancelled_at")],
    ),
    Bad(
        "trial-ends-before-start",
        "subscriptions",
        {"status": "trialing", "trial_ends_at": "2024-12-31T00:00:00Z"},
        [("data", "value_error", "trial_ends_at must not be before started_at")],
    ),
    Bad(
        "discount-percent-and-amount",
        "subscriptions",
        {"discount": {"percent": "10", "amount": "1", "duration": "forever"}},
        [("data.discount", "value_error", "give exactly one of percent or amount")],
    ),
    Bad(
        "discount-neither",
        "subscriptions",
        {"discount": {"duration": "once"}},
        [("data.discount", "value_error", "give exactly one of percent or amount")],
    ),
    Bad(
        "repeating-discount-without-end",
        "subscriptions",
        {"discount": {"percent": "10", "duration": "repeating"}},
        [("data.discount", "value_error", "a repeating discount needs ends_at")],
    ),
    Bad(
        "discount-percent-over-100",
        "subscriptions",
        {"discount": {"percent": "100.5", "duration": "once"}},
        [("data.discount.percent", "value_error", "must be greater than 0 and at most 100")],
    ),
    Bad(
        "commission-without-affiliate",
        "payments",
        {"affiliate_commission": "1"},
        [("data", "value_error", "affiliate_commission needs affiliate_id")],
    ),
    Bad(
        "fee-above-amount",
        "payments",
        {"fee_amount": "10.01"},
        [("data", "value_error", "fee_amount must not exceed the amount")],
    ),
    Bad(
        "partner-updated-before-created",
        "partners",
        {"updated_at": "2024-12-31T00:00:00Z"},
        [("data", "value_error", "updated_at must not be before created_at")],
    ),
    Bad(
        "duplicate-feature-codes",
        "plans",
        {
            "features": [
                {"code": "f", "name": "F", "type": "boolean", "value": "true"},
                {"code": "f", "name": "G", "type": "boolean", "value": "false"},
            ]
        },
        [("data", "value_error", "feature codes must be unique within a plan")],
    ),
    Bad(
        "quantity-feature-not-a-number",
        "plans",
        {"features": [{"code": "seats", "name": "Seats", "type": "quantity", "value": "many"}]},
        [("data.features.0", "value_error", "a quantity feature's value must be a number")],
    ),
    # -- text that a database cannot hold ---------------------------------------------------------
    Bad(
        "nul-in-name",
        "customers",
        {"name": "Ada\u0000"},
        [("data.name", "string_pattern_mismatch", None)],
    ),
    Bad(
        "nul-in-feature-value",
        "plans",
        {"features": [{"code": "f", "name": "F", "type": "custom", "value": "\u0000"}]},
        [("data.features.0.value", "string_pattern_mismatch", None)],
    ),
    Bad(
        "phone-longer-than-column",
        "customers",
        {"phone": "1" * 65},
        [("data.phone", "string_too_long", None)],
    ),
    Bad(
        "email-longer-than-column",
        "customers",
        {"email": "a" * 321},
        [("data.email", "string_too_long", None)],
    ),
    Bad(
        "billing-model-longer-than-column",
        "partners",
        {"billing_model": "b" * 65},
        [("data.billing_model", "string_too_long", None)],
    ),
]


def _url(kind: str) -> str:
    return "/v1/fx_rates/EUR/2025-01-31" if kind == "fx_rates" else f"/v1/{kind}/new-record"


def _assert_problems(response: httpx.Response, expected: list[tuple[str, str, str | None]]) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    count = len(expected)
    assert error["code"] == "validation_error"
    assert error["message"] == (
        f"{count} problem{'s' if count != 1 else ''} found; nothing was written"
    )
    got = [(p["path"], p["code"]) for p in error["problems"]]
    assert got == [(path, code) for path, code, _ in expected]
    for problem, (_, _, message) in zip(error["problems"], expected, strict=True):
        assert set(problem) == {"path", "code", "message"}
        assert problem["message"]
        if message is not None:
            assert problem["message"] == message


@pytest.fixture
def seeded(api: httpx.Client) -> httpx.Client:
    seed(api)
    return api


def test_good_samples_are_valid(seeded: httpx.Client) -> None:
    """The baseline each case breaks is itself accepted (so each case fails for its one reason)."""
    for kind, body in GOOD.items():
        response = seeded.put(_url(kind), json=body)
        assert response.status_code == 201, (kind, response.text)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_record_is_422_and_nothing_is_written(seeded: httpx.Client, case: Bad) -> None:
    response = seeded.put(_url(case.kind), json=case.body())
    _assert_problems(response, case.problems)
    assert seeded.get(_url(case.kind)).status_code == 404


def test_all_problems_of_a_record_are_listed_in_path_order(seeded: httpx.Client) -> None:
    body = {
        **GOOD["call_records"],
        "duration_seconds": "60",
        "billed_seconds": True,
        "answered": "yes",
        "cost": "-1",
        "direction": "sideways",
    }
    response = seeded.put("/v1/call_records/c1", json=body)
    _assert_problems(
        response,
        [
            ("data.answered", "bool_type", None),
            ("data.billed_seconds", "int_type", None),
            ("data.cost", "value_error", NEGATIVE),
            ("data.direction", "literal_error", None),
            ("data.duration_seconds", "int_type", None),
        ],
    )


def test_invalid_update_leaves_the_stored_record_alone(seeded: httpx.Client) -> None:
    before = seeded.get("/v1/plans/plan").json()
    body = {
        "product_id": "prod",
        "name": "Renamed",
        "currency": "USD",
        "amount": 1.5,
        "interval_unit": "month",
    }
    _assert_problems(
        seeded.put("/v1/plans/plan", json=body), [("data.amount", "value_error", FLOAT_MONEY)]
    )
    assert seeded.get("/v1/plans/plan").json() == before
