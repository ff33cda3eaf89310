"""The OpenAPI description of error responses: every status an operation can answer, in the
shape its surface renders (``web/errors.py`` and ``surfaces/<surface>/errors.py``).

Some statuses can come from any authenticated operation whatever it does: 429 (failed
authentications rate-limited, ``web/ratelimit.py``) and 503 (the database unavailable,
``web/errors.py``), both with ``Retry-After``.  ``error_responses`` adds them to every list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

Responses = dict[int | str, dict[str, Any]]

DESCRIPTIONS: dict[int, str] = {
    400: "malformed request: invalid JSON or query parameters, a limit exceeded",
    401: "missing or invalid credentials",
    403: "the credential lacks the needed scope",
    404: "no such record",
    409: "the request conflicts with stored data",
    413: "the request body (or a batch) is larger than allowed",
    422: "the input failed validation; nothing was written",
    429: "too many failed authentications from this client or for this credential",
    503: "the database is unavailable; nothing was written, retry shortly",
}

RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before retrying",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
ALWAYS = (429, 503)


def error_responses(
    model: type[BaseModel] | dict[str, Any],
    codes: Iterable[int],
    *,
    media_type: str = "application/json",
    descriptions: dict[int, str] | None = None,
    models: dict[int, type[BaseModel] | dict[str, Any]] | None = None,
) -> Responses:
    """``responses=`` for a route: ``model`` (a pydantic model or a JSON Schema) for each code
    (``models`` for those in another shape), plus 429 and 503."""
    out: Responses = {}
    for code in sorted({*codes, *ALWAYS}):
        text = (descriptions or {}).get(code) or DESCRIPTIONS[code]
        entry: dict[str, Any] = {"description": text}
        shape = (models or {}).get(code, model)
        if isinstance(shape, dict):
            entry["content"] = {media_type: {"schema": shape}}
        elif media_type != "application/json":
            schema = shape.model_json_schema()
            assert "$defs" not in schema, "inline models only for other media types"
            entry["content"] = {media_type: {"schema": schema}}
        else:
            entry["model"] = shape
        if code in ALWAYS:
            entry["headers"] = RETRY_AFTER
        out[code] = entry
    return out


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A documented success response with a JSON body of ``schema``."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# -- the native format: {"error": {"code", "message", "problems"}} --------------------------------


class NativeProblem(BaseModel):
    path: str
    code: str
    message: str
    line: int | None = None


class NativeErrorBody(BaseModel):
    code: str
    message: str
    problems: list[NativeProblem] | None = None


class NativeError(BaseModel):
    """The native API's error body."""

    error: NativeErrorBody


def native_errors(*codes: int, descriptions: dict[int, str] | None = None) -> Responses:
    """Error responses of a native (``/v1``) operation: 401, 403, the given codes, 429, 503;
    and 422 (a request FastAPI cannot validate renders in the native shape, never as FastAPI's
    own ``HTTPValidationError``, which this replaces)."""
    return error_responses(NativeError, {401, 403, 422, *codes}, descriptions=descriptions)
