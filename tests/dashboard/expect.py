"""What the page should show for an API value (en-US locale): the tests' own formatting, written
independently of the page's JavaScript."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import httpx

DASH = "—"
MINUS = "\u2212"  # the page writes a falling change with a real minus sign
KPIS = {
    "mrr": "money",
    "arr": "money",
    "customers": "count",
    "arpa": "money",
    "customer_churn_rate": "ratio",
    "net_revenue": "money",
}
OVERVIEW = ",".join([*KPIS, "sales", "refunds"])
MOVEMENTS = ("new_business", "expansion", "reactivation", "contraction", "churn")


def usd(value: str | None) -> str:
    if value is None:
        return DASH
    amount = Decimal(value)
    return f"{'-' if amount < 0 else ''}${abs(amount):,.2f}"


def percent(ratio: str | None) -> str:
    if ratio is None:
        return DASH
    shown = (Decimal(ratio) * 100).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    return f"{shown:,.2f}%"


def shown(kind: str, value: Any) -> str:
    if value is None:
        return DASH
    if kind == "money":
        return usd(value)
    if kind == "ratio":
        return percent(value)
    return f"{value:,}"


def change(value: str | None) -> str:
    if value is None:
        return DASH
    number = Decimal(value)
    sign = "+" if number > 0 else MINUS if number < 0 else ""
    return f"{sign}{abs(number):,.2f}%"


def api(http: httpx.Client, headers: dict[str, str], path: str, **params: str) -> Any:
    response = http.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()
