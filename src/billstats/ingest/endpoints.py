"""Native ingest API under /v1: PUT/GET per kind, listing, subscription history, bulk import."""

from __future__ import annotations

import tempfile
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from billstats.db.dialect import write_transaction
from billstats.ingest import service
from billstats.ingest.files import bounded_lines
from billstats.ingest.kinds import KINDS, Kind
from billstats.ingest.schemas.common import ID_PATTERN
from billstats.web.deps import Analytics, EngineDep, Ingest, ReadConn, SettingsDep
from billstats.web.limits import read_capped, stream_capped
from billstats.web.observability import count_ingested
from billstats.web.openapi import json_response, native_errors
from billstats.web.responses import JSON
from billstats.web.threads import import_limiter

router = APIRouter(prefix="/v1", tags=["ingest"])


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """``node`` with every ``{"$ref": "#/$defs/X"}`` replaced by X (the models nest, never
    recursively), so the request body is a self-contained schema."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {**_inline(defs[ref.removeprefix("#/$defs/")], defs), **rest}
    return {k: _inline(v, defs) for k, v in node.items()}


def _body_schema(kind: Kind) -> dict[str, Any]:
    schema = kind.schema.model_json_schema()
    defs = schema.pop("$defs", {})
    body = _inline(schema, defs)
    return {"required": True, "content": {"application/json": {"schema": body}}}


# -- OpenAPI: path and query parameters (read from the request), response bodies ---------------

_ID_PARAM = {"type": "string", "pattern": ID_PATTERN, "maxLength": 128}
_KEY_PARAMS = {
    "id": [{"name": "id", "in": "path", "required": True, "schema": _ID_PARAM}],
    "fx": [
        {"name": "currency", "in": "path", "required": True, "description": "ISO 4217 code",
         "schema": {"type": "string", "pattern": "^[A-Za-z]{3}$"}},
        {"name": "date", "in": "path", "required": True, "description": "YYYY-MM-DD",
         "schema": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}},
    ],
}  # fmt: skip
_NULLABLE_STR = {"type": ["string", "null"]}


def _record_schema(kind: Kind) -> dict[str, Any]:
    keys = ["id"] if kind.key_cols == ("id",) else ["currency", "date"]
    return {
        "type": "object",
        "description": f"one of {kind.name} as stored (money as decimal strings)",
        "required": keys,
        "properties": {k: {"type": "string"} for k in keys},
    }


def _list_params(kind: Kind) -> list[dict[str, Any]]:
    def query(name: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": schema,
                "description": text}  # fmt: skip

    params = [
        query("limit", {"type": "integer", "minimum": 1, "maximum": service.MAX_PAGE},
              f"records per page (default {service.DEFAULT_PAGE})"),
        query("cursor", {"type": "string"}, "next_cursor of the previous page"),
    ]  # fmt: skip
    if kind.time_column is not None:
        params += [
            query("since", {"type": "string"}, f"{kind.time_column} at or after (ISO 8601)"),
            query("until", {"type": "string"}, f"{kind.time_column} before (ISO 8601)"),
        ]
    params += [query(f, {"type": "string", "maxLength": 128}, "equal to") for f in kind.filters]
    return params


def _openapi_put(kind: Kind) -> dict[str, Any]:
    out = {"type": "object", "required": ["result", "data"], "properties": {
        "result": {"type": "string", "enum": ["created", "updated", "unchanged"]},
        "data": _record_schema(kind),
    }}  # fmt: skip
    return {
        "parameters": _KEY_PARAMS["id" if kind.key_cols == ("id",) else "fx"],
        "requestBody": _body_schema(kind),
        "responses": {
            "200": json_response(out, "updated or unchanged"),
            "201": json_response(out, "created"),
        },
    }


def _openapi_get(kind: Kind) -> dict[str, Any]:
    return {
        "parameters": _KEY_PARAMS["id" if kind.key_cols == ("id",) else "fx"],
        "responses": {"200": json_response(_record_schema(kind), "the record")},
    }


def _openapi_list(kind: Kind) -> dict[str, Any]:
    page = {"type": "object", "required": ["data", "has_more", "next_cursor"], "properties": {
        "data": {"type": "array", "items": _record_schema(kind)},
        "has_more": {"type": "boolean"},
        "next_cursor": _NULLABLE_STR,
    }}  # fmt: skip
    return {
        "parameters": _list_params(kind),
        "responses": {"200": json_response(page, "one page, in key order")},
    }


def _add_kind_routes(kind: Kind) -> None:
    name = kind.name
    key_path = "{id}" if kind.key_cols == ("id",) else "{currency}/{date}"

    async def put(
        request: Request, principal: Ingest, settings: SettingsDep, engine: EngineDep
    ) -> JSON:
        body = await read_capped(request, settings.max_body_bytes)
        key = service.key_from_path(kind, dict(request.path_params))

        def run() -> dict[str, Any]:
            with write_transaction(engine) as conn:
                return service.upsert(conn, principal.tenant_id, kind, key, body)

        out = await run_in_threadpool(run)
        count_ingested({name: {out["result"]: 1}})  # committed: count it
        return JSON(out, 201 if out["result"] == "created" else 200)

    def get_one(request: Request, principal: Analytics, conn: ReadConn) -> JSON:
        key = service.key_from_path(kind, dict(request.path_params))
        return JSON(service.get(conn, principal.tenant_id, kind, key))

    def list_all(request: Request, principal: Analytics, conn: ReadConn) -> JSON:
        params = dict(request.query_params)
        return JSON(service.list_records(conn, principal.tenant_id, kind, params))

    router.add_api_route(
        f"/{name}/{key_path}",
        put,
        methods=["PUT"],
        name=f"put_{name}",
        summary=f"Create or update one of {name}",
        openapi_extra=_openapi_put(kind),
        responses=native_errors(400, 409, 413, 422),
        response_class=JSON,
    )
    router.add_api_route(
        f"/{name}/{key_path}",
        get_one,
        methods=["GET"],
        name=f"get_{name}",
        summary=f"Read one of {name}",
        openapi_extra=_openapi_get(kind),
        responses=native_errors(404, 422),
        response_class=JSON,
    )
    router.add_api_route(
        f"/{name}",
        list_all,
        methods=["GET"],
        name=f"list_{name}",
        summary=f"List {name} (cursor pagination, filters)",
        openapi_extra=_openapi_list(kind),
        responses=native_errors(400),
        response_class=JSON,
    )


for _kind in KINDS.values():
    _add_kind_routes(_kind)


_HISTORY = {"type": "object", "required": ["data"], "properties": {
    "data": {"type": "array", "items": _record_schema(KINDS["subscriptions"])},
}}  # fmt: skip


@router.get(
    "/subscriptions/{sub_id}/history",
    response_class=JSON,
    summary="Every version of a subscription, oldest first",
    responses={200: json_response(_HISTORY, "the versions"), **native_errors(404)},
)
def subscription_history(sub_id: str, principal: Analytics, conn: ReadConn) -> JSON:
    return JSON(service.history(conn, principal.tenant_id, KINDS["subscriptions"], sub_id))


_IMPORT_EXAMPLE = (
    '{"kind": "customers", "data": {"id": "cus_1", "name": "Ada", '
    '"created_at": "2025-01-02T03:04:05Z"}}\n'
)


class ImportSummary(BaseModel):
    result: str
    records: int
    kinds: dict[str, dict[str, int]]


@router.post(
    "/import",
    response_class=JSON,
    response_model=ImportSummary,
    responses=native_errors(400, 413, 422),
    summary="Bulk import NDJSON, all-or-nothing",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-ndjson": {
                    "schema": {
                        "type": "string",
                        "description": 'one {"kind": ..., "data": {...}} per line',
                        "example": _IMPORT_EXAMPLE,
                    }
                }
            },
        }
    },
)
async def bulk_import(
    request: Request, principal: Ingest, settings: SettingsDep, engine: EngineDep
) -> JSON:
    # Spool to disk (not memory) while receiving, up to the cap; then import in one transaction,
    # reading at most one (capped) line at a time.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    try:
        async for chunk in stream_capped(request, settings.max_import_bytes):
            spool.write(chunk)
        spool.seek(0)
        line_cap = settings.max_ndjson_line_bytes

        def run() -> dict[str, Any]:
            with write_transaction(engine) as conn:
                return service.import_records(
                    conn,
                    principal.tenant_id,
                    service.iter_ndjson(bounded_lines(spool, line_cap), line_cap),
                    chunk_size=settings.import_chunk_size,
                    max_records=settings.max_import_records,
                )

        # On the imports' own threads: a long file never takes a request thread.
        summary = await to_thread.run_sync(run, limiter=import_limiter())
        count_ingested(summary["kinds"])  # committed: count it
        return JSON(summary)
    finally:
        spool.close()
