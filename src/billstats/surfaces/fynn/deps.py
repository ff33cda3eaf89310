"""The clock of the fynn-compatible surface (tests override it to freeze "today")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends


def current_time() -> datetime:
    """The instant "now" of a request."""
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(current_time)]
