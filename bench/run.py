"""The read benchmark: demo dataset at a scale, bulk load, every read endpoint, the baseline.

    .venv/bin/python -m bench.run --scale 10 --db sqlite
    .venv/bin/python -m bench.run --scale 100 --db postgresql
    .venv/bin/python -m bench.run --all            # both databases, scales 10 and 100
    .venv/bin/python -m bench.run --scale 10 --db sqlite --skip-load   # reuse the loaded data

One run (``run_once``):

1. generates the demo dataset (``billstats.demo``, seed 42, history ending today) as NDJSON per
   kind under ``bench/out/data-s<scale>/`` (reused while seed, scale and date are the same);
2. loads it into a fresh database (``bench/out/sqlite-s<scale>/billstats.sqlite3``, or the
   PostgreSQL database ``billstats_bench_s<scale>``) through ``billstats.ingest.files.import_file``,
   kind by kind, timing records/s per kind (``--skip-load`` reuses what an earlier run loaded);
3. starts ``uvicorn billstats.app:create_app`` in its own process and issues the credentials of
   every surface over HTTP (partner credential, portal token, devkit access token);
4. measures every endpoint of ``bench/endpoints.py``: ``--requests`` sequential requests on one
   connection (p50/p95/p99), then ``--clients`` concurrent connections (req/s), each phase
   bounded by ``--budget`` seconds; the server's peak RSS (``VmHWM``) at the end;
5. runs the baseline checks (``bench/checks.py``): the same numbers by straight SQL, asserted
   equal to billstats' answers, and the time ratio.

Results: ``bench/results/<date>-<db>-<scale>.json``; a Markdown summary on stdout;
``--update-docs`` rewrites the read tables of ``docs/performance.md`` from every results file.
The exit status is 1 when an endpoint failed or a baseline check found different numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from bench import dataset, machine, report
from bench.checks import checks_for, run_check_safely
from bench.dataset import Say, say
from bench.endpoints import Endpoint, all_endpoints, issue_access, windows_for
from bench.measure import concurrent_clients, single_client
from bench.server import Server, server_process
from billstats.config import Settings
from billstats.db.engine import make_engine
from billstats.db.migrate import upgrade
from billstats.demo.config import DEFAULT_SEED, DemoConfig, today_in

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results"
OUT = ROOT / "out"
PG_URL = os.environ.get(
    "BILLSTATS_BENCH_PG_URL",
    os.environ.get("BILLSTATS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
)
TENANT = "bench"


@dataclass(frozen=True)
class Options:
    requests: int = 300
    concurrent_requests: int = 1000
    clients: int = 16
    budget: float = 90.0
    baseline_repeats: int = 3
    warmup: int = 3  # untimed requests before the sequential ones
    workers: int = 1
    only: tuple[str, ...] = ()  # endpoint names containing one of these (all when empty)


def scale_tag(scale: float) -> str:
    return f"{scale:g}"


def _pg_admin() -> Engine:
    return create_engine(
        PG_URL.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )


def bench_database(db: str, scale: float, *, fresh: bool) -> str:
    """The benchmark's own database for (db, scale): emptied first when ``fresh``."""
    tag = scale_tag(scale).replace(".", "_")
    if db == "sqlite":
        folder = OUT / f"sqlite-s{scale_tag(scale)}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "billstats.sqlite3"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    name = f"billstats_bench_s{tag}"
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar()
            if fresh and exists:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            if fresh or not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return f"{PG_URL.rpartition('/')[0]}/{name}"


def database_bytes(engine: Engine, url: str) -> int | None:
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        return sum(
            os.path.getsize(f"{path}{s}") for s in ("", "-wal") if os.path.exists(f"{path}{s}")
        )
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
    return int(size) if size is not None else None


def _selected(endpoints: list[Endpoint], only: tuple[str, ...]) -> list[Endpoint]:
    if not only:
        return endpoints
    return [e for e in endpoints if any(o.lower() in e.name.lower() for o in only)]


