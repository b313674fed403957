"""The OpenAPI document as the code describes it, loaded into schemathesis against the WSGI app."""

from __future__ import annotations

from functools import cache
from typing import Any

import schemathesis
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from schemathesis.config import SchemathesisConfig

WRITE_METHODS = ("post", "put", "patch")

# Deterministic and small: the whole of tests/api_fuzz must stay within a few minutes on 2 cores
# and must never flake in CI. Coverage-phase boundary values are the explicit edge tests' job.
FUZZ_CONFIG = {
    "generation": {"deterministic": True, "max-examples": 2, "database": "none"},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
}


@cache
def openapi_document() -> dict[str, Any]:
    """The schema ``/api/v1/schema/`` serves, generated in process (no request needed)."""
    return SchemaGenerator(api_version="v1").get_schema(request=None, public=True)


def loaded_schema() -> Any:
    schema = schemathesis.openapi.from_dict(
        openapi_document(), config=SchemathesisConfig.from_dict(FUZZ_CONFIG)
    )
    schema.app = get_wsgi_application()
    return schema


def operations(methods: tuple[str, ...] | None = None) -> list[tuple[str, str, dict]]:
    """(method, path, operation) of every operation, optionally only ``methods``."""
    found = []
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete") and (
                methods is None or method in methods
            ):
                found.append((method, path, operation))
    return found


def resolve(node: Any) -> Any:
    """Follow a ``$ref`` (and a one-item ``allOf``) to the schema it names."""
    components = openapi_document()["components"]["schemas"]
    while isinstance(node, dict):
        if "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[-1]]
        elif "allOf" in node and len(node["allOf"]) == 1 and "properties" not in node:
            node = node["allOf"][0]
        else:
            break
    return node


def json_body_schema(operation: dict) -> dict | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return resolve(content["application/json"].get("schema", {}))


def body_fields(operation: dict) -> dict[str, dict]:
    """The writable top-level fields of an operation's JSON body, each resolved."""
    schema = json_body_schema(operation) or {}
    return {
        name: resolve(field)
        for name, field in schema.get("properties", {}).items()
        if not resolve(field).get("readOnly")
    }
