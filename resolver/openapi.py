"""The node's HTTP contract as an OpenAPI 3.1 document, served at ``/openapi.json``.

Every route, parameter, status and problem type. tests/contract checks that each route the app
registers is described here and runs schemathesis against real nodes with it.
"""

from __future__ import annotations

from typing import Any

from resolver import __version__
from resolver.errors import PROBLEM_BASE, ResolverError
from resolver.passport.read import RDF_TYPES

__all__ = ["ROUTES", "openapi_document", "problem_types"]

# (path as aiohttp registers it, path as OpenAPI writes it); the catch-all 404/405 route is
# not an API of its own.
ROUTES: dict[str, str] = {
    "/healthz": "/healthz",
    "/metrics": "/metrics",
    "/.well-known/passport-node": "/.well-known/passport-node",
    "/openapi.json": "/openapi.json",
    "/profiles/{profile}/{name}": "/profiles/{profile}/{name}",
    "/validate": "/validate",
    "/api/handles": "/api/handles",
    "/api/handles/{handle}": "/api/handles/{handle}",
    "/keys": "/keys",
    "/keys/{name}": "/keys/{name}",
    "/log/sth": "/log/sth",
    "/log/entries": "/log/entries",
    "/log/proof/inclusion": "/log/proof/inclusion",
    "/log/proof/consistency": "/log/proof/consistency",
    "/{prefix}/{suffix}": "/{prefix}/{suffix}",
}

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

_JSONLD_TYPES = ("application/ld+json", "application/json")
_RDF_TEXT_TYPES = ("text/turtle", "application/n-triples", "text/html")

_HANDLE_DESC = (
    "A handle prefix: dotted digits such as 88.100.1 (or 01 for a GS1 Digital Link path "
    "01/{gtin}/21/{serial})."
)


def problem_types() -> list[str]:
    """Every problem ``type`` URI the node can answer with."""
    slugs = set(_PROTOCOL_SLUGS)
    pending: list[type[ResolverError]] = [ResolverError]
    while pending:
        cls = pending.pop()
        slugs.add(cls.slug)
        pending.extend(cls.__subclasses__())
    return sorted(PROBLEM_BASE + slug for slug in slugs)


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


_ERRORS: dict[str, str] = {
    "400": "The request, identifier or document cannot be used (the detail says why).",
    "401": "Credentials missing where needed, not valid, empty, or not UTF-8.",
    "403": "Valid credentials that may not do this.",
    "404": "No such passport (authoritative) or resource.",
    "405": "Method not allowed on this path (Allow lists those that are).",
    "406": "No representation the client accepts.",
    "408": "The request took too long to arrive.",
    "409": "The write raced another.",
    "410": "The passport was deleted; a tombstone stands.",
    "412": "If-Match / If-None-Match does not hold.",
    "413": "The body is over the size limit.",
    "415": "A body in a media type the node does not take.",
    "422": "The passport fails the profile's shapes (the report is in the problem).",
    "429": "Too many requests from this client; Retry-After says when to try again.",
    "431": "A request header over the size limit.",
    "500": "A fault in the node (logged; never caused by input on purpose).",
    "502": "A peer node failed or answered wrongly.",
    "503": "The store or a service the node needs is unavailable.",
    "504": "The deadline ran out waiting for a peer.",
    "508": "The lookup came back to a node it had passed through.",
}

_COMMON = ("400", "405", "408", "413", "429", "431", "500", "503")
_READ = (*_COMMON, "401", "404", "406", "410", "502", "504", "508")
_WRITE = (*_COMMON, "401", "403", "404", "409", "410", "412", "415", "422")


def _errors(codes: tuple[str, ...]) -> dict[str, Any]:
    return {code: _problem(_ERRORS[code]) for code in sorted(set(codes))}


def _json_ok(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema or {"type": "object"}}},
    }


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _header(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }


_SECURITY: list[dict[str, list[str]]] = [{}, {"bearer": []}, {"basic": []}]
_WRITE_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"basic": []}]


