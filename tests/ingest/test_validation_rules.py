"""Cross-record validation rules: 422 with the problems listed, and nothing written."""

from __future__ import annotations

import httpx

from tests.ingest.test_payloads import T0
from tests.ingest.test_validation import GOOD, _assert_problems, seeded

__all__ = ["seeded"]  # the fixture, imported for the tests below


def test_subscription_currency_defaults_to_plan_and_must_equal_it(seeded: httpx.Client) -> None:
    ok = seeded.put(
        "/v1/subscriptions/s-eur", json={**GOOD["subscriptions"], "plan_id": "plan-eur"}
    )
    assert ok.status_code == 201
    assert ok.json()["data"]["currency"] == "EUR"
    bad = seeded.put("/v1/subscriptions/s-bad", json={**GOOD["subscriptions"], "currency": "EUR"})
    _assert_problems(
        bad,
        [
            (
                "data.currency",
                "currency_mismatch",
                "subscription currency EUR differs from plan 'plan' currency USD",
            )
        ],
    )
    assert seeded.get("/v1/subscriptions/s-bad").status_code == 404


def test_plan_currency_cannot_change_while_subscriptions_use_it(seeded: httpx.Client) -> None:
    before = seeded.get("/v1/plans/plan").json()
    body = {
        "product_id": "prod",
        "name": "Plan",
        "currency": "EUR",
        "amount": "10",
        "interval_unit": "month",
    }
    _assert_problems(
        seeded.put("/v1/plans/plan", json=body),
        [
            (
                "data.currency",
                "currency_in_use",
                "plan 'plan' has USD subscriptions; its currency cannot change",
            )
        ],
    )
    assert seeded.get("/v1/plans/plan").json() == before
    # A plan nobody subscribes to may change its currency.
    free = seeded.put("/v1/plans/gold", json={**GOOD["plans"]})
    assert free.status_code == 201
    moved = seeded.put("/v1/plans/gold", json={**GOOD["plans"], "currency": "EUR"})
    assert (moved.status_code, moved.json()["data"]["currency"]) == (200, "EUR")


def test_invoice_customer_must_match_its_subscription(seeded: httpx.Client) -> None:
    body = {**GOOD["invoices"], "customer_id": "cus-other", "subscription_id": "sub"}
    _assert_problems(
        seeded.put("/v1/invoices/i9", json=body),
        [
            (
                "data.subscription_id",
                "customer_mismatch",
                "subscription 'sub' belongs to customer 'cus'",
            ),
        ],
    )
    assert seeded.get("/v1/invoices/i9").status_code == 404


def test_invoice_currency_must_match_its_subscription(seeded: httpx.Client) -> None:
    body = {**GOOD["invoices"], "subscription_id": "sub", "currency": "EUR"}
    _assert_problems(
        seeded.put("/v1/invoices/i9", json=body),
        [
            (
                "data.currency",
                "currency_mismatch",
                "currency EUR differs from subscription 'sub' currency USD",
            ),
        ],
    )


def test_payment_customer_must_match_its_invoice(seeded: httpx.Client) -> None:
    body = {**GOOD["payments"], "customer_id": "cus-other", "invoice_id": "inv"}
    _assert_problems(
        seeded.put("/v1/payments/p9", json=body),
        [
            ("data.invoice_id", "customer_mismatch", "invoice 'inv' belongs to customer 'cus'"),
        ],
    )
    assert seeded.get("/v1/payments/p9").status_code == 404


def test_payment_currency_must_match_its_invoice(seeded: httpx.Client) -> None:
    body = {**GOOD["payments"], "invoice_id": "inv", "currency": "EUR"}
    _assert_problems(
        seeded.put("/v1/payments/p9", json=body),
        [
            (
                "data.currency",
                "currency_mismatch",
                "currency EUR differs from invoice 'inv' currency USD",
            ),
        ],
    )


