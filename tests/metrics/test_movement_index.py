"""``MovementIndex`` answers exactly as the walk over every customer's closes.

The walk (``mrr_movements.daily_series``, ``customer_movements``, ``currencies``) is the
definition; hypothesis draws close histories (customers in several currencies, MRR falling to 0
and coming back, several customers changing on one day) and ranges before, inside and after them.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from billstats.metrics.movement_index import MovementIndex
from billstats.metrics.mrr_movements import (
    Close,
    Key,
    currencies,
    customer_movements,
    daily_series,
)

DAY0 = date(2026, 1, 1)


@st.composite
def histories(draw: st.DrawFn) -> dict[Key, list[Close]]:
    out: dict[Key, list[Close]] = {}
    keys = draw(
        st.sets(
            st.tuples(st.sampled_from(["a", "b", "c", "d", "e"]), st.sampled_from(["EUR", "USD"])),
            max_size=8,
        )
    )
    for key in sorted(keys):
        days = draw(st.lists(st.integers(0, 40), min_size=1, max_size=6, unique=True))
        closes, value = [], 0
        for day in sorted(days):
            new = draw(st.sampled_from([v for v in (0, 500, 1000, 2500) if v != value]))
            closes.append(Close(DAY0 + timedelta(days=day), new))
            value = new
        out[key] = closes
    return out


@settings(max_examples=300, deadline=None)
@given(
    history=histories(),
    start=st.integers(-3, 45),
    length=st.integers(0, 20),
    currency=st.sampled_from([None, "EUR", "USD"]),
    among=st.sampled_from([None, ["USD"], ["EUR", "USD", "GBP"]]),
)
def test_the_index_answers_as_the_walk(
    history: dict[Key, list[Close]],
    start: int,
    length: int,
    currency: str | None,
    among: list[str] | None,
) -> None:
    index = MovementIndex(history)
    first = DAY0 + timedelta(days=start)
    last = first + timedelta(days=length)
    assert index.daily_series(first, last, currency, among=among) == daily_series(
        history, first, last, currency, among=among
    )
    assert index.customer_movements(first, last, currency) == customer_movements(
        history, first, last, currency
    )
    assert index.currencies(last) == currencies(history, last)
    assert index.currencies() == currencies(history)


def test_opening_by_hand() -> None:
    history = {
        ("a", "USD"): [Close(DAY0, 1000), Close(DAY0 + timedelta(days=2), 0)],
        ("b", "USD"): [Close(DAY0 + timedelta(days=1), 500)],
        ("c", "EUR"): [Close(DAY0 + timedelta(days=1), 700)],
    }
    index = MovementIndex(history)
    assert index.opening(DAY0) == {}
    assert index.opening(DAY0 + timedelta(days=1)) == {"USD": (1000, 1)}
    assert index.opening(DAY0 + timedelta(days=2)) == {"USD": (1500, 2), "EUR": (700, 1)}
    assert index.opening(DAY0 + timedelta(days=3)) == {"USD": (500, 1), "EUR": (700, 1)}
