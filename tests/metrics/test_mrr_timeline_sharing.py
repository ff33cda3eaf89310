"""The MRR engine's history shares what repeats: one string object per distinct id, currency
and plan across segments, and a history "as it stands at" an instant reuses every subscription's
segment list that the instant does not change (memory, not numbers: the values are checked by
the MRR property tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from billstats.metrics.mrr_timeline import known_at, segments_from_versions

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2026, 2, 1, tzinfo=UTC)
T2 = datetime(2026, 3, 1, tzinfo=UTC)


def _version(sid: str, version: int, at: datetime, **changes: Any) -> dict[str, Any]:
    # fresh string objects per row, as a database driver returns them
    row: dict[str, Any] = {
        "subscription_id": "".join(["s", sid]),
        "version": version,
        "plan_id": "".join(["pl", "an"]),
        "effective_at": at,
        "customer_id": "".join(["cu", "s1"]),
        "currency": "".join(["US", "D"]),
        "quantity": 1,
        "status": "active",
        "started_at": T0,
        "trial_ends_at": None,
        "cancelled_at": None,
        "ended_at": None,
        "discount_percent": None,
        "discount_amount": None,
        "discount_duration": None,
        "discount_ends_at": None,
        "livemode": True,
        "product_id": "".join(["pro", "d"]),
        "amount": 10_000_000,
        "interval_unit": "month",
        "interval_count": 1,
    }
    row.update(changes)
    return row


def test_segments_share_one_object_per_distinct_string() -> None:
    rows = [
        _version("1", 1, T0),
        _version("1", 2, T1, quantity=2),
        _version("2", 1, T0, status="cancelled", cancelled_at=T2),
    ]
    segments = segments_from_versions(rows)
    every = [seg for segs in segments.values() for seg in segs]
    assert len(every) == 4  # s1: two versions; s2: active, then ended at T2
    for field in ("customer_id", "currency", "product_id", "plan_id"):
        assert len({id(getattr(seg, field)) for seg in every}) == 1, field
    assert len({id(seg.subscription_id) for seg in segments["s1"]}) == 1
    key = next(k for k in segments if k == "s1")
    assert key is segments["s1"][0].subscription_id  # the dict's key is that object too
    assert [seg.value for seg in segments["s1"]] == [10_000_000, 20_000_000]


def test_known_at_reuses_a_list_the_instant_does_not_change() -> None:
    segments = segments_from_versions(
        [_version("1", 1, T0), _version("2", 1, T0, status="cancelled", cancelled_at=T2)]
    )
    later = datetime(2026, 4, 1, tzinfo=UTC)
    assert known_at(segments["s1"], later) is segments["s1"]
    assert known_at(segments["s2"], later) is segments["s2"]  # ended before: nothing changes
    # Before s2's end its last phase has not happened yet: a new list, the old one untouched.
    before = known_at(segments["s2"], T1)
    assert before is not segments["s2"]
    assert [(s.phase, s.end) for s in before] == [("active", None)]
    assert [(s.phase, s.end) for s in segments["s2"]] == [("active", T2), ("ended", None)]
    assert known_at(segments["s1"], T0 - (T1 - T0)) == []
