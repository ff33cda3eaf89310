"""One error hierarchy for every surface.

Each surface (native API, the vendor-compatible APIs, the CLI) renders these in its own format;
the status code and the machine-readable problems travel with the exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, what kind, and a human sentence."""

    path: str
    code: str
    message: str
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "code": self.code, "message": self.message}
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass
class BillstatsError(Exception):
    """Base class: carries an HTTP status, a stable code and a message."""

    message: str
    status_code: int = 400
    code: str = "bad_request"
    problems: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class ValidationFailed(BillstatsError):
    def __init__(self, problems: list[Problem], message: str | None = None) -> None:
        count = len(problems)
        super().__init__(
            message or f"{count} problem{'s' if count != 1 else ''} found; nothing was written",
            422,
            "validation_error",
            problems,
        )


class NotFound(BillstatsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 404, "not_found")


class Conflict(BillstatsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 409, "conflict")


class Unauthorized(BillstatsError):
    def __init__(self, message: str = "missing or invalid credentials") -> None:
        super().__init__(message, 401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})


class Forbidden(BillstatsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 403, "forbidden")


class PayloadTooLarge(BillstatsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 413, "payload_too_large")
