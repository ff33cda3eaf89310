"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from billstats import __version__
from billstats.api import ERROR_FORMATS, ROUTERS
from billstats.config import Settings
from billstats.db.engine import make_engine
from billstats.db.migrate import upgrade
from billstats.web import errors, health
from billstats.web.observability import RequestMiddleware, configure_logging
from billstats.web.ratelimit import AuthFailureLimiter, FailureLog, Limits
from billstats.web.responses import JSON
from billstats.web.threads import ThreadLimit


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, *, migrate: bool = True
) -> FastAPI:
    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings)
    if migrate:
        upgrade(engine)
    app = FastAPI(title="billstats", version=__version__, default_response_class=JSON)
    app.state.settings = settings
    app.state.engine = engine
    if settings.log_requests:
        configure_logging()
    errors.install(app, ERROR_FORMATS)
    if settings.auth_failures_per_minute > 0:
        limits = Limits(max_failures=settings.auth_failures_per_minute, window_seconds=60.0)
        app.add_middleware(AuthFailureLimiter, formats=ERROR_FORMATS, log=FailureLog(limits))
    app.add_middleware(ThreadLimit, threads=settings.request_threads)
    app.add_middleware(RequestMiddleware)  # outermost: ids and metrics cover 429s too
    app.include_router(health.router)
    for router in ROUTERS:
        app.include_router(router)
    return app