def measure_endpoints(
    server: Server, endpoints: list[Endpoint], options: Options, log: Say
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n, endpoint in enumerate(endpoints, start=1):
        single = single_client(
            server.url,
            endpoint.request,
            requests=options.requests,
            budget=options.budget,
            warmup=options.warmup,
        )
        entry: dict[str, Any] = {
            "name": endpoint.name,
            "group": endpoint.group,
            "method": endpoint.request.method,
            "path": endpoint.request.path.split("?token=")[0],
            "single": single,
        }
        p50 = (single.get("p50_ms") or 0) / 1000
        if single.get("errors"):
            pass
        elif p50 * options.clients > options.budget * (os.cpu_count() or 1):
            # One round of concurrent requests alone would overrun the budget: the throughput
            # is at most cpus / p50 (reported as an upper bound), not worth minutes of waiting.
            entry["concurrent"] = {
                "clients": options.clients,
                "skipped": "p50 too long for the budget",
                "req_per_s_upper_bound": round((os.cpu_count() or 1) / p50, 2),
                "requests": 0,
                "errors": 0,
            }
        else:
            entry["concurrent"] = concurrent_clients(
                server.url,
                endpoint.request,
                clients=options.clients,
                requests=options.concurrent_requests,
                budget=options.budget,
            )
        entry["server_rss_mb"] = round(server.rss_bytes() / 2**20, 1)
        out.append(entry)
        log(f"  [{n}/{len(endpoints)}] {report.endpoint_line(entry)}")
    return out


def _load_or_reuse(
    engine: Engine, url: str, config: DemoConfig, workdir: Path, tenant: str, skip: bool, log: Say
) -> tuple[int, dict[str, Any]]:
    """The tenant id and what the load reported (from the earlier run with ``skip``)."""
    state = workdir / f"load-{uuid.uuid5(uuid.NAMESPACE_URL, url).hex[:8]}.json"
    if skip:
        tenant_id = dataset.find_tenant(engine, tenant)
        if state.exists():
            saved: dict[str, Any] = json.loads(state.read_text())
            if saved.get("tenant_id") == tenant_id:
                return tenant_id, {**saved["load"], "reused": True}
        return tenant_id, {"reused": True}
    manifest = dataset.generate(config, workdir / f"data-s{scale_tag(config.scale)}", log=log)
    tenant_id = dataset.create_bench_tenant(engine, tenant)
    log(f"loading {sum(manifest.counts.values()):,} records into tenant {tenant!r}")
    loaded = dataset.load(engine, tenant_id, manifest, log=log)
    loaded["dataset"] = manifest.as_dict()
    if engine.dialect.name == "postgresql":
        started = time.perf_counter()
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        loaded["analyze_seconds"] = round(time.perf_counter() - started, 1)
    state.write_text(json.dumps({"tenant_id": tenant_id, "url": url, "load": loaded}) + "\n")
    return tenant_id, loaded


def run_once(
    *,
    db: str,
    scale: float,
    options: Options,
    database_url: str | None = None,
    skip_load: bool = False,
    seed: int = DEFAULT_SEED,
    anchor: date | None = None,
    tenant: str = TENANT,
    workdir: Path = OUT,
    log: Say = say,
) -> dict[str, Any]:
    """One benchmark run (see the module doc); returns the results."""
    started = time.perf_counter()
    before = machine.describe()
    url = database_url or bench_database(db, scale, fresh=not skip_load)
    engine = make_engine(Settings(database_url=url))
    try:
        upgrade(engine)
        config = DemoConfig(seed=seed, scale=scale, anchor=anchor or today_in())
        workdir.mkdir(parents=True, exist_ok=True)
        tenant_id, loaded = _load_or_reuse(engine, url, config, workdir, tenant, skip_load, log)
        data_anchor = dataset.anchor_of(engine, tenant_id)
        size = database_bytes(engine, url)
        with server_process(url, workers=options.workers) as server:
            access = issue_access(engine, tenant_id, server.url)
            windows = windows_for(data_anchor)
            endpoints = _selected(all_endpoints(access, windows), options.only)
            log(f"measuring {len(endpoints)} endpoints ({options.requests} requests each)")
            measured = measure_endpoints(server, endpoints, options, log)
            by_name = {e.name: e for e in endpoints}
            checks = []
            for check in checks_for(windows):
                if check.endpoint in by_name:
                    result = run_check_safely(
                        engine,
                        server.url,
                        tenant_id,
                        check,
                        by_name[check.endpoint],
                        repeats=options.baseline_repeats,
                        budget=options.budget,
                    )
                    checks.append(result)
                    log(f"  baseline {report.check_line(result, measured)}")
            peak = server.peak_rss_bytes()
        results: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "db": db,
            "scale": scale,
            "seed": seed,
            "anchor_date": data_anchor.isoformat(),
            "tenant_id": tenant_id,
            "options": options.__dict__ | {"only": list(options.only)},
            "database_bytes": size,
            "load": loaded,
            "server": {"workers": options.workers, "peak_rss_mb": round(peak / 2**20, 1)},
            "endpoints": measured,
            "baseline": report.with_ratios(checks, measured),
        }
        results["machine"] = machine.describe(url)
        results["machine"]["load_average_before"] = before["load_average"]
        results["total_seconds"] = round(time.perf_counter() - started, 1)
        results["targets"] = report.targets(results)
        return results
    finally:
        engine.dispose()


