"""Long runs that execute only when their marker is selected (``-m soak``)."""

from __future__ import annotations

import pytest


def require_selected(request: pytest.FixtureRequest, marker: str) -> None:
    """Skip unless ``-m`` names ``marker``: CI runs the whole suite without ``-m``, and a long
    run must never start there by accident."""
    expression = str(request.config.getoption("markexpr") or "")
    if marker not in expression.replace("(", " ").replace(")", " ").split():
        pytest.skip(f"long run: select it with -m {marker}")