def _passport_body() -> dict[str, Any]:
    """A passport as JSON-LD (any form: compacted, expanded, flattened, @graph) or as RDF text:
    the one write path (resolver/passport/read.py) reads each into the same graph."""
    passport = {"schema": {"$ref": "#/components/schemas/Passport"}}
    content: dict[str, Any] = {t: passport for t in _JSONLD_TYPES}
    for media_type in RDF_TYPES:
        content[media_type] = {"schema": {"type": "string"}}
    return {"required": True, "content": content}


def _passport_paths() -> dict[str, Any]:
    params = [
        _path_param("prefix", _HANDLE_DESC),
        _path_param(
            "suffix",
            "The rest of the identifier (may hold '/'); ending in /history lists the versions.",
        ),
    ]
    read_params = [
        _query("version", "A version number (1 or more).", {"type": "string"}),
        _query("at", "An RFC 3339 date-time: the version current then.", {"type": "string"}),
        _query("format", "jsonld, json, ttl, nt or html (instead of Accept).", {"type": "string"}),
        _query("tier", "Ask for a lower tier than the credentials give.", {"type": "string"}),
        _header("Accept", "Content negotiation between JSON-LD, Turtle, N-Triples and HTML."),
        _header("If-None-Match", "An ETag from an earlier answer."),
    ]
    passport_ok = {
        "description": "The passport view of the caller's tier (or the version history).",
        "content": {
            **{t: {"schema": {"type": "object"}} for t in _JSONLD_TYPES},
            **{t: {"schema": {"type": "string"}} for t in _RDF_TEXT_TYPES},
        },
    }
    written = _json_ok("Written (replaced, or unchanged).", {"$ref": "#/components/schemas/Written"})
    created = _json_ok("Created.", {"$ref": "#/components/schemas/Written"})
    preconditions = [
        _header("If-Match", "The ETag the write expects."),
        _header("If-None-Match", "* to create only."),
    ]
    return {
        "parameters": params,
        "get": {
            "operationId": "getPassport",
            "summary": "Resolve a passport",
            "security": _SECURITY,
            "parameters": read_params,
            "responses": {
                "200": passport_ok,
                "304": {"description": "Not modified."},
                "307": _json_ok("Held by a peer node: Location says where."),
                **_errors(_READ),
            },
        },
        "put": {
            "operationId": "putPassport",
            "summary": "Create or replace a passport",
            "security": _WRITE_SECURITY,
            "parameters": preconditions,
            "requestBody": _passport_body(),
            "responses": {"200": written, "201": created, **_errors(_WRITE)},
        },
        "patch": {
            "operationId": "patchPassport",
            "summary": "Change a passport with a JSON merge patch (RFC 7396)",
            "security": _WRITE_SECURITY,
            "parameters": preconditions[:1],
            "requestBody": {
                "required": True,
                "content": {"application/merge-patch+json": {"schema": {"type": "object"}}},
            },
            "responses": {"200": written, **_errors(_WRITE)},
        },
        "delete": {
            "operationId": "deletePassport",
            "summary": "Delete a passport (a tombstone version stays)",
            "security": _WRITE_SECURITY,
            "parameters": preconditions[:1],
            "responses": {"200": _json_ok("Deleted."), **_errors(_WRITE)},
        },
    }


