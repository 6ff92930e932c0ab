"""The native API in the OpenAPI document: the node's own paths, the Handle API, passports."""

from __future__ import annotations

from resolver.openapi.parts import (
    COMMON,
    JSONLD_TYPES,
    RDF_TEXT_TYPES,
    READ,
    SECURITY,
    WRITE,
    WRITE_SECURITY,
    header,
    json_ok,
    path_param,
    query,
    responses,
)
from resolver.passport.read import RDF_TYPES

__all__ = ["HANDLE_DESC", "handle_paths", "node_paths", "passport_ok", "passport_paths"]

HANDLE_DESC = (
    "A handle prefix: dotted digits such as 88.100.1 (or 01 for a GS1 Digital Link path "
    "01/{gtin}/21/{serial})."
)


def passport_ok() -> dict[str, object]:
    """A passport in any representation the node serves."""
    return {
        "description": "The passport view of the caller's tier (or the version history).",
        "content": {
            **{t: {"schema": {"type": "object"}} for t in JSONLD_TYPES},
            **{t: {"schema": {"type": "string"}} for t in RDF_TEXT_TYPES},
        },
    }


def _passport_body(*, adapted: bool = False) -> dict[str, object]:
    """A passport as JSON-LD (any form: compacted, expanded, flattened, @graph) or as RDF text:
    the one write path (resolver/passport/read.py) reads each into the same graph. ``adapted``:
    also the third-party formats a PUT converts first (a UNTP credential as application/vc)."""
    passport = {"schema": {"$ref": "#/components/schemas/Passport"}}
    content: dict[str, object] = {t: passport for t in JSONLD_TYPES}
    for media_type in RDF_TYPES:
        content[media_type] = {"schema": {"type": "string"}}
    if adapted:
        from resolver.adapters.untp import MEDIA_TYPES as UNTP_TYPES

        for media_type in UNTP_TYPES:
            content[media_type] = {
                "schema": {"type": "object", "description": "A UNTP DPP credential (0.5.0+)."}
            }
        content["application/vc+jwt"] = {
            "schema": {"type": "string", "description": "A UNTP DPP credential as a compact JWS."}
        }
    return {"required": True, "content": content}


def passport_paths() -> dict[str, object]:
    params = [
        path_param("prefix", HANDLE_DESC),
        path_param(
            "suffix",
            "The rest of the identifier (may hold '/'); ending in /history lists the versions.",
        ),
    ]
    read_params = [
        query("version", "A version number (1 or more).", {"type": "string"}),
        query("at", "An RFC 3339 date-time: the version current then.", {"type": "string"}),
        query("format", "jsonld, json, ttl, nt or html (instead of Accept).", {"type": "string"}),
        query("tier", "Ask for a lower tier than the credentials give.", {"type": "string"}),
        header("Accept", "Content negotiation between JSON-LD, Turtle, N-Triples and HTML."),
        header("If-None-Match", "An ETag from an earlier answer."),
    ]
    written = json_ok("Written (replaced, or unchanged).", {"$ref": "#/components/schemas/Written"})
    created = json_ok("Created.", {"$ref": "#/components/schemas/Written"})
    preconditions = [
        header("If-Match", "The ETag the write expects."),
        header("If-None-Match", "* to create only."),
    ]
    return {
        "parameters": params,
        "get": {
            "operationId": "getPassport",
            "summary": "Resolve a passport",
            "security": SECURITY,
            "parameters": read_params,
            "responses": responses(
                {
                    "200": passport_ok(),
                    "304": {"description": "Not modified."},
                    "307": json_ok("Held by a peer node: Location says where."),
                },
                READ,
            ),
        },
        "put": {
            "operationId": "putPassport",
            "summary": "Create or replace a passport",
            "security": WRITE_SECURITY,
            "parameters": preconditions,
            "requestBody": _passport_body(adapted=True),
            "responses": responses({"200": written, "201": created}, WRITE),
        },
        "patch": {
            "operationId": "patchPassport",
            "summary": "Change a passport with a JSON merge patch (RFC 7396)",
            "security": WRITE_SECURITY,
            "parameters": preconditions[:1],
            "requestBody": {
                "required": True,
                "content": {"application/merge-patch+json": {"schema": {"type": "object"}}},
            },
            "responses": responses({"200": written}, WRITE),
        },
        "delete": {
            "operationId": "deletePassport",
            "summary": "Delete a passport (a tombstone version stays)",
            "security": WRITE_SECURITY,
            "parameters": preconditions[:1],
            "responses": responses({"200": json_ok("Deleted.")}, WRITE),
        },
    }


