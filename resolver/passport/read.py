"""Read a passport body, in any RDF form the node accepts, into its triples.

JSON-LD (compacted in our context, expanded, flattened, ``@graph`` with hoisted nodes) goes
through the offline loader and the strict check; Turtle, N-Triples and N-Quads through
pyoxigraph's parsers. Whatever the syntax, the result is the same: the default graph's triples
as pyoxigraph terms, bounded, with every number finite.
"""

from __future__ import annotations

import pyoxigraph

from resolver import jsonld
from resolver.errors import DocumentError, LostValue, UnsupportedMediaType
from resolver.jsontypes import JSONObject
from resolver.passport import strict

__all__ = [
    "JSON_TYPES",
    "MEDIA_TYPES",
    "RDF_TYPES",
    "expanded_jsonld",
    "jsonld_triples",
    "read_triples",
    "require_utf8",
]

JSON_TYPES = ("application/ld+json", "application/json")
RDF_TYPES: dict[str, pyoxigraph.RdfFormat] = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/n-quads": pyoxigraph.RdfFormat.N_QUADS,
}
MEDIA_TYPES = (*JSON_TYPES, *RDF_TYPES)


def require_utf8(body: bytes) -> None:
    """DocumentError "the body is not UTF-8" for UTF-16 (NUL bytes) or undecodable bytes."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DocumentError(
            f"the body is not UTF-8 (byte {err.start} cannot be read); send it encoded as UTF-8"
        ) from err
    if b"\x00" in body:
        raise DocumentError("the body is not UTF-8 (it holds NUL bytes: UTF-16?); send it encoded as UTF-8")


def read_triples(
    body: bytes, media_type: str, vocabulary: strict.Vocabulary, context_url: str = jsonld.CONTEXT_URL
) -> list[pyoxigraph.Quad]:
    """The passport's triples (as default-graph quads); DocumentError for unreadable input,
    LostValue for a term or value the graph would not hold. ``context_url``: the profile's
    context, whose documents the strict reader checks term by term."""
    require_utf8(body)
    if media_type in RDF_TYPES:
        triples = _parse_rdf(body, RDF_TYPES[media_type])
    elif media_type in JSON_TYPES or not media_type:
        triples = _parse_jsonld(body, vocabulary, context_url)
    else:
        raise UnsupportedMediaType(
            f"a passport is one of {', '.join(MEDIA_TYPES)}, not {media_type}", accepted=list(MEDIA_TYPES)
        )
    return strict.normalise_literals(triples, vocabulary)


def _parse_jsonld(body: bytes, vocabulary: strict.Vocabulary, context_url: str) -> list[pyoxigraph.Quad]:
    return jsonld.oxigraph_quads(_expanded(body, vocabulary, context_url))


def _expanded(body: bytes, vocabulary: strict.Vocabulary, context_url: str) -> list[JSONObject]:
    parsed = jsonld.parse_json(body)
    strict.check_json(parsed, jsonld.context_terms(context_url), vocabulary, context_url)
    return jsonld.expand(parsed)


def expanded_jsonld(
    body: bytes, vocabulary: strict.Vocabulary, context_url: str = jsonld.CONTEXT_URL
) -> list[JSONObject]:
    """A JSON-LD body checked term by term (strict.check_json) and expanded: what
    :func:`read_triples` reads JSON-LD from (DocumentError, LostValue as it raises them)."""
    require_utf8(body)
    return _expanded(body, vocabulary, context_url)


def jsonld_triples(expanded: list[JSONObject], vocabulary: strict.Vocabulary) -> list[pyoxigraph.Quad]:
    """:func:`read_triples` of a body :func:`expanded_jsonld` gave ``expanded`` for."""
    return strict.normalise_literals(jsonld.oxigraph_quads(expanded), vocabulary)


def _parse_rdf(body: bytes, rdf_format: pyoxigraph.RdfFormat) -> list[pyoxigraph.Quad]:
    triples: list[pyoxigraph.Quad] = []
    limit = jsonld.MAX_TRIPLES
    try:
        for quad in pyoxigraph.parse(body, format=rdf_format):
            if not isinstance(quad.graph_name, pyoxigraph.DefaultGraph):
                raise LostValue(
                    f"the document has triples in the named graph {quad.graph_name}; a passport is "
                    "the default graph only",
                    term=str(quad.graph_name),
                )
            if len(triples) >= limit:
                raise DocumentError(f"the document describes more than {limit} RDF triples", limit=limit)
            triples.append(quad)
    except SyntaxError as err:
        raise DocumentError(f"not usable {rdf_format.name}: {err}") from err
    return triples
