"""Credentials and clock of the pabbly-compatible surface.

Clients authenticate with HTTP Basic: username = an API key's ``key_id``, password = its secret
(the same keys as the native API).  The key needs the ``analytics:read`` scope.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from billstats.auth.principal import Principal
from billstats.auth.service import authenticate_key
from billstats.db.dialect import read_transaction
from billstats.errors import BillstatsError, Forbidden, Unauthorized
from billstats.web.deps import EngineDep

SCOPE = "analytics:read"
_basic = HTTPBasic(auto_error=False, realm="billstats")
_CHALLENGE = {"WWW-Authenticate": 'Basic realm="billstats"'}


def _unauthorized(message: str) -> BillstatsError:
    return BillstatsError(message, 401, "unauthorized", headers=_CHALLENGE)


def basic_principal(
    engine: EngineDep,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> Principal:
    """The caller of an HTTP Basic request (key_id:secret), with the analytics scope."""
    if credentials is None:
        raise _unauthorized("missing credentials: use HTTP Basic with your key id and secret")
    try:
        with read_transaction(engine) as conn:
            principal = authenticate_key(conn, credentials.username, credentials.password)
    except Unauthorized as exc:
        raise _unauthorized(exc.message) from None
    if not principal.allows(SCOPE):
        raise Forbidden(f"this key lacks the {SCOPE!r} scope")
    return principal


Reader = Annotated[Principal, Depends(basic_principal)]