def handle_paths() -> dict[str, object]:
    handle = [path_param("handle", "A handle, prefix/suffix (the '/' may be sent as %2F).")]
    handle_ok = json_ok("Handle's answer (responseCode 1).", {"$ref": "#/components/schemas/HandleAnswer"})
    return {
        "/api/handles": {
            "get": {
                "operationId": "listHandles",
                "summary": "List the handles under a prefix (credentials needed)",
                "security": WRITE_SECURITY,
                "parameters": [
                    {
                        **query("prefix", "A handle prefix, such as 88.100.1.", {"type": "string"}),
                        "required": True,
                    },
                    query("page", "Page number from 0.", {"type": "string"}),
                    query("pageSize", "Handles per page (at most 10,000).", {"type": "string"}),
                ],
                "responses": responses({"200": handle_ok}, (*COMMON, "401", "403")),
            }
        },
        "/api/handles/{handle}": {
            "parameters": handle,
            "get": {
                "operationId": "getHandle",
                "summary": "A passport's handle record",
                "security": SECURITY,
                "parameters": [query("index", "Value indexes to return.", {"type": "string"})],
                "responses": responses({"200": handle_ok}, READ),
            },
            "put": {
                "operationId": "putHandle",
                "summary": "Write a passport through its handle record",
                "security": WRITE_SECURITY,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": responses({"200": handle_ok, "201": handle_ok}, WRITE),
            },
            "delete": {
                "operationId": "deleteHandle",
                "summary": "Delete a passport through its handle",
                "security": WRITE_SECURITY,
                "responses": responses({"200": handle_ok}, WRITE),
            },
        },
    }


def node_paths() -> dict[str, object]:
    return {**_health_and_feed_paths(), **_description_paths()}


def _health_and_feed_paths() -> dict[str, object]:
    """/healthz, /metrics and the change feed for peers."""
    return {
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Ready to answer (store reachable, validator loaded)",
                "responses": responses({"200": json_ok("Ready.")}, ("429", "500", "503")),
            }
        },
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics",
                "responses": responses(
                    {
                        "200": {
                            "description": "Metrics.",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                    ("429", "500"),
                ),
            }
        },
        "/changes": {
            "get": {
                "operationId": "changes",
                "summary": "The node's change feed, for its federation peers (long poll)",
                "description": "With since, the changes after that sequence number, at once, or the next "
                "one within wait seconds; without since, only where the feed ends now (last). A peer "
                "that caches this node's passports follows it and drops the copies it names.",
                "security": WRITE_SECURITY,
                "parameters": [
                    query(
                        "since",
                        "The cursor already seen: the last seq of each feed partition, comma-separated.",
                        {"type": "string", "pattern": "^[0-9]{1,18}(,[0-9]{1,18})*$"},
                    ),
                    query(
                        "wait", "Seconds to wait for a change (at most 30).", {"type": "number", "minimum": 0}
                    ),
                    query(
                        "relayed",
                        "Also the keys of copies this node dropped because their owner's feed named "
                        "them: empty at first, then the cursor of the last answer's relayed.",
                        {"type": "string", "maxLength": 64},
                    ),
                ],
                "responses": responses(
                    {
                        "200": json_ok(
                            "The changes and where the feed ends.",
                            {
                                "type": "object",
                                "required": ["last", "changes"],
                                "properties": {
                                    "last": {"type": "string"},
                                    "changes": {"type": "array"},
                                    "relayed": {
                                        "type": "object",
                                        "properties": {
                                            "cursor": {"type": "string"},
                                            "keys": {"type": "array", "items": {"type": "string"}},
                                            "reset": {"type": "boolean"},
                                        },
                                    },
                                },
                            },
                        ),
                    },
                    (*COMMON, "401", "403"),
                ),
            }
        },
    }


def _description_paths() -> dict[str, object]:
    """What describes the node and its profile, and /validate."""
    return {
        "/.well-known/passport-node": {
            "get": {
                "operationId": "describeNode",
                "summary": "The node's id, region, prefixes, profiles and federation",
                "responses": responses({"200": json_ok("The description.")}, ("429", "500")),
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "responses": responses({"200": json_ok("OpenAPI 3.1.")}, ("429", "500")),
            }
        },
        "/profiles/{profile}/{name}": {
            "parameters": [
                path_param("profile", "A profile, such as eu-battery."),
                path_param("name", "context.jsonld, vocab.ttl or shapes-*.ttl."),
            ],
            "get": {
                "operationId": "profileFile",
                "summary": "A file of a profile (context, vocabulary, shapes)",
                "responses": responses(
                    {
                        "200": {
                            "description": "The file.",
                            "content": {
                                "application/ld+json": {"schema": {"type": "object"}},
                                "text/turtle": {"schema": {"type": "string"}},
                            },
                        }
                    },
                    ("404", "429", "500"),
                ),
            },
        },
        "/validate": {
            "post": {
                "operationId": "validate",
                "summary": "Validate a passport against the profile without storing it",
                "security": SECURITY,
                "requestBody": _passport_body(adapted=True),
                "responses": responses(
                    {"200": json_ok("The validation report.")}, (*COMMON, "401", "415", "422")
                ),
            }
        },
    }
