"""Linked passports (resolver/http/linked.py) in the OpenAPI document."""

from __future__ import annotations

from resolver.openapi.native import HANDLE_DESC
from resolver.openapi.parts import READ, SECURITY, json_ok, path_param, responses

__all__ = ["ROUTES", "linked_paths"]

ROUTES: dict[str, str] = {
    "/{prefix}/{suffix}/linked": "/{prefix}/{suffix}/linked",
    "/{prefix}/{suffix}/linked-items": "/{prefix}/{suffix}/linked-items",
}


def _params() -> list[object]:
    return [path_param("prefix", HANDLE_DESC), path_param("suffix", "The rest of the passport's identifier.")]


def linked_paths() -> dict[str, object]:
    """The combined view of a linked passport and the items of a model or batch."""
    return {
        "/{prefix}/{suffix}/linked": {
            "parameters": _params(),
            "get": {
                "operationId": "linkedView",
                "summary": "The passport with the values of its model and batch passports, and for each "
                "term the passport its value comes from",
                "security": SECURITY,
                "responses": responses(
                    {"200": json_ok("passport, links, provenance (term -> passport IRI), unreadable, view.")},
                    READ,
                ),
            },
        },
        "/{prefix}/{suffix}/linked-items": {
            "parameters": _params(),
            "get": {
                "operationId": "linkedItems",
                "summary": "The items of this model or batch passport that this node accepted, and those "
                "that no longer conform with it (re-validated on the first ask after a write); for "
                "callers at the authority tier",
                "security": SECURITY,
                "responses": responses(
                    {"200": json_ok("passport, items, broken (item, violations).")}, (*READ, "403")
                ),
            },
        },
    }
