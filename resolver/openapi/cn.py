"""GB/T 34014 battery codes (resolver/http/gbt34014.py) and the readiness report
(resolver/http/readiness.py) in the OpenAPI document."""

from __future__ import annotations

from resolver.openapi.native import HANDLE_DESC
from resolver.openapi.parts import (
    COMMON,
    JSONLD_TYPES,
    RDF_TEXT_TYPES,
    READ,
    SECURITY,
    json_ok,
    path_param,
    query,
    responses,
)

__all__ = ["ROUTES", "cn_paths"]

ROUTES: dict[str, str] = {
    "/gbt34014/{code}": "/gbt34014/{code}",
    "/gbt34014/{code}/explain": "/gbt34014/{code}/explain",
    "/{prefix}/{suffix}/readiness": "/{prefix}/{suffix}/readiness",
    "/gbt34014/{code}/readiness": "/gbt34014/{code}/readiness",
}


def cn_paths() -> dict[str, object]:
    """The code routes and the readiness report."""
    code_readiness = _readiness_path("readinessByGbt34014")
    code_readiness["parameters"] = [_code()]
    return {
        **_code_paths(),
        "/{prefix}/{suffix}/readiness": _readiness_path("readiness"),
        "/gbt34014/{code}/readiness": code_readiness,
    }


def _code() -> dict[str, object]:
    return path_param("code", "A GB/T 34014 code: 24 letters and digits (position 4 is P, M or C).")


def _code_paths() -> dict[str, object]:
    code = _code()
    passport_ok = {
        "description": "The passport registered as {prefix}/{code}, under the first prefix with one.",
        "content": {
            **{t: {"schema": {"type": "object"}} for t in JSONLD_TYPES},
            **{t: {"schema": {"type": "string"}} for t in RDF_TEXT_TYPES},
        },
    }
    return {
        "/gbt34014/{code}": {
            "parameters": [code],
            "get": {
                "operationId": "resolveGbt34014",
                "summary": "The passport of the battery with this GB/T 34014 code",
                "security": SECURITY,
                "responses": responses({"200": passport_ok}, READ),
            },
        },
        "/gbt34014/{code}/explain": {
            "parameters": [code],
            "get": {
                "operationId": "explainGbt34014",
                "summary": "Each field of a GB/T 34014 code and what it says",
                "responses": responses({"200": json_ok("The fields.")}, COMMON),
            },
        },
    }


def _readiness_path(operation: str) -> dict[str, object]:
    return {
        "parameters": [
            path_param("prefix", HANDLE_DESC),
            path_param("suffix", "The rest of the passport's identifier."),
        ],
        "get": {
            "operationId": operation,
            "summary": "Per data point of a market, whether the passport is ready on a date",
            "parameters": [
                query("market", "eu (default), cn or gba.", {"type": "string", "enum": ["eu", "cn", "gba"]}),
                query("on", "The date: YYYY-MM-DD or YYYY-MM (default today).", {"type": "string"}),
                query("format", "json (default), html or text.", {"type": "string"}),
            ],
            "security": SECURITY,
            "responses": responses(
                {
                    "200": {
                        "description": "The report: one line per data point, with status, due date and "
                        "source.",
                        "content": {
                            "application/json": {"schema": {"type": "object"}},
                            "text/html": {"schema": {"type": "string"}},
                            "text/plain": {"schema": {"type": "string"}},
                        },
                    }
                },
                READ,
            ),
        },
    }
