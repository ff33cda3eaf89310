"""The one way billstats reads its own signed tokens (access tokens, portal tokens).

HS256 only (no ``none``, no algorithm switching), a fixed issuer and audience per kind, every
listed claim required, and the token's length bounded before any decoding.  Expiry is left to the
caller, who checks it against the request's clock rather than ``time.time()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jwt

ALGORITHM = "HS256"
ISSUER = "billstats"
# A token of ours is a few hundred characters; anything far longer is not one.
MAX_TOKEN_LENGTH = 4096


class BadToken(Exception):
    """Not a genuine token of the expected kind (each caller maps it to its own error)."""


def decode(
    token: str, key: bytes, *, audience: str, required: Sequence[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a token signed with ``key`` for ``audience``."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise BadToken
    try:
        decoded = jwt.decode_complete(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=ISSUER,
            options={
                "require": list(required),
                "verify_exp": False,  # the caller checks expiry against the request's clock
                "verify_iat": False,
                "verify_nbf": False,
                "strict_aud": True,
            },
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        raise BadToken from None
    header, claims = decoded["header"], decoded["payload"]
    if header.get("alg") != ALGORITHM or not isinstance(claims, dict):
        raise BadToken
    return dict(header), claims


def is_int(value: object) -> bool:
    """A JSON integer (``True`` is not one)."""
    return isinstance(value, int) and not isinstance(value, bool)
