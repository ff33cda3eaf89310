"""The HTTP half of the benchmark: uvicorn in its own process on loopback, httpx as the client."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    """A running server: its base URL and the process id of uvicorn (the master process when
    it runs several workers)."""

    url: str
    pid: int

    def pids(self) -> list[int]:
        """uvicorn and every process below it (the workers, with ``--workers``)."""
        return [self.pid, *_descendants(self.pid)]

    def peak_rss_bytes(self) -> int:
        """The sum over :meth:`pids` of each process's peak resident set size (``VmHWM``)."""
        return sum(_status_kib(pid, "VmHWM") for pid in self.pids()) * 1024

    def rss_bytes(self) -> int:
        """The sum over :meth:`pids` of each process's current resident set size."""
        return sum(_status_kib(pid, "VmRSS") for pid in self.pids()) * 1024


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            out += [int(child), *_descendants(int(child))]
    return out


def _status_kib(pid: int, field: str) -> int:
    """A ``kB`` field of ``/proc/<pid>/status`` (0 when the process is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@contextmanager
def server_process(
    database_url: str, *, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """``uvicorn billstats.app:create_app`` in a subprocess (as deployed, access log included);
    yields it once ``/healthz`` answers.  The server's log goes to a temporary file, shown if it
    fails to start."""
    port = _free_port()
    environment = {**os.environ, **(env or {}), "BILLSTATS_DATABASE_URL": database_url}
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "billstats.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--http",
        "h11",  # as `billstats serve` (httptools drops bodies sent with Upgrade: h2c)
    ]
    if workers > 1:
        command += ["--workers", str(workers)]
    proc = subprocess.Popen(command, env=environment, stderr=log)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"the server did not start:\n{log.read().decode()[-4000:]}")
            time.sleep(0.1)
        yield Server(base_url, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@contextmanager
def running_server(database_url: str) -> Iterator[str]:
    """The base URL of :func:`server_process` (one worker)."""
    with server_process(database_url) as server:
        yield server.url


def http_import(base_url: str, token: str, path: Path) -> tuple[dict[str, Any], float]:
    """POST a file to /v1/import (streamed from disk); the summary and the seconds it took."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-ndjson"}
    with path.open("rb") as body:
        started = time.perf_counter()
        response = httpx.post(f"{base_url}/v1/import", content=body, headers=headers, timeout=None)
        elapsed = time.perf_counter() - started
    response.raise_for_status()
    summary: dict[str, Any] = response.json()
    return summary, elapsed


def put_latency(base_url: str, token: str, requests: int) -> dict[str, dict[str, Any]]:
    """Single PUTs over one keep-alive connection: customers updated in turn, new subscriptions."""
    headers = {"Authorization": f"Bearer {token}"}
    out: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:

        def customer(n: int) -> tuple[str, dict[str, Any]]:
            return f"/v1/customers/cus-{n % 8}", {
                "name": f"Customer {n}",
                "currency": "USD",
                "created_at": "2024-12-01T00:00:00Z",
            }

        def subscription(n: int) -> tuple[str, dict[str, Any]]:
            return f"/v1/subscriptions/bench-sub-{n}", {
                "customer_id": f"cus-{n % 8}",
                "plan_id": "plan",
                "status": "active",
                "started_at": "2025-01-01T00:00:00Z",
            }

        for name, make in (
            ("customers (update)", customer),
            ("subscriptions (create)", subscription),
        ):
            for n in range(requests, requests + 20):  # warm-up
                client.put(make(n)[0], json=make(n)[1])
            times: list[float] = []
            results: dict[str, int] = {}
            for n in range(requests):
                url, body = make(n)
                started = time.perf_counter()
                response = client.put(url, json=body)
                times.append(time.perf_counter() - started)
                response.raise_for_status()
                result = response.json()["result"]
                results[result] = results.get(result, 0) + 1
            out[name] = _stats(times) | {"results": results}
    return out


def _stats(times: list[float]) -> dict[str, Any]:
    ms = sorted(t * 1000 for t in times)
    cuts = statistics.quantiles(ms, n=100) if len(ms) > 1 else ms * 99
    return {
        "requests": len(ms),
        "median_ms": round(statistics.median(ms), 3),
        "p95_ms": round(cuts[94], 3),
        "p99_ms": round(cuts[98], 3),
        "max_ms": round(ms[-1], 3),
    }