def test_payment_subscription_must_be_its_invoices(seeded: httpx.Client) -> None:
    other_sub = seeded.put("/v1/subscriptions/sub2", json=GOOD["subscriptions"])
    assert other_sub.status_code == 201
    body = {**GOOD["payments"], "invoice_id": "inv", "subscription_id": "sub2"}
    _assert_problems(
        seeded.put("/v1/payments/p9", json=body),
        [
            (
                "data.subscription_id",
                "subscription_mismatch",
                "invoice 'inv' belongs to subscription 'sub'",
            ),
        ],
    )


def test_usage_event_subscription_must_belong_to_its_customer(seeded: httpx.Client) -> None:
    body = {**GOOD["usage_events"], "customer_id": "cus-other", "subscription_id": "sub"}
    _assert_problems(
        seeded.put("/v1/usage_events/e9", json=body),
        [
            (
                "data.subscription_id",
                "customer_mismatch",
                "subscription 'sub' belongs to customer 'cus'",
            ),
        ],
    )


def test_refund_of_a_failed_payment_is_refused(seeded: httpx.Client) -> None:
    body = {**GOOD["refunds"], "payment_id": "pay-failed"}
    _assert_problems(
        seeded.put("/v1/refunds/r9", json=body),
        [
            (
                "data.payment_id",
                "payment_not_refundable",
                "payment 'pay-failed' is failed; only succeeded payments are refunded",
            ),
        ],
    )
    assert seeded.get("/v1/refunds/r9").status_code == 404


def test_refund_exceeding_the_payment_is_refused(seeded: httpx.Client) -> None:
    body = {**GOOD["refunds"], "amount": "10.000001"}
    _assert_problems(
        seeded.put("/v1/refunds/r9", json=body),
        [
            (
                "data.amount",
                "refund_exceeds_payment",
                "refunds of payment 'pay' would total 10.000001, more than its amount 10.00",
            ),
        ],
    )
    assert seeded.get("/v1/refunds/r9").status_code == 404
    full = seeded.put("/v1/refunds/r9", json={**GOOD["refunds"], "amount": "10"})
    assert full.status_code == 201


def test_refunds_are_checked_cumulatively(seeded: httpx.Client) -> None:
    assert seeded.put("/v1/refunds/r1", json={**GOOD["refunds"], "amount": "6"}).status_code == 201
    second = seeded.put("/v1/refunds/r2", json={**GOOD["refunds"], "amount": "4.01"})
    _assert_problems(
        second,
        [
            (
                "data.amount",
                "refund_exceeds_payment",
                "refunds of payment 'pay' would total 10.01, more than its amount 10.00",
            ),
        ],
    )
    assert seeded.get("/v1/refunds/r2").status_code == 404
    # Raising the first refund is checked against the others too.
    assert seeded.put("/v1/refunds/r2", json={**GOOD["refunds"], "amount": "4"}).status_code == 201
    raise_first = seeded.put("/v1/refunds/r1", json={**GOOD["refunds"], "amount": "6.5"})
    assert raise_first.json()["error"]["problems"][0]["code"] == "refund_exceeds_payment"
    assert seeded.get("/v1/refunds/r1").json()["amount"] == "6.00"


def test_payment_cannot_shrink_below_its_refunds(seeded: httpx.Client) -> None:
    assert seeded.put("/v1/refunds/r1", json={**GOOD["refunds"], "amount": "6"}).status_code == 201
    body = {
        "customer_id": "cus",
        "invoice_id": "inv",
        "amount": "5",
        "currency": "USD",
        "status": "succeeded",
        "created_at": T0,
    }
    _assert_problems(
        seeded.put("/v1/payments/pay", json=body),
        [
            (
                "data.amount",
                "refund_exceeds_payment",
                "refunds of payment 'pay' would total 6.00, more than its amount 5.00",
            ),
        ],
    )
    assert seeded.get("/v1/payments/pay").json()["amount"] == "10.00"
