"""JSON and CSV shapes of movement-log entries, cohorts and one customer's series.

Money is a decimal string rounded half-even to the currency's minor unit ("30.00", JPY "1000");
ratios are decimal strings with 6 decimals ("0.500000"); undefined values null — the renderings
of ``/v1/metrics`` (:mod:`billstats.metrics_api.render`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any

from billstats.metrics.activities import TYPES, Activity
from billstats.metrics.cohorts import CohortTable, ratio
from billstats.metrics.customer_mrr import CustomerPoint
from billstats.metrics_api import render

CSV_COLUMNS = (
    "date",
    "customer_id",
    "customer_name",
    "currency",
    "type",
    "amount",
    "mrr_before",
    "mrr_after",
    "subscriptions",
)
CSV_CHUNK = 1000  # rows rendered per chunk of the stream
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def money(micros: int | Fraction, currency: str) -> str:
    """Exact micros rounded once, half-even, to the currency's minor unit (as ``/v1/metrics``
    renders money)."""
    text = render.scalar("money", micros, currency)
    assert isinstance(text, str)
    return text


def ratio_text(value: Fraction | None) -> str | None:
    """``RATIO_PLACES`` decimals, half-even (as ``/v1/metrics`` renders ratios)."""
    text = render.scalar("ratio", value, "")
    assert text is None or isinstance(text, str)
    return text


def activity(entry: Activity, names: dict[str, str]) -> dict[str, Any]:
    cur = entry.currency
    return {
        "date": entry.day.isoformat(),
        "customer": {"id": entry.customer_id, "name": names.get(entry.customer_id)},
        "currency": cur,
        "type": entry.type,
        "amount": money(entry.amount, cur),
        "mrr_before": money(entry.before, cur),
        "mrr_after": money(entry.after, cur),
        "subscriptions": [
            {
                "id": s.subscription_id,
                "mrr_before": money(s.before, cur),
                "mrr_after": money(s.after, cur),
            }
            for s in entry.subscriptions
        ],
    }


def csv_safe(text: str) -> str:
    """Free text a spreadsheet would run as a formula gets a leading apostrophe."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def csv_row(entry: Activity, names: dict[str, str]) -> list[str]:
    cur = entry.currency
    return [
        entry.day.isoformat(),
        entry.customer_id,
        csv_safe(names.get(entry.customer_id, "")),
        cur,
        entry.type,
        money(entry.amount, cur),
        money(entry.before, cur),
        money(entry.after, cur),
        " ".join(s.subscription_id for s in entry.subscriptions),
    ]


def csv_chunks(log: Sequence[Activity], names: dict[str, str]) -> Iterator[str]:
    """The CSV document (header row first, CRLF line ends) in chunks of ``CSV_CHUNK`` rows:
    the text of the whole export is never held at once."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for start in range(0, len(log), CSV_CHUNK):
        for entry in log[start : start + CSV_CHUNK]:
            writer.writerow(csv_row(entry, names))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def customer_point(point: CustomerPoint) -> dict[str, Any]:
    cur = point.currency
    return {
        "date": point.first.isoformat(),
        "currency": cur,
        "mrr": money(point.mrr, cur),
        **{name: money(point.movements.get(name, 0), cur) for name in TYPES},
    }


def cohorts(table: CohortTable) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The cohorts, and the all-cohorts row per month since start (cohorts with customers that
    have reached that month, weighted by their customers and month-0 revenue)."""
    cur = table.currency
    rows: list[dict[str, Any]] = []
    totals: dict[int, list[Any]] = {}  # index -> [cohorts, customers, retained, rev, rev0]
    for cohort in table.cohorts:
        size = cohort.customers
        base = table.revenue_of(cohort, 0)
        periods = []
        for period in cohort.periods:
            revenue = table.revenue_of(cohort, period.index)
            retained = period.retained
            periods.append(
                {
                    "month": period.index,
                    "date": period.month.isoformat(),
                    "retained_customers": retained,
                    "customer_retention": ratio_text(ratio(retained, size)),
                    "revenue": money(revenue, cur),
                    "revenue_retention": ratio_text(ratio(revenue, base)),
                }
            )
            if size:
                acc = totals.setdefault(period.index, [0, 0, 0, Fraction(0), Fraction(0)])
                acc[0] += 1
                acc[1] += size
                acc[2] += retained
                acc[3] += revenue
                acc[4] += base
        rows.append(
            {
                "cohort": cohort.month.isoformat()[:7],
                "date": cohort.month.isoformat(),
                "customers": size,
                "periods": periods,
            }
        )
    overall = [
        {
            "month": index,
            "cohorts": n,
            "customers": size,
            "retained_customers": retained,
            "customer_retention": ratio_text(ratio(retained, size)),
            "revenue": money(revenue, cur),
            "revenue_retention": ratio_text(ratio(revenue, base)),
        }
        for index, (n, size, retained, revenue, base) in sorted(totals.items())
    ]
    return rows, overall
