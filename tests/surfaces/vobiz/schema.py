"""The vendor's response schema (``partner_openapi.yaml``, transcribed verbatim from seed 004).

The OpenAPI 3.0 document is turned into JSON Schema (draft 4, which OpenAPI 3.0 schemas extend:
``nullable: true`` becomes a ``"null"`` type) and the response schema is reached through a
``$ref`` into the whole document, resolved by a ``referencing`` registry, so any ``$ref`` inside
it resolves as well.  ``strict`` additionally forbids properties the schema does not name, so a
test also proves that no field was added.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

OPENAPI = Path(__file__).with_name("partner_openapi.yaml")
URI = "urn:vobiz:partner-openapi"
RESPONSE = "/paths/~1api~1v1~1partner~1dashboard/get/responses/200/content/application~1json/schema"


def openapi_to_jsonschema(node: Any, strict: bool) -> Any:
    if isinstance(node, list):
        return [openapi_to_jsonschema(item, strict) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: openapi_to_jsonschema(v, strict) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True and "type" in node:
        out["type"] = [node["type"], "null"]
    if strict and node.get("type") == "object" and "properties" in node:
        out["additionalProperties"] = False
    return out


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(OPENAPI.read_text())
    return loaded


@cache
def validator(strict: bool = True) -> Draft4Validator:
    contents = openapi_to_jsonschema(document(), strict)
    resource = Resource.from_contents(contents, default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(URI, resource)
    return Draft4Validator({"$ref": f"{URI}#{RESPONSE}"}, registry=registry)


def problems(body: Any, strict: bool = True) -> list[str]:
    errors = sorted(validator(strict).iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]


def assert_valid(body: Any) -> None:
    found = problems(body)
    assert not found, "response does not match the vendor's schema:\n" + "\n".join(found)
