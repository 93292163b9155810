"""The OpenAPI 3.1 document, generated from the route table.

    from labelcore.web.openapi import openapi_document
    doc = openapi_document(router, server_url="/label")
    assert doc["openapi"].startswith("3.1")

Only API routes appear; each path is written once, without a trailing slash.
"""

from __future__ import annotations

from typing import Any

from labelcore import __version__
from labelcore.web.routes import Router

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["status_code", "detail", "code"],
    "properties": {
        "id": {"type": "string"},
        "status_code": {"type": "integer"},
        "version": {"type": "string"},
        "detail": {"type": "string"},
        "validation_errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "code": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}

_REASONS = {
    200: "OK",
    201: "Created",
    204: "No content",
    304: "Not modified",
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
}


def openapi_document(router: Router, *, server_url: str = "") -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in router.routes:
        if route.kind != "api":
            continue
        path = "/" + route.pattern.strip("/")
        for name, kind in route.path_params:
            path = path.replace(f"{{{name}:{kind}}}", f"{{{name}}}")
        op: dict[str, Any] = {"operationId": route.name, "summary": route.summary or route.name}
        if route.tags:
            op["tags"] = list(route.tags)
        parameters: list[dict[str, Any]] = []
        for name, kind in route.path_params:
            pschema: dict[str, Any] = (
                {"type": "integer", "minimum": 1} if kind == "int" else {"type": "string"}
            )
            parameters.append({"name": name, "in": "path", "required": True, "schema": pschema})
        for p in route.params:
            item: dict[str, Any] = {
                "name": p.name,
                "in": p.where,
                "required": p.required,
                "schema": dict(p.schema),
            }
            if p.description:
                item["description"] = p.description
            parameters.append(item)
        if parameters:
            op["parameters"] = parameters
        if route.body is not None:
            op["requestBody"] = {
                "required": False,
                "content": {ct: {"schema": dict(route.body)} for ct in route.body_content},
            }
        responses: dict[str, Any] = {}
        for status, schema in sorted(route.responses.items()):
            entry: dict[str, Any] = {"description": _REASONS.get(status, str(status))}
            if schema is not None and status != 204:
                ctype = str(schema.get("x-content-type", "application/json"))
                clean = {k: v for k, v in schema.items() if k != "x-content-type"}
                entry["content"] = {ctype: {"schema": clean}}
            responses[str(status)] = entry
        err = {"$ref": "#/components/responses/Error"}
        if route.auth:
            responses.setdefault("401", err)
            op["security"] = [{"token": []}, {"session": []}]
        else:
            op["security"] = [{}]
        for code in ("400", "403", "404"):
            if route.auth or route.path_params:
                responses.setdefault(code, err)
        op["responses"] = responses
        paths.setdefault(path, {})[route.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "labelcore API",
            "version": __version__,
            "description": "Label Studio-compatible labeling API served by a labelcore host.",
        },
        "servers": [{"url": server_url or "/"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "responses": {
                "Error": {
                    "description": "An error (Label Studio's envelope plus code and errors)",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
            "securitySchemes": {
                "token": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "'Token <key>' with a key from /api/tokens",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "The host's login session; unsafe methods need X-CSRFToken",
                },
            },
        },
    }
