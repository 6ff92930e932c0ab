"""``/sparql`` in the OpenAPI document (resolver/http/sparql.py): the SPARQL 1.1 Protocol,
read-only, answered from the caller's tier."""

from __future__ import annotations

from resolver.openapi.parts import SECURITY, header, query, responses

__all__ = ["ROUTES", "sparql_paths"]

ROUTES: dict[str, str] = {"/sparql": "/sparql"}

_SOLUTIONS = {
    "application/sparql-results+json": {"schema": {"type": "object"}},
    "application/sparql-results+xml": {"schema": {"type": "string"}},
    "text/csv": {"schema": {"type": "string"}},
    "text/tab-separated-values": {"schema": {"type": "string"}},
}
_GRAPHS = {
    "text/turtle": {"schema": {"type": "string"}},
    "application/n-triples": {"schema": {"type": "string"}},
    "application/ld+json": {"schema": {}},
    "application/rdf+xml": {"schema": {"type": "string"}},
}
_EXAMPLE = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3"
_ERRORS = (
    "400",
    "401",
    "403",
    "405",
    "406",
    "408",
    "413",
    "415",
    "422",
    "429",
    "431",
    "500",
    "502",
    "503",
    "504",
)


def _params(*, with_query: bool) -> list[dict[str, object]]:
    params = [
        query("default-graph-uri", "A graph IRI for the default graph (repeatable)."),
        query("named-graph-uri", "A named graph IRI (repeatable)."),
        query("history", "true: past versions too (operator and authority tiers)."),
        query("tier", "Ask for a lower tier than the credentials give."),
        query("federated", "true: a SELECT asked of this node and its peers (SPARQL JSON only)."),
        header("Accept", "A SPARQL results format (SELECT, ASK) or an RDF format (CONSTRUCT, DESCRIBE)."),
    ]
    if with_query:
        params.insert(
            0,
            query(
                "query",
                "The SPARQL query; without it the service description.",
                example=_EXAMPLE,
            ),
        )
    return params


def _responses() -> dict[str, object]:
    return responses(
        {
            "200": {
                "description": (
                    "The answer: SPARQL results (SELECT, ASK), an RDF graph (CONSTRUCT, DESCRIBE), "
                    "or, for a GET without a query, the service description in Turtle."
                ),
                "content": {**_SOLUTIONS, **_GRAPHS},
            }
        },
        _ERRORS,
    )


def sparql_paths() -> dict[str, object]:
    return {
        "/sparql": {
            "get": {
                "operationId": "sparqlGet",
                "summary": "A SPARQL query by GET, or the service description (update: 403)",
                "security": SECURITY,
                "parameters": _params(with_query=True),
                "responses": _responses(),
            },
            "post": {
                "operationId": "sparqlPost",
                "summary": "A SPARQL query by POST, directly or as a form (update: 403)",
                "security": SECURITY,
                "parameters": _params(with_query=False),
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/sparql-query": {"schema": {"type": "string"}, "example": _EXAMPLE},
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "required": ["query"],
                                "properties": {
                                    "query": {"type": "string"},
                                    "default-graph-uri": {"type": "string"},
                                    "named-graph-uri": {"type": "string"},
                                },
                            }
                        },
                    },
                },
                "responses": _responses(),
            },
        }
    }
