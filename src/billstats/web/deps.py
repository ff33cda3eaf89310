"""FastAPI dependencies: the request owns its transaction; credentials become a Principal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine

from billstats.auth import service as auth_service
from billstats.auth.principal import Principal
from billstats.config import Settings
from billstats.db.dialect import read_transaction, write_transaction
from billstats.errors import Forbidden


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _write_conn(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    # scope="function": committed before the response is sent, so an acknowledged write is durable.
    with write_transaction(engine) as conn:
        yield conn


def _read_conn(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    with read_transaction(engine) as conn:
        yield conn


WriteConn = Annotated[Connection, Depends(_write_conn, scope="function")]
ReadConn = Annotated[Connection, Depends(_read_conn, scope="function")]
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


# Documents the API keys in OpenAPI (security scheme "ApiKey"); the header is parsed below.
_api_key_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key: `Authorization: Bearer <key_id>.<secret>`",
)


def bearer_principal(
    engine: EngineDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    _documented: Annotated[HTTPAuthorizationCredentials | None, Security(_api_key_scheme)] = None,
) -> Principal:
    key_id, secret = auth_service.parse_bearer(authorization)
    with read_transaction(engine) as conn:
        return auth_service.authenticate_key(conn, key_id, secret)


def require(scope: str) -> Callable[[Principal], Principal]:
    def check(principal: Annotated[Principal, Depends(bearer_principal)]) -> Principal:
        if not principal.allows(scope):
            raise Forbidden(f"this key lacks the {scope!r} scope")
        return principal

    return check


Ingest = Annotated[Principal, Depends(require("ingest:write"))]
Analytics = Annotated[Principal, Depends(require("analytics:read"))]
Admin = Annotated[Principal, Depends(require("admin"))]


def current_time() -> datetime:
    """The request's "now", aware UTC: one value per request.  Tests override this one
    dependency to freeze time for every surface."""
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(current_time)]