def failed(results: dict[str, Any]) -> list[str]:
    """What makes the run a failure: endpoints that answered with errors, unequal baselines."""
    out = []
    for e in results["endpoints"]:
        concurrent = e.get("concurrent", {})
        if e["single"].get("errors") or concurrent.get("errors"):
            error = e["single"].get("first_error") or concurrent["first_error"]
            out.append(f"{e['name']}: {error}")
    out += [
        f"baseline {c['check']}: {c['difference_count']} differences, e.g. {c['differences'][:3]}"
        for c in results["baseline"]
        if not c["equal"]
    ]
    return out


def write_results(results: dict[str, Any], folder: Path = RESULTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    day = results["date"][:10]
    partial = "-partial" if results["options"]["only"] else ""  # --only: not the docs' tables
    path = folder / f"{day}-{results['db']}-{scale_tag(results['scale'])}{partial}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scale", type=float, action="append", help="demo scale (repeatable)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--all", action="store_true", help="sqlite and postgresql, scales 10, 100")
    parser.add_argument("--skip-load", action="store_true", help="reuse the loaded database")
    parser.add_argument("--database-url", help="measure this database instead (one --db, --scale)")
    parser.add_argument("--tenant", default=TENANT, help="tenant name (default bench)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--anchor-date", type=date.fromisoformat, help="default: today (New York)")
    parser.add_argument("--requests", type=int, default=300, help="sequential requests each")
    parser.add_argument("--concurrent-requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--budget", type=float, default=90.0, help="seconds per endpoint phase")
    parser.add_argument("--baseline-repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--only", action="append", default=[], help="endpoints whose name has it")
    parser.add_argument("--update-docs", action="store_true", help="rewrite docs/performance.md")
    args = parser.parse_args(argv)
    scales = [10.0, 100.0] if args.all else args.scale or [10.0]
    dbs = ["sqlite", "postgresql"] if args.all else args.db or ["sqlite"]
    options = Options(
        requests=args.requests,
        concurrent_requests=args.concurrent_requests,
        clients=args.clients,
        budget=args.budget,
        baseline_repeats=args.baseline_repeats,
        workers=args.workers,
        only=tuple(args.only),
    )
    problems: list[str] = []
    for scale in scales:
        for db in dbs:
            say(f"=== {db}, scale {scale_tag(scale)} ===")
            try:
                results = run_once(
                    db=db,
                    scale=scale,
                    options=options,
                    database_url=args.database_url,
                    skip_load=args.skip_load,
                    seed=args.seed,
                    anchor=args.anchor_date,
                    tenant=args.tenant,
                )
            except Exception:  # the next run of --all still runs; the status says it failed
                say(traceback.format_exc())
                problems.append(f"{db} scale {scale_tag(scale)}: the run crashed (above)")
                continue
            path = write_results(results)
            print(report.markdown(results))
            print(f"\nresults: {path}\n")
            problems += [f"{db} scale {scale_tag(scale)}: {p}" for p in failed(results)]
    if args.update_docs:
        report.update_docs(sorted(RESULTS.glob("*-*-*.json")))
    for problem in problems:
        say(f"FAILED {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