def _handle_paths() -> dict[str, Any]:
    handle = [_path_param("handle", "A handle, prefix/suffix (the '/' may be sent as %2F).")]
    handle_ok = _json_ok("Handle's answer (responseCode 1).", {"$ref": "#/components/schemas/HandleAnswer"})
    return {
        "/api/handles": {
            "get": {
                "operationId": "listHandles",
                "summary": "List the handles under a prefix (credentials needed)",
                "security": _WRITE_SECURITY,
                "parameters": [
                    {
                        **_query("prefix", "A handle prefix, such as 88.100.1.", {"type": "string"}),
                        "required": True,
                    },
                    _query("page", "Page number from 0.", {"type": "string"}),
                    _query("pageSize", "Handles per page (at most 10,000).", {"type": "string"}),
                ],
                "responses": {"200": handle_ok, **_errors((*_COMMON, "401", "403"))},
            }
        },
        "/api/handles/{handle}": {
            "parameters": handle,
            "get": {
                "operationId": "getHandle",
                "summary": "A passport's handle record",
                "security": _SECURITY,
                "parameters": [_query("index", "Value indexes to return.", {"type": "string"})],
                "responses": {"200": handle_ok, **_errors(_READ)},
            },
            "put": {
                "operationId": "putHandle",
                "summary": "Write a passport through its handle record",
                "security": _WRITE_SECURITY,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {"200": handle_ok, "201": handle_ok, **_errors(_WRITE)},
            },
            "delete": {
                "operationId": "deleteHandle",
                "summary": "Delete a passport through its handle",
                "security": _WRITE_SECURITY,
                "responses": {"200": handle_ok, **_errors(_WRITE)},
            },
        },
    }


def _node_paths() -> dict[str, Any]:
    return {
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Ready to answer (store reachable, validator loaded)",
                "responses": {"200": _json_ok("Ready."), **_errors(("429", "500", "503"))},
            }
        },
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics",
                "responses": {
                    "200": {
                        "description": "Metrics.",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    **_errors(("429", "500")),
                },
            }
        },
        "/.well-known/passport-node": {
            "get": {
                "operationId": "describeNode",
                "summary": "The node's id, region, prefixes, profiles and federation",
                "responses": {"200": _json_ok("The description."), **_errors(("429", "500"))},
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": {"200": _json_ok("OpenAPI 3.1."), **_errors(("429", "500"))},
            }
        },
        "/profiles/{profile}/{name}": {
            "parameters": [
                _path_param("profile", "A profile, such as eu-battery."),
                _path_param("name", "context.jsonld, vocab.ttl or shapes-*.ttl."),
            ],
            "get": {
                "operationId": "profileFile",
                "summary": "A file of a profile (context, vocabulary, shapes)",
                "responses": {
                    "200": {
                        "description": "The file.",
                        "content": {
                            "application/ld+json": {"schema": {"type": "object"}},
                            "text/turtle": {"schema": {"type": "string"}},
                        },
                    },
                    **_errors(("404", "429", "500")),
                },
            },
        },
        "/validate": {
            "post": {
                "operationId": "validate",
                "summary": "Validate a passport against the profile without storing it",
                "security": _SECURITY,
                "requestBody": _passport_body(),
                "responses": {
                    "200": _json_ok("The validation report."),
                    **_errors((*_COMMON, "401", "415", "422")),
                },
            }
        },
    }


_B64 = {"type": "string", "contentEncoding": "base64"}
_MULTIKEY = {
    "type": "object",
    "required": ["id", "type", "controller", "publicKeyMultibase"],
    "properties": {
        "@context": {},
        "id": {"type": "string", "description": "This document's URL: the proofs' verificationMethod."},
        "type": {"const": "Multikey"},
        "controller": {"type": "string"},
        "publicKeyMultibase": {"type": "string", "pattern": "^z"},
        "validFrom": {"type": "string", "format": "date-time"},
        "revoked": {"type": "string", "format": "date-time", "description": "When the key retired."},
    },
}
_LOG_ERRORS = ("400", "404", "429", "500", "503")


def _ld_ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/ld+json": {"schema": schema}}}


def _get(
    operation: str, summary: str, ok: dict[str, Any], errors: tuple[str, ...], **more: Any
) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation,
            "summary": summary,
            **more,
            "responses": {"200": ok, **_errors(errors)},
        }
    }


def _index_query(name: str, description: str, *, required: bool = True) -> dict[str, Any]:
    return {**_query(name, description, {"type": "integer", "minimum": 0}), "required": required}


