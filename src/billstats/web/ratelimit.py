"""Rate limiting of failed authentication, per client address and per credential id.

Every response with status 401 counts as one failure for the client's address and, when the
request named a credential (the key id of ``Authorization: Bearer <key_id>.<secret>`` or of HTTP
Basic, an ``X-Auth-ID``), for that credential.  After ``max_failures`` failures within
``window_seconds``, further requests from that address, or naming that credential, answer 429 with
``Retry-After`` in the surface's error format, without being authenticated, until the window has
moved past the failures.  Successful requests are never counted.

The state is per process and bounded (the oldest entries are dropped past ``max_entries``).
Locking a credential id means that a stranger who knows a key id can delay that key's own use for
up to a window by failing on purpose; secrets are 256-bit random values, so the per-credential
limit is defence in depth, and the per-address limit is what stops guessing.
"""

from __future__ import annotations

import base64
import binascii
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from billstats.errors import BillstatsError
from billstats.web.errors import ErrorFormat, format_for_path

RATE_LIMITED = "too many failed authentication attempts; retry later"


class TooManyFailures(BillstatsError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            RATE_LIMITED, 429, "rate_limited", headers={"Retry-After": str(retry_after)}
        )


@dataclass(frozen=True)
class Limits:
    max_failures: int = 20
    window_seconds: float = 60.0
    max_entries: int = 100_000


class FailureLog:
    """Failure instants per subject (an address or a credential id) in a sliding window."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, subject: str, now: float) -> deque[float] | None:
        times = self._failures.get(subject)
        if times is None:
            return None
        while times and times[0] <= now - self.limits.window_seconds:
            times.popleft()
        if not times:
            del self._failures[subject]
            return None
        return times

    def retry_after(self, subjects: Sequence[str]) -> int | None:
        """Seconds until every subject is under the limit again; None when none is over it."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for subject in subjects:
                times = self._recent(subject, now)
                if times is not None and len(times) >= self.limits.max_failures:
                    # Under the limit once the oldest failure that keeps it there expires.
                    oldest = times[len(times) - self.limits.max_failures]
                    wait = max(wait, oldest + self.limits.window_seconds - now)
        return max(1, math.ceil(wait)) if wait > 0 else None

    def record(self, subjects: Sequence[str]) -> None:
        now = self.clock()
        with self._lock:
            for subject in subjects:
                times = self._failures.pop(subject, None) or deque()
                times.append(now)
                while len(times) > self.limits.max_failures:
                    times.popleft()
                self._failures[subject] = times  # most recent last
            while len(self._failures) > self.limits.max_entries:
                self._failures.popitem(last=False)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def subjects_of(scope: Scope) -> list[str]:
    """The address and the credential id a request names (never a secret)."""
    client = scope.get("client")
    out = [f"addr:{client[0] if client else '?'}"]
    authorization = _header(scope, b"authorization") or ""
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value.count(".") == 1:  # key_id.secret (not a JWT)
        out.append(f"key:{value.partition('.')[0][:64]}")
    elif scheme.lower() == "basic":
        try:
            user = base64.b64decode(value, validate=True).decode("utf-8").partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            user = ""
        if user:
            out.append(f"key:{user[:64]}")
    auth_id = _header(scope, b"x-auth-id")
    if auth_id:
        out.append(f"partner:{auth_id[:64]}")
    return out


def carries_credentials(scope: Scope) -> bool:
    """Whether a request presents a credential (only those can be refused for failures)."""
    names = {key.lower() for key, _ in scope.get("headers", [])}
    if names & {b"authorization", b"x-auth-id", b"x-auth-token"}:
        return True
    query: bytes = scope.get("query_string", b"")
    return scope["path"].endswith("/auth/token") or b"token=" in query


class AuthFailureLimiter:
    """ASGI middleware applying a :class:`FailureLog` to every HTTP request."""

    def __init__(
        self, app: ASGIApp, formats: Sequence[ErrorFormat], log: FailureLog | None = None
    ) -> None:
        self.app = app
        self.formats = formats
        self.log = log or FailureLog(Limits())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        subjects = subjects_of(scope)
        wait = self.log.retry_after(subjects) if carries_credentials(scope) else None
        if wait is not None:
            request = Request(scope, receive)
            fmt = format_for_path(self.formats, scope["path"])
            response = fmt.render(request, TooManyFailures(wait))
            await response(scope, receive, send)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status == 401:
            self.log.record(subjects)
