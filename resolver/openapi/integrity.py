"""The node's keys and transparency log in the OpenAPI document (resolver/http/integrity.py)."""

from __future__ import annotations

from collections.abc import Mapping

from resolver.openapi.parts import json_ok, path_param, query, responses

__all__ = ["ROUTES", "integrity_paths"]

ROUTES: dict[str, str] = {
    "/keys": "/keys",
    "/keys/{name}": "/keys/{name}",
    "/log/sth": "/log/sth",
    "/log/entries": "/log/entries",
    "/log/proof/inclusion": "/log/proof/inclusion",
    "/log/proof/consistency": "/log/proof/consistency",
    "/log/peers": "/log/peers",
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


def _ld_ok(description: str, schema: Mapping[str, object]) -> dict[str, object]:
    return {"description": description, "content": {"application/ld+json": {"schema": schema}}}


def _get(
    operation: str, summary: str, ok: Mapping[str, object], codes: tuple[str, ...], **more: object
) -> dict[str, object]:
    return {
        "get": {
            "operationId": operation,
            "summary": summary,
            **more,
            "responses": responses({"200": ok}, codes),
        }
    }


def _index_query(name: str, description: str, *, required: bool = True) -> dict[str, object]:
    return {**query(name, description, {"type": "integer", "minimum": 0}), "required": required}


def _log_schemas() -> dict[str, dict[str, object]]:
    """The answers' schemas: tree head, entries, proofs and the key list."""
    sth: dict[str, object] = {
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
    entries: dict[str, object] = {
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
    inclusion: dict[str, object] = {
        "type": "object",
        "required": ["leaf_index", "tree_size", "leaf", "inclusion_path"],
        "properties": {
            "leaf_index": {"type": "integer", "minimum": 0},
            "tree_size": {"type": "integer", "minimum": 1},
            "leaf": _B64,
            "inclusion_path": {"type": "array", "items": _B64},
        },
    }
    consistency: dict[str, object] = {
        "type": "object",
        "required": ["first", "second", "consistency_path"],
        "properties": {
            "first": {"type": "integer"},
            "second": {"type": "integer"},
            "consistency_path": {"type": "array", "items": _B64},
        },
    }
    keys: dict[str, object] = {
        "type": "object",
        "required": ["keys"],
        "properties": {"keys": {"type": "array", "items": _MULTIKEY}},
    }
    return {"sth": sth, "entries": entries, "inclusion": inclusion, "consistency": consistency, "keys": keys}


def integrity_paths() -> dict[str, object]:
    """The node's keys and transparency log (resolver/http/integrity.py; 404 on a node that
    does not sign)."""
    schemas = _log_schemas()
    sth, entries, keys = schemas["sth"], schemas["entries"], schemas["keys"]
    inclusion, consistency = schemas["inclusion"], schemas["consistency"]
    return {
        "/keys": _get(
            "keys", "Every signing key of the node, oldest first", _ld_ok("The keys.", keys), _LOG_ERRORS
        ),
        "/keys/{name}": {
            "parameters": [path_param("name", "A key's name, as in its URL.")],
            **_get("key", "One key's Multikey document", _ld_ok("The key.", _MULTIKEY), _LOG_ERRORS),
        },
        "/log/sth": _get("logHead", "The log's signed tree head", json_ok("The head.", sth), _LOG_ERRORS),
        "/log/entries": _get(
            "logEntries",
            "Log entries start..end inclusive (at most 1,000), with their exact leaf bytes",
            json_ok("The entries.", entries),
            _LOG_ERRORS,
            parameters=[_index_query("start", "First leaf index."), _index_query("end", "Last leaf index.")],
        ),
        "/log/proof/inclusion": _get(
            "logInclusion",
            "RFC 9162 inclusion proof of a passport version",
            json_ok("The proof.", inclusion),
            _LOG_ERRORS,
            parameters=[
                {**query("id", "The passport's handle.", {"type": "string"}), "required": True},
                _index_query("version", "The version."),
                _index_query("tree_size", "The tree size (default: the current one).", required=False),
            ],
        ),
        "/log/proof/consistency": _get(
            "logConsistency",
            "RFC 9162 consistency proof between two tree sizes",
            json_ok("The proof.", consistency),
            _LOG_ERRORS,
            parameters=[
                _index_query("first", "The older tree size."),
                _index_query("second", "The newer one."),
            ],
        ),
        "/log/peers": _get(
            "logPeers",
            "The last signed tree head this node saw of each pinned peer's log (not forked ones)",
            json_ok(
                "Peer id -> signed tree head.",
                {"type": "object", "properties": {"peers": {"type": "object", "additionalProperties": sth}}},
            ),
            ("429", "500", "503"),
        ),
    }
