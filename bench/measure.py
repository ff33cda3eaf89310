"""Latency and throughput of one endpoint over keep-alive HTTP/1.1 connections.

The client is the standard library's ``http.client``: a request costs it about 0.2 ms of CPU
against httpx's 0.6 ms (measured on the development machine), which matters when the client
shares two cores with the server it measures.  Each request's response is read in full and its
status checked; a failed request is counted, never timed as a success.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # with the query string
    headers: Callable[[], dict[str, str]]  # evaluated per request (tokens may be refreshed)
    body: bytes | None = None


@dataclass
class Response:
    status: int
    body: bytes


class Client:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, base_url: str, timeout: float = 600) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def send(self, request: Request) -> Response:
        headers = request.headers()
        for attempt in (1, 2):
            try:
                self.conn.request(request.method, request.path, request.body, headers)
                raw = self.conn.getresponse()
                return Response(raw.status, raw.read())
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = self._connect()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def summarize(seconds: list[float]) -> dict[str, Any]:
    """Median, p95, p99 and max in milliseconds (``statistics.quantiles``, inclusive method:
    interpolated between the measured values, never beyond the slowest)."""
    if not seconds:
        return {"requests": 0}
    ms = sorted(s * 1000 for s in seconds)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return {
        "requests": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
        "max_ms": round(ms[-1], 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


@dataclass
class Failure:
    status: int
    body: str


@dataclass
class _Tally:
    times: list[float] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _record(tally: _Tally, response: Response, elapsed: float) -> None:
    with tally.lock:
        if response.status == 200:
            tally.times.append(elapsed)
        else:
            tally.failures.append(
                Failure(response.status, response.body[:500].decode(errors="replace"))
            )


def _failures(tally: _Tally) -> dict[str, Any]:
    if not tally.failures:
        return {"errors": 0}
    first = tally.failures[0]
    return {
        "errors": len(tally.failures),
        "first_error": {"status": first.status, "body": first.body},
    }


def single_client(
    base_url: str, request: Request, *, requests: int, budget: float, warmup: int = 3
) -> dict[str, Any]:
    """``requests`` sequential requests on one connection after ``warmup`` untimed ones, stopping
    early when ``budget`` seconds have passed (``budget_exhausted`` then says so)."""
    client = Client(base_url)
    tally = _Tally()
    started = time.perf_counter()
    try:
        for _ in range(warmup):
            client.send(request)
            if time.perf_counter() - started > budget / 4:
                break
        started = time.perf_counter()
        while len(tally.times) + len(tally.failures) < requests:
            before = time.perf_counter()
            response = client.send(request)
            _record(tally, response, time.perf_counter() - before)
            if tally.failures or time.perf_counter() - started > budget:
                break
    except (OSError, http.client.HTTPException) as exc:  # a timeout, a dropped connection
        tally.failures.append(Failure(0, f"{type(exc).__name__}: {exc}"))
    finally:
        client.close()
    elapsed = time.perf_counter() - started
    done = len(tally.times) + len(tally.failures)
    return {
        **summarize(tally.times),
        "seconds": round(elapsed, 2),
        "budget_exhausted": done < requests and not tally.failures,
        **_failures(tally),
    }


def concurrent_clients(
    base_url: str, request: Request, *, clients: int, requests: int, budget: float
) -> dict[str, Any]:
    """``clients`` threads, each on its own connection, sending until ``requests`` responses in
    all or ``budget`` seconds; throughput = responses / wall-clock seconds."""
    tally = _Tally()
    issued = 0
    issue_lock = threading.Lock()
    clock = [0.0, 0.0]  # started, deadline: set as the clients are released, before any request

    def release() -> None:
        clock[0] = time.perf_counter()
        clock[1] = clock[0] + budget

    ready = threading.Barrier(clients + 1, action=release)

    def take() -> bool:
        nonlocal issued
        with issue_lock:
            if issued >= requests or time.perf_counter() > clock[1] or tally.failures:
                return False
            issued += 1
            return True

    def work() -> None:
        client = Client(base_url)
        try:
            try:
                client.conn.connect()  # connected before the clock starts
            finally:
                ready.wait()
            while take():
                before = time.perf_counter()
                response = client.send(request)
                _record(tally, response, time.perf_counter() - before)
        except Exception as exc:  # a broken connection ends this client; reported as a failure
            with tally.lock:
                tally.failures.append(Failure(0, f"{type(exc).__name__}: {exc}"))
        finally:
            client.close()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - clock[0]
    done = len(tally.times)
    stats = summarize(tally.times)
    return {
        "clients": clients,
        "requests": done,
        "seconds": round(elapsed, 2),
        "req_per_s": round(done / elapsed, 1) if elapsed > 0 else None,
        "p50_ms": stats.get("p50_ms"),
        "p99_ms": stats.get("p99_ms"),
        "budget_exhausted": done < requests and not tally.failures,
        **_failures(tally),
    }
