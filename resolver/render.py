"""Other renderings of a stored view: Turtle and N-Triples, made offline from the JSON-LD bytes.

pyoxigraph parses the view with our context placed inline (it never loads a URL) and
serialises in Rust; a view is a few hundred triples, so a render takes well under a millisecond.
"""

from __future__ import annotations

import functools
from typing import Any

import orjson
import pyoxigraph

from resolver import jsonld
from resolver.errors import DocumentError, NotAcceptable

__all__ = ["FORMATS", "MEDIA_TYPES", "render"]

FORMATS = {"turtle": pyoxigraph.RdfFormat.TURTLE, "ntriples": pyoxigraph.RdfFormat.N_TRIPLES}
MEDIA_TYPES = {"turtle": "text/turtle", "ntriples": "application/n-triples"}


@functools.cache
def _inline_context(url: str) -> Any:
    document = jsonld.load_context(url)
    return document["@context"] if isinstance(document, dict) and "@context" in document else document


@functools.cache
def _prefixes() -> dict[str, str]:
    """Turtle prefixes: the context's prefix definitions (terms whose IRI ends in # or /)."""
    context = _inline_context(jsonld.CONTEXT_URL)
    found: dict[str, str] = {}
    for item in context if isinstance(context, list) else [context]:
        if not isinstance(item, dict):
            continue
        for term, definition in item.items():
            iri = definition if isinstance(definition, str) else None
            if iri and not term.startswith("@") and iri.endswith(("#", "/")) and ":" in iri:
                found[term] = iri
    return found


def _with_inline_contexts(value: Any) -> Any:
    """The document with every accepted context URL replaced by the context itself."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out[key] = _context_value(item) if key == "@context" else _with_inline_contexts(item)
        return out
    if isinstance(value, list):
        return [_with_inline_contexts(item) for item in value]
    return value


def _context_value(value: Any) -> Any:
    if isinstance(value, str):
        return _inline_context(value)  # ContextRefused for a URL we do not hold
    if isinstance(value, list):
        return [_context_value(item) for item in value]
    return value


def render(view: bytes, fmt: str) -> bytes:
    """Render a stored view (compact JSON-LD bytes) as ``fmt``: "turtle" or "ntriples"."""
    rdf_format = FORMATS.get(fmt)
    if rdf_format is None:
        raise NotAcceptable(f"no rendering {fmt!r}; one of {', '.join(FORMATS)}")
    try:
        document = _with_inline_contexts(orjson.loads(view))
        triples = [quad.triple for quad in pyoxigraph.parse(orjson.dumps(document), rdf_format.JSON_LD)]
        # Group by subject (in order of first appearance) so Turtle writes each node once.
        order: dict[Any, int] = {}
        for triple in triples:
            order.setdefault(triple.subject, len(order))
        triples.sort(key=lambda triple: order[triple.subject])
    except (orjson.JSONDecodeError, SyntaxError) as err:
        raise DocumentError(f"the stored view is not usable JSON-LD: {err}") from err
    prefixes = _prefixes() if rdf_format is pyoxigraph.RdfFormat.TURTLE else None
    rendered: bytes = pyoxigraph.serialize(triples, format=rdf_format, prefixes=prefixes) or b""
    return rendered
