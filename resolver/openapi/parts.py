"""Building blocks of the OpenAPI document: problems, parameters, securities, media types."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "COMMON",
    "ERRORS",
    "JSONLD_TYPES",
    "RDF_TEXT_TYPES",
    "READ",
    "SECURITY",
    "WRITE",
    "WRITE_SECURITY",
    "errors",
    "header",
    "json_ok",
    "path_param",
    "problem",
    "query",
    "ref",
    "responses",
]

JSONLD_TYPES = ("application/ld+json", "application/json")
RDF_TEXT_TYPES = ("text/turtle", "application/n-triples", "text/html")

ERRORS: dict[str, str] = {
    "400": "The request, identifier or document cannot be used (the detail says why).",
    "401": "Credentials missing where needed, not valid, empty, or not UTF-8.",
    "403": "Valid credentials that may not do this.",
    "404": "No such passport (authoritative) or resource.",
    "405": "Method not allowed on this path (Allow lists those that are).",
    "406": "No representation the client accepts.",
    "408": "The request took too long to arrive.",
    "409": "The write raced another, or the change is not allowed from the current state.",
    "410": "The passport was deleted; a tombstone stands.",
    "412": "If-Match / If-None-Match does not hold.",
    "413": "The body is over the size limit.",
    "415": "A body in a media type the node does not take.",
    "422": "The content is well formed but not acceptable (the problem says why).",
    "429": "Too many requests from this client; Retry-After says when to try again.",
    "431": "A request header over the size limit.",
    "500": "A fault in the node (logged; never caused by input on purpose).",
    "502": "A peer node failed or answered wrongly.",
    "503": "The store or a service the node needs is unavailable (or still starting).",
    "504": "The deadline ran out waiting for a peer.",
    "508": "The lookup came back to a node it had passed through.",
}

# What any request may meet before its handler: the body, header and time limits, rate limits.
COMMON = ("400", "405", "408", "413", "429", "431", "500", "503")
READ = (*COMMON, "401", "404", "406", "410", "502", "504", "508")
WRITE = (*COMMON, "401", "403", "404", "409", "410", "412", "415", "422")

SECURITY: list[dict[str, list[str]]] = [{}, {"bearer": []}, {"basic": []}]
WRITE_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"basic": []}]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def problem(description: str) -> dict[str, object]:
    return {"description": description, "content": {"application/problem+json": {"schema": ref("Problem")}}}


def errors(codes: tuple[str, ...]) -> dict[str, object]:
    return {code: problem(ERRORS[code]) for code in sorted(set(codes))}


def responses(answers: Mapping[str, object], codes: tuple[str, ...]) -> dict[str, object]:
    """An operation's responses: ``answers`` (by status code) and the problems for ``codes``."""
    return {**answers, **errors(codes)}


def json_ok(description: str, schema: Mapping[str, object] | None = None) -> dict[str, object]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema or {"type": "object"}}},
    }


def path_param(name: str, description: str, example: str | None = None) -> dict[str, object]:
    param: dict[str, object] = {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }
    if example is not None:
        param["example"] = example  # a value that names something on the demo node
    return param


def query(
    name: str, description: str, schema: Mapping[str, object] | None = None, example: str | None = None
) -> dict[str, object]:
    param: dict[str, object] = {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }
    if example is not None:
        param["example"] = example
    return param


def header(name: str, description: str) -> dict[str, object]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": {"type": "string"},
    }
