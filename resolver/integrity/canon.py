"""RDFC-1.0 canonical N-Quads of a graph, and the graph of a JSON-LD document read offline.

Canonicalisation is pyoxigraph's (it passes the W3C RDFC-1.0 suite); only the default graph
counts. Contexts come from ``vocab/`` through resolver.jsonld, plus any local copies a caller
hands in (the CLI's ``--context URL=FILE``), which are never shared with other documents.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import cast

import orjson
import pyoxigraph

from resolver import jsonld
from resolver.errors import DocumentError
from resolver.integrity.rdfc import canonical_lines
from resolver.jsontypes import JSONObject

__all__ = ["Contexts", "canonical_nquads", "document_quads"]

# URL -> parsed context document: local copies of contexts the node itself does not accept.
Contexts = Mapping[str, JSONObject]  # context URL -> a local copy of the context document

_TripleLike = pyoxigraph.Quad | pyoxigraph.Triple


def canonical_nquads(quads: Iterable[_TripleLike], *, default_graph: bool = False) -> bytes:
    """The canonical N-Quads (RDFC-1.0, lines sorted) of the default-graph triples of ``quads``.

    ``default_graph``: every item is a quad of the default graph already (as
    ``jsonld.oxigraph_quads`` gives them, a sequence): their lines are labelled in Python
    (resolver.integrity.rdfc), without a Dataset, unless that reading gives up (a peer's
    answer is canonicalised on every federated miss)."""
    if default_graph:
        given = cast("list[pyoxigraph.Quad]", quads if isinstance(quads, list) else list(quads))
        fast = canonical_lines(pyoxigraph.serialize(given, format=pyoxigraph.RdfFormat.N_QUADS) or b"")
        if fast is not None:
            return fast
        dataset = pyoxigraph.Dataset(given)
    else:
        dataset = _default_graph_of(quads)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    text = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS) or b""
    lines = sorted(text.splitlines(keepends=True))
    return b"".join(lines)


def _default_graph_of(quads: Iterable[_TripleLike]) -> pyoxigraph.Dataset:
    dataset = pyoxigraph.Dataset()
    add = dataset.add
    default = pyoxigraph.DefaultGraph()
    for quad in quads:
        if isinstance(quad, pyoxigraph.Triple):
            add(pyoxigraph.Quad(quad.subject, quad.predicate, quad.object, default))
        elif isinstance(quad.graph_name, pyoxigraph.DefaultGraph):
            add(quad)
    return dataset


def document_quads(document: object, contexts: Contexts | None = None) -> list[pyoxigraph.Quad]:
    """The default-graph quads of a JSON-LD document; DocumentError or ContextRefused if unusable."""
    expanded = jsonld.expand(document) if not contexts else _expand_with(document, contexts)
    data = orjson.dumps(expanded)
    try:
        parsed = pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.JSON_LD)
        return [quad for quad in parsed if isinstance(quad.graph_name, pyoxigraph.DefaultGraph)]
    except SyntaxError as err:
        raise DocumentError(f"not usable JSON-LD: {err}") from err


def _expand_with(document: object, contexts: Contexts) -> list[JSONObject]:
    def loader(url: str, options: object = None) -> JSONObject:
        if url in contexts and url not in jsonld.ACCEPTED_CONTEXTS:
            # No tag: pyld keeps this copy for this one operation, not in its shared cache.
            return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(contexts[url])}
        return jsonld.document_loader(url, options)

    if not isinstance(document, dict | list):
        raise DocumentError("a JSON-LD document must be a JSON object or array")
    try:
        from pyld import jsonld as _pyld

        expanded: list[JSONObject] = _pyld.expand(document, {"documentLoader": loader, "base": None})
    except Exception as err:  # pyld raises JsonLdError and, on odd input, plain Python errors
        refused = jsonld.refused_context(err)
        if refused is not None:
            raise refused from err
        raise DocumentError(f"not usable JSON-LD: {str(err).splitlines()[0]}") from err
    jsonld.decimal_lexicals(expanded)  # as resolver.jsonld.expand does, so both give one graph
    return expanded