def _integrity_paths() -> dict[str, Any]:
    """The node's keys and transparency log (resolver/http/integrity.py; 404 on a node that
    does not sign)."""
    sth = {
        "type": "object",
        "required": ["tree_size", "root_hash", "timestamp", "key", "signature"],
        "properties": {
            "tree_size": {"type": "integer", "minimum": 0},
            "root_hash": _B64,
            "timestamp": {"type": "integer", "description": "Milliseconds since the epoch."},
            "key": {"type": "string", "description": "The URL of the signing key."},
            "signature": {"type": "string", "description": "Multibase Ed25519 signature."},
        },
    }
    entries = {
        "type": "object",
        "required": ["entries"],
        "properties": {
            "entries": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["leaf_index", "leaf"],
                    "properties": {"leaf_index": {"type": "integer", "minimum": 0}, "leaf": _B64},
                },
            }
        },
    }
    inclusion = {
        "type": "object",
        "required": ["leaf_index", "tree_size", "leaf", "inclusion_path"],
        "properties": {
            "leaf_index": {"type": "integer", "minimum": 0},
            "tree_size": {"type": "integer", "minimum": 1},
            "leaf": _B64,
            "inclusion_path": {"type": "array", "items": _B64},
        },
    }
    consistency = {
        "type": "object",
        "required": ["first", "second", "consistency_path"],
        "properties": {
            "first": {"type": "integer"},
            "second": {"type": "integer"},
            "consistency_path": {"type": "array", "items": _B64},
        },
    }
    keys = {
        "type": "object",
        "required": ["keys"],
        "properties": {"keys": {"type": "array", "items": _MULTIKEY}},
    }
    return {
        "/keys": _get(
            "keys", "Every signing key of the node, oldest first", _ld_ok("The keys.", keys), _LOG_ERRORS
        ),
        "/keys/{name}": {
            "parameters": [_path_param("name", "A key's name, as in its URL.")],
            **_get("key", "One key's Multikey document", _ld_ok("The key.", _MULTIKEY), _LOG_ERRORS),
        },
        "/log/sth": _get("logHead", "The log's signed tree head", _json_ok("The head.", sth), _LOG_ERRORS),
        "/log/entries": _get(
            "logEntries",
            "Log entries start..end inclusive (at most 1,000), with their exact leaf bytes",
            _json_ok("The entries.", entries),
            _LOG_ERRORS,
            parameters=[_index_query("start", "First leaf index."), _index_query("end", "Last leaf index.")],
        ),
        "/log/proof/inclusion": _get(
            "logInclusion",
            "RFC 9162 inclusion proof of a passport version",
            _json_ok("The proof.", inclusion),
            _LOG_ERRORS,
            parameters=[
                {**_query("id", "The passport's handle.", {"type": "string"}), "required": True},
                _index_query("version", "The version."),
                _index_query("tree_size", "The tree size (default: the current one).", required=False),
            ],
        ),
        "/log/proof/consistency": _get(
            "logConsistency",
            "RFC 9162 consistency proof between two tree sizes",
            _json_ok("The proof.", consistency),
            _LOG_ERRORS,
            parameters=[
                _index_query("first", "The older tree size."),
                _index_query("second", "The newer one."),
            ],
        ),
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of this node's HTTP API."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "passport-node",
            "version": __version__,
            "description": (
                "A federated resolution node for battery passports. Every error is an RFC 9457 "
                "problem document; its type is one of components.schemas.Problem.properties.type.enum."
            ),
        },
        "paths": {
            **_node_paths(),
            **_handle_paths(),
            **_integrity_paths(),
            "/{prefix}/{suffix}": _passport_paths(),
        },
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
            "schemas": {
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "detail"],
                    "properties": {
                        "type": {"type": "string", "enum": problem_types()},
                        "title": {"type": "string"},
                        "status": {"type": "integer", "minimum": 400, "maximum": 599},
                        "detail": {"type": "string"},
                        "instance": {"type": "string"},
                    },
                },
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
                    },
                },
                "HandleAnswer": {
                    "type": "object",
                    "required": ["responseCode"],
                    "properties": {"responseCode": {"type": "integer"}, "handle": {"type": "string"}},
                },
            },
        },
    }
