"""The node's HTTP contract as an OpenAPI 3.1 document, served at ``/openapi.json``.

Every route, parameter, status and problem type. tests/contract checks that each route the app
registers is described here and runs schemathesis against real nodes with it.
"""

from __future__ import annotations

# The error classes of the parts, imported so that problem_types() sees every slug whichever
# modules the process has loaded (the served document equals the one a client builds).
import resolver.lifecycle.readings
import resolver.lifecycle.status
import resolver.sparql.errors  # noqa: F401
from resolver import __version__
from resolver.errors import PROBLEM_BASE, ResolverError
from resolver.openapi import cn, gs1, integrity, lifecycle, linked, sparql
from resolver.openapi.native import handle_paths, node_paths, passport_paths
from resolver.openapi.parts import responses

__all__ = ["ROUTES", "openapi_document", "problem_types"]

# (path as aiohttp registers it, path as OpenAPI writes it); the catch-all 404/405 route is
# not an API of its own, and the OPTIONS route on every path is each path's "options".
ROUTES: dict[str, str] = {
    "/healthz": "/healthz",
    "/metrics": "/metrics",
    "/.well-known/passport-node": "/.well-known/passport-node",
    "/openapi.json": "/openapi.json",
    "/changes": "/changes",
    **integrity.ROUTES,
    "/profiles/{profile}/{name}": "/profiles/{profile}/{name}",
    "/validate": "/validate",
    "/api/handles": "/api/handles",
    "/api/handles/{handle}": "/api/handles/{handle}",
    **gs1.ROUTES,
    **sparql.ROUTES,
    **lifecycle.ROUTES,
    **cn.ROUTES,
    **linked.ROUTES,
    "/{prefix}/{suffix}": "/{prefix}/{suffix}",
}
PREFLIGHT = "/{_any}"  # resolver/http/cors.py: OPTIONS on every path

# Statuses aiohttp answers on its own (problems.py's slugs), besides the node's errors.
_PROTOCOL_SLUGS = (
    "bad-request",
    "not-found",
    "method-not-allowed",
    "request-timeout",
    "payload-too-large",
    "uri-too-long",
    "unsupported-media-type",
    "header-too-large",
    "internal",
    "not-implemented",
    "unavailable",
)

_CORS_HEADERS = {
    name: {"schema": {"type": "string"}}
    for name in (
        "Allow",
        "Access-Control-Allow-Methods",
        "Access-Control-Allow-Headers",
        "Access-Control-Max-Age",
    )
}


def problem_types() -> list[str]:
    """Every problem ``type`` URI the node can answer with."""
    slugs = set(_PROTOCOL_SLUGS)
    pending: list[type[ResolverError]] = [ResolverError]
    while pending:
        cls = pending.pop()
        slugs.add(cls.slug)
        pending.extend(cls.__subclasses__())
    return sorted(PROBLEM_BASE + slug for slug in slugs)


def _with_preflight(paths: dict[str, object]) -> dict[str, object]:
    """Every path also answers ``OPTIONS`` (CORS preflight): 204 with Allow and the
    Access-Control headers."""
    for path, item in paths.items():
        name = "".join(
            part.strip("{}").title()
            for part in path.replace(".", "/").replace("-", "/").replace("_", "/").split("/")
        )
        assert isinstance(item, dict)
        item["options"] = {
            "operationId": "options" + name,
            "summary": "CORS preflight: the methods and headers a browser may use",
            "responses": responses(
                {"204": {"description": "Allowed.", "headers": _CORS_HEADERS}},
                ("400", "408", "429", "431", "500"),
            ),
        }
    return paths


def openapi_document() -> dict[str, object]:
    """The OpenAPI 3.1 document of this node's HTTP API."""
    paths = {
        **node_paths(),
        **handle_paths(),
        **integrity.integrity_paths(),
        **gs1.gs1_paths(),
        **sparql.sparql_paths(),
        **lifecycle.lifecycle_paths(),
        **cn.cn_paths(),
        **linked.linked_paths(),
        "/{prefix}/{suffix}": passport_paths(),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "passport-node",
            "version": __version__,
            "description": (
                "A federated resolution node for battery passports. Every error is an RFC 9457 "
                "problem document; its type is one of components.schemas.Problem.properties.type.enum. "
                "Every path answers OPTIONS (CORS preflight); answers to callers without credentials "
                "carry Access-Control-Allow-Origin: *."
            ),
        },
        "paths": _with_preflight(paths),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from the node's configuration.",
                },
                "basic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "The token as the password (Handle clients).",
                },
            },
            "schemas": {**_SCHEMAS, **gs1.SCHEMAS, **lifecycle.SCHEMAS, "Problem": _problem_schema()},
        },
    }


def _problem_schema() -> dict[str, object]:
    return {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "enum": problem_types()},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
        },
    }


_SCHEMAS: dict[str, object] = {
    "Passport": {
        "type": "object",
        "description": "A battery passport in JSON-LD, with @id (or id) naming it.",
    },
    "Written": {
        "type": "object",
        "required": ["handle", "version"],
        "properties": {
            "handle": {"type": "string"},
            "iri": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
            "created": {"type": "boolean"},
            "changed": {"type": "boolean"},
            "modified": {"type": "string", "format": "date-time"},
            "converted": {
                "type": "object",
                "description": "A third-party body: its format, what was not mapped, its issuer "
                "and its signature's check (docs/adapters.md).",
            },
        },
    },
    "HandleAnswer": {
        "type": "object",
        "required": ["responseCode"],
        "properties": {"responseCode": {"type": "integer"}, "handle": {"type": "string"}},
    },
}
