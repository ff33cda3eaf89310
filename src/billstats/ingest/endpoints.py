"""Native ingest API under /v1: PUT/GET per kind, listing, subscription history, bulk import."""

from __future__ import annotations

import tempfile
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from billstats.db.dialect import write_transaction
from billstats.errors import PayloadTooLarge
from billstats.ingest import service
from billstats.ingest.kinds import KINDS, Kind
from billstats.web.deps import Analytics, EngineDep, Ingest, ReadConn, SettingsDep
from billstats.web.observability import count_ingested
from billstats.web.responses import JSON

router = APIRouter(prefix="/v1", tags=["ingest"])

MAX_IMPORT_RECORDS = 10_000_000


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body exceeds {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(f"request body exceeds {limit} bytes")
    return bytes(body)


def _body_schema(kind: Kind) -> dict[str, Any]:
    schema = kind.schema.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _add_kind_routes(kind: Kind) -> None:
    name = kind.name
    key_path = "{id}" if kind.key_cols == ("id",) else "{currency}/{date}"

    async def put(
        request: Request, principal: Ingest, settings: SettingsDep, engine: EngineDep
    ) -> JSON:
        body = await _read_body(request, settings.max_body_bytes)
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
        openapi_extra=_body_schema(kind),
        response_class=JSON,
    )
    router.add_api_route(
        f"/{name}/{key_path}",
        get_one,
        methods=["GET"],
        name=f"get_{name}",
        summary=f"Read one of {name}",
        response_class=JSON,
    )
    router.add_api_route(
        f"/{name}",
        list_all,
        methods=["GET"],
        name=f"list_{name}",
        summary=f"List {name} (cursor pagination, filters)",
        response_class=JSON,
    )


for _kind in KINDS.values():
    _add_kind_routes(_kind)


@router.get("/subscriptions/{sub_id}/history", response_class=JSON)
def subscription_history(sub_id: str, principal: Analytics, conn: ReadConn) -> JSON:
    return JSON(service.history(conn, principal.tenant_id, KINDS["subscriptions"], sub_id))


class ImportSummary(BaseModel):
    result: str
    records: int
    kinds: dict[str, dict[str, int]]


@router.post(
    "/import",
    response_class=JSON,
    summary="Bulk import NDJSON, all-or-nothing",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-ndjson": {
                    "schema": {
                        "type": "string",
                        "description": 'one {"kind": ..., "data": {...}} per line',
                    }
                }
            },
        }
    },
)
async def bulk_import(
    request: Request, principal: Ingest, settings: SettingsDep, engine: EngineDep
) -> JSON:
    # Spool to disk (not memory) while receiving, then import in one transaction.
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    try:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)

        def run() -> dict[str, Any]:
            with write_transaction(engine) as conn:
                return service.import_records(
                    conn,
                    principal.tenant_id,
                    service.iter_ndjson(spool, settings.max_ndjson_line_bytes),
                    chunk_size=settings.import_chunk_size,
                    max_records=MAX_IMPORT_RECORDS,
                )

        summary = await run_in_threadpool(run)
        count_ingested(summary["kinds"])  # committed: count it
        return JSON(summary)
    finally:
        spool.close()
