"""Whole days of the ``calls`` metric as running totals in the answer's currency.

Per data revision, partner filter, currency filter and reporting currency, the ``call_days``
roll-up (:func:`~billstats.metrics.partner_queries.call_day_groups`) becomes running totals over
consecutive local days (:class:`~billstats.metrics.flow_series.DaySeries`), for each part of the
metric (``PARTS``: every call, by direction, by telephony product), of

- the cost: converted on its day into the reporting currency (every currency counted), or, under
  a ``currency`` filter, that currency's calls alone unconverted; the series' count is the calls;
- the answered calls and the billed seconds (amounts of 0, counts only, so never a rate).

A bucket's whole days are then a few subtractions instead of a walk over every (day, direction,
product, currency, answered) group of its days; a day with a foreign cost but no rate has no
whole-day figures here and the caller takes the per-group path (which raises the missing-rate
error the conversion meets first).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from billstats.metrics import derived, shared_rates
from billstats.metrics.flow_series import DaySeries
from billstats.metrics.partner import DIRECTIONS, PRODUCTS
from billstats.metrics.partner_queries import CallGroup, call_day_groups

# The metric's parts, in field-name prefix form: every call, then by direction and by product.
PARTS = ("", *(f"{name}_" for name in (*DIRECTIONS, *PRODUCTS)))
_INDEX = {p: i for i, p in enumerate(PARTS)}
COST, ANSWERED, SECONDS = range(3)  # the figures of a part: at 3 * part index + these


def figure(part: str, which: int) -> int:
    """The series' figure index of ``which`` (COST, ANSWERED, SECONDS) of ``part``."""
    return 3 * _INDEX[part] + which


def groups_of(found: list[CallGroup]) -> list[tuple[int, date, str, int, int]]:
    """The series' groups of roll-up call groups (each counted in three parts)."""
    out: list[tuple[int, date, str, int, int]] = []
    for g in found:
        for part in ("", f"{g.direction}_", f"{g.product}_"):
            base = 3 * _INDEX[part]
            out.append((base + COST, g.day, g.currency, g.cost, g.calls))
            if g.answered:
                out.append((base + ANSWERED, g.day, g.currency, 0, g.calls))
            out.append((base + SECONDS, g.day, g.currency, 0, g.billed_seconds))
    return out


def call_series(
    conn: Connection,
    tenant_id: int,
    partner_id: str | None,
    reporting: str,
    only: str | None,
) -> DaySeries:
    """The tenant's call series (every partner's calls when ``partner_id`` is None) at the
    transaction's revision, cached per revision: costs in ``reporting`` (converted), or only the
    calls in ``only`` (unconverted) when given."""
    snap = derived.snapshot(conn, tenant_id)
    converter = None if only is not None else shared_rates.converter(conn, snap, reporting)

    def build() -> tuple[DaySeries, int]:
        found = groups_of(call_day_groups(conn, tenant_id, partner_id))
        made = DaySeries(3 * len(PARTS), found, only or reporting, converter)
        return made, made.nbytes

    return derived.from_database(conn, snap, ("call_series", partner_id, reporting, only), build)


__all__ = ["ANSWERED", "COST", "PARTS", "SECONDS", "call_series", "figure"]
