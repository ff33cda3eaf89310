"""``summary.current`` is computed over the whole range; when the query's only bucket *is* the
whole range (a yearly interval over 90 days) its row is reused, never computed twice, and the
answer is the same as computing it again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from billstats.db.dialect import read_transaction
from billstats.metrics import native_usage  # noqa: F401 - registers "calls"
from billstats.metrics.registry import REGISTRY, Bucket, Context, Row
from billstats.metrics_api import service
from tests.conftest import make_tenant

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "computed"),
    [
        # one bucket == the range: the buckets' row, then the previous range
        ({"start_date": "2026-01-01", "end_date": "2026-03-01", "interval": "year"}, [1, 1]),
        ({"start_date": "2026-03-01", "end_date": "2026-03-01", "interval": "day"}, [1, 1]),
        # several buckets: the whole range is computed apart
        ({"start_date": "2025-12-01", "end_date": "2026-03-01", "interval": "year"}, [2, 1, 1]),
        ({"start_date": "2026-02-27", "end_date": "2026-03-01", "interval": "day"}, [3, 1, 1]),
    ],
)
def test_the_whole_range_is_computed_once(
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, str],
    computed: list[int],
) -> None:
    tenant = make_tenant(engine)
    metric = REGISTRY["calls"]
    seen: list[int] = []

    def counting(ctx: Context, buckets: Sequence[Bucket]) -> list[Row]:
        seen.append(len(buckets))
        return metric.compute(ctx, buckets)

    monkeypatch.setitem(REGISTRY, "calls", replace(metric, compute=counting))
    with read_transaction(engine) as conn:
        body = service.query(conn, tenant.id, ["calls"], params, NOW)
    assert seen == computed
    assert body["summary"]["current"] == 0
    assert len(body["entries"]) == computed[0]
