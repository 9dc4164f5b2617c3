"""``/v1/openapi.json``: generated from the route table and the request models."""

from __future__ import annotations

import functools
import re
from typing import Any

from credgate import __version__

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "hint"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "hint": {"type": "string"},
            },
        },
        "errors": {"type": "array", "items": {"type": "string"}},
    },
}

KV_OPS = {
    "get": ("Read a secret (data/), its metadata (metadata/), or list keys (?list=true).", None),
    "post": (
        "Write a secret version (data/) or metadata (metadata/), or "
        "delete/undelete/destroy/rollback versions.",
        "object",
    ),
    "put": ("Same as POST.", "object"),
    "delete": ("Soft-delete the latest version (data/) or everything (metadata/).", None),
}


_NAME = "[a-z0-9][a-z0-9_.-]{0,127}"
_SEGMENT = "[a-z0-9][a-z0-9_-]{0,62}"
PARAM_PATTERNS: dict[str, dict[str, Any]] = {
    "name": {"pattern": f"^{_NAME}$"},
    "accessor": {"pattern": f"^{_NAME}$"},
    "path": {"pattern": f"^{_SEGMENT}(/{_SEGMENT})*/?$"},
    "session_id": {"maxLength": 128},
}
HEADER_PARAMS: list[dict[str, Any]] = [
    {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }
    for name, description in (
        ("X-Credgate-Namespace", "Act in this namespace, relative to the token's."),
        ("X-Credgate-Session", "The agent's session id (at most 128 printable characters)."),
        ("traceparent", "W3C Trace Context."),
        ("X-Credgate-Reasoning", "Agent-supplied reasoning for the audit trail."),
    )
]
KV_QUERY_PARAMS: dict[str, list[dict[str, Any]]] = {
    "get": [
        {
            "name": "version",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "pattern": "^[0-9]{1,9}$"},
        },
        {
            "name": "list",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": ["true"]},
        },
    ]
}


def _error_responses() -> dict[str, Any]:
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {
        code: {"description": desc, **ref}
        for code, desc in (
            ("400", "Invalid request"),
            ("403", "Permission denied"),
            ("404", "Not found"),
            ("405", "Method not allowed"),
            ("409", "Conflict"),
            ("413", "Body too large"),
            ("503", "Unavailable (for example, audit sinks down: nothing served)"),
        )
    }


def _operation_id(method: str, pattern: str) -> str:
    return f"{method.lower()}_{re.sub(r'[^a-z0-9]+', '_', pattern)}".strip("_")


@functools.cache
def openapi_document() -> dict[str, Any]:
    from credgate.adapters.http.routes import ROUTES

    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for route in ROUTES:
        template = "/v1/" + re.sub(r"\{(\w+):path\}", r"{\1}", route.pattern)
        method = "get" if route.method == "LIST" else route.method.lower()
        params: list[dict[str, Any]] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    **PARAM_PATTERNS.get("path" if is_path else name, {"maxLength": 128}),
                },
            }
            for name, is_path in re.findall(r"\{(\w+)(:path)?\}", route.pattern)
        ]
        params.extend(HEADER_PARAMS)
        if route.method == "LIST":
            params.append(
                {
                    "name": "list",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "enum": ["true"]},
                }
            )
        for q in route.query:
            params.append(
                {"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
            )
        op: dict[str, Any] = {
            "summary": route.summary,
            "tags": [route.tag],
            "operationId": _operation_id(route.method, route.pattern),
            "parameters": params,
            "security": [{"token": []}],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "204": {"description": "Done, no content"},
                **_error_responses(),
            },
        }
        if route.body is not None:
            name = route.body.__name__
            schema = route.body.model_json_schema(ref_template="#/components/schemas/{model}")
            for def_name, definition in schema.pop("$defs", {}).items():
                schemas[def_name] = definition
            schemas[name] = schema
            op["requestBody"] = {
                "required": bool(schema.get("required")),
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                },
            }
        paths.setdefault(template, {})[method] = op
    kv_param = {
        "name": "path",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_/-]*$"},
    }
    paths["/v1/secret/{path}"] = {
        verb: {
            "summary": summary,
            "tags": ["kv"],
            "operationId": f"kv_{verb}",
            "parameters": [kv_param, *HEADER_PARAMS, *KV_QUERY_PARAMS.get(verb, [])],
            "security": [{"token": []}],
            "responses": {
                "200": {"description": "OK"},
                "204": {"description": "Done"},
                **_error_responses(),
            },
            **(
                {
                    "requestBody": {
                        "required": False,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                }
                if body
                else {}
            ),
        }
        for verb, (summary, body) in KV_OPS.items()
    }
    paths["/v1/sys/health"] = {
        "get": {
            "summary": "Liveness and database status.",
            "tags": ["sys"],
            "operationId": "health",
            "responses": {"200": {"description": "OK"}, "503": {"description": "Database down"}},
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "credgate",
            "version": __version__,
            "description": "Credential broker for AI agents. OpenBao-shaped paths under /v1/.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }
