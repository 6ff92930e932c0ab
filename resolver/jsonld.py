"""JSON and JSON-LD input for the node: bounded parsing, an offline document loader, expansion
and compaction in our context, and bounded conversion to an RDF graph.

Nothing here ever touches the network: contexts the node accepts are files under ``vocab/``;
every other context URL is refused with :class:`~resolver.errors.ContextRefused`.
"""

from __future__ import annotations

import copy
import decimal
import functools
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pyoxigraph
import rdflib
from rdflib.plugins.stores.memory import Memory

from resolver.context_terms import Terms, read_terms
from resolver.errors import ContextRefused, DocumentError, LostValue, PayloadTooLarge
from resolver.jsontypes import JSON, JSONObject

__all__ = [
    "ACCEPTED_CONTEXTS",
    "CN_CONTEXT_URL",
    "CONTEXT_URL",
    "MAX_BODY_BYTES",
    "MAX_DEPTH",
    "MAX_TRIPLES",
    "MAX_VALUES",
    "PROFILE_CONTEXTS",
    "compact",
    "compact_expanded",
    "context_terms",
    "decimal_lexicals",
    "document_loader",
    "expand",
    "graph_of",
    "intern_iri",
    "load_context",
    "oxigraph_quads",
    "parse_json",
    "rdflib_triples",
    "rdflib_triples_of_lines",
    "refused_context",
    "to_graph",
    "to_graph_and_quads",
    "to_triples",
    "triples_and_quads",
]

CONTEXT_URL = "https://w3id.org/battery-passport/eu-battery/v1"
CN_CONTEXT_URL = "https://w3id.org/battery-passport/cn-battery/v1"
# Profile name -> the context its passports are written in (resolver/profile.py).
PROFILE_CONTEXTS = {"eu-battery": CONTEXT_URL, "cn-battery": CN_CONTEXT_URL}

# Limits for a passport body. A complete passport is 20-60 kB with a nesting depth near 8;
# these leave room for large ones while keeping the worst case in milliseconds.
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 48
MAX_TRIPLES = 20_000
# JSON values (scalars + containers): bounds pyld's work before it starts. A value makes at most
# a triple or two, so three per allowed triple refuses nothing the triple cap would accept.
MAX_VALUES = 3 * MAX_TRIPLES

# rdflib logs a traceback for every ill-typed literal ("high"^^xsd:decimal); such a literal is
# a validation result for the user, not a fault of the node.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)

_ROOT = Path(__file__).resolve().parent.parent
_VOCAB = _ROOT / "vocab"

_GS1_SHORTCUTS = "https://ref.openepcis.io/extensions/common/core/gs1-shortcuts-context.jsonld"
# The one term whose scoped context is the placeholder above: a document using it is refused.
_GS1_SHORTCUT_TERMS = frozenset({"https://ref.gs1.org/voc/masterDataAvailableFor"})

# URL -> file. The only contexts the node will ever load.
ACCEPTED_CONTEXTS: dict[str, Path] = {
    CONTEXT_URL: _VOCAB / "eu-battery" / "context.jsonld",
    CN_CONTEXT_URL: _VOCAB / "cn-battery" / "context.jsonld",
    "https://www.w3.org/ns/credentials/v2": _VOCAB / "third-party" / "w3c" / "credentials-v2.jsonld",
    "https://w3id.org/security/data-integrity/v2": (
        _VOCAB / "third-party" / "w3c" / "data-integrity-v2.jsonld"
    ),
    "https://ref.openepcis.io/extensions/common/core/dpp-core-context.jsonld": (
        _VOCAB / "third-party" / "openepcis" / "dpp-core-context.jsonld"
    ),
    "https://ref.openepcis.io/extensions/eu/battery/battery-context.jsonld": (
        _VOCAB / "third-party" / "openepcis" / "battery-context.jsonld"
    ),
    _GS1_SHORTCUTS: _VOCAB / "third-party" / "openepcis" / "gs1-shortcuts-placeholder.jsonld",
}


def parse_json(
    body: bytes, *, max_bytes: int = MAX_BODY_BYTES, max_depth: int = MAX_DEPTH, max_values: int = MAX_VALUES
) -> object:
    """Parse a JSON body within limits; raises PayloadTooLarge or DocumentError.

    The result is untrusted input: an ``object`` the caller narrows with ``isinstance``.

    The size is checked before anything is read. orjson refuses nesting beyond 1024 levels in
    C (no recursion risk, microseconds for 10,000 levels); the tighter ``max_depth`` and the
    value count are then checked by an iterative walk, so pyld never recurses deeply.
    """
    if len(body) > max_bytes:
        raise PayloadTooLarge(
            f"the document is {len(body)} bytes; the limit is {max_bytes} bytes",
            limit=max_bytes,
        )
    try:
        data: JSON = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        if "infinity" in str(err):
            raise LostValue(
                f"a number is too large to be finite (line {err.lineno}, column {err.colno}); "
                "numbers must be finite",
                line=err.lineno,
                column=err.colno,
            ) from err
        if "depth limit" in str(err):
            raise DocumentError(
                f"the JSON is nested too deeply (more than {max_depth} levels)", limit=max_depth
            ) from err
        raise DocumentError(
            f"not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}",
            line=err.lineno,
            column=err.colno,
        ) from err
    _check_shape(data, max_depth=max_depth, max_values=max_values)
    return data


def _check_shape(data: JSON, *, max_depth: int, max_values: int) -> None:
    stack: list[tuple[JSON, int]] = [(data, 1)]
    count = 0
    while stack:
        value, depth = stack.pop()
        count += 1
        if count > max_values:
            raise DocumentError(f"the document holds more than {max_values} JSON values", limit=max_values)
        if isinstance(value, dict):
            children: Iterable[JSON] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            raise DocumentError(
                f"the JSON is nested too deeply (more than {max_depth} levels)", limit=max_depth
            )
        stack.extend((child, depth + 1) for child in children)


@functools.cache
def load_context(url: str) -> JSON:
    """The parsed context document served for ``url``; ContextRefused for any other URL."""
    path = ACCEPTED_CONTEXTS.get(url)
    if path is None:
        raise ContextRefused(
            f"the JSON-LD context {url!r} is not one this node accepts; contexts are never fetched. "
            f"Accepted: {', '.join(sorted(ACCEPTED_CONTEXTS))}",
            context=url,
        )
    try:
        document: JSON = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as err:  # a broken installation, not bad input
        raise RuntimeError(f"context file for {url} is unreadable: {path}: {err}") from err
    return document


def document_loader(url: str, options: object = None) -> JSONObject:
    """pyld document loader: serves accepted contexts from ``vocab/``, refuses everything else.

    The ``tag`` lets pyld keep resolved (and processed) contexts in its shared cache, which
    makes context processing a dictionary lookup after the first document.
    """
    document = load_context(url)
    # pyld may annotate what it is given; hand it a copy so the cached document stays pristine.
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": copy.deepcopy(document),
        "tag": "static",
    }


# base None: pyld would otherwise resolve relative IRIs against a made-up http://example.org/base/;
# left relative, they are refused when the graph is built.
_OPTIONS: dict[str, object] = {"documentLoader": document_loader, "base": None}
_EXPANDED_OPTIONS: dict[str, object] = {**_OPTIONS, "skipExpansion": True}


def refused_context(err: BaseException) -> ContextRefused | None:
    """The ContextRefused behind a pyld failure (pyld wraps the loader's error in its own,
    sometimes in ``details``), or None."""
    seen: set[int] = set()
    cause: BaseException | None = err
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ContextRefused):
            return cause
        details = getattr(cause, "details", None)
        if isinstance(details, dict):
            for nested in details.values():
                if isinstance(nested, ContextRefused):
                    return nested
        cause = cause.__cause__ or cause.__context__
    return None


def _translate(err: Exception) -> Exception:
    """The error a user should see for a pyld failure: the refused context if there is one."""
    refused = refused_context(err)
    if refused is not None:
        return refused
    message = str(getattr(err, "message", "") or err).splitlines()[0]
    code = getattr(err, "code", None)
    return DocumentError(f"not usable JSON-LD: {message}" + (f" ({code})" if code else ""))


_T = TypeVar("_T")


def _pyld() -> Any:
    """pyld's jsonld module, imported on first use: with requests, ~0.1 CPU-s of every
    process's start, and most never need it (plain passports take the fast expansion)."""
    from pyld import jsonld

    return jsonld


def _run(operation: Callable[[], _T]) -> _T:
    try:
        return operation()
    except ContextRefused:
        raise
    except RecursionError as err:
        raise DocumentError("the JSON-LD document is nested too deeply to process") from err
    except Exception as err:  # pyld raises JsonLdError and, on odd input, plain Python errors
        raise _translate(err) from err


def expand(doc: object) -> list[JSONObject]:
    """Expand a parsed JSON-LD document with the offline loader; DocumentError/ContextRefused."""
    if not isinstance(doc, dict | list):
        raise DocumentError("a JSON-LD document must be a JSON object or array")
    fast = _expand_plain(doc)
    expanded: list[JSONObject] = fast if fast is not None else _run(lambda: _pyld().expand(doc, _OPTIONS))
    # Both walks below look for rare IRIs; one C-speed serialisation tells whether to walk at all.
    text = orjson.dumps(expanded)
    if any(term.encode() in text for term in _GS1_SHORTCUT_TERMS):
        _refuse_placeholder_terms(expanded)
    if _XSD_DECIMAL.encode() in text:
        decimal_lexicals(expanded)
    return expanded


# --- fast expansion of documents plainly in our context -----------------------------------------


class _Bail(Exception):
    """Something the fast expansion does not handle: pyld expands the document."""


@functools.cache
def context_terms(url: str = CONTEXT_URL) -> Terms | None:
    """A profile's context (ours by default) read once by the one context reader (None if it is
    beyond plain terms)."""
    return read_terms(load_context(url))


@functools.cache
def _plain_context() -> tuple[dict[str, tuple[str, str | None]], dict[str, str]] | None:
    """Our context as term -> (IRI or keyword, type coercion) and prefix -> IRI, or None if it
    uses anything beyond plain terms, prefixes and type coercion (then pyld does every document)."""
    tables = context_terms()
    if tables is None:
        return None
    terms = {term: (iri, tables.coercions.get(term)) for term, iri in tables.terms.items()}
    return terms, dict(tables.prefixes)


def _expand_plain(doc: object) -> list[JSONObject] | None:
    """pyld's expansion of a document that is one node tree in our context and uses only its
    terms, compact IRIs and absolute IRIs; None for anything else (pyld then expands it).

    tests/profile/test_fast_expand.py checks that the result equals pyld's."""
    if not isinstance(doc, dict) or doc.get("@context") != CONTEXT_URL:
        return None
    context = _plain_context()
    if context is None:
        return None
    try:
        node = _plain_node(doc, context, top=True)
    except _Bail:
        return None
    if set(node) <= {"@id"}:
        return None  # expansion drops a top-level node with nothing but its @id
    return [node]


# Our context as term -> (IRI or keyword, type coercion), and prefix -> IRI.
_Context = tuple[dict[str, tuple[str, str | None]], dict[str, str]]

_SCHEME = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")


def _plain_iri(value: JSON, context: _Context, *, vocab: bool) -> str:
    if not isinstance(value, str):
        raise _Bail
    terms, prefixes = context
    if vocab:
        found = terms.get(value)
        if found is not None:
            if found[0].startswith("@"):
                raise _Bail
            return str(found[0])
    prefix, colon, suffix = value.partition(":")
    if colon:
        if prefix == "_":
            return value
        if suffix.startswith("//"):
            if prefix and prefix[0].isalpha() and set(prefix) <= _SCHEME:
                return value
            raise _Bail
        base = prefixes.get(prefix)
        if base is not None:
            return str(base) + suffix
        if prefix in terms or not (prefix[0].isalpha() and set(prefix) <= _SCHEME):
            raise _Bail
        return value  # an absolute IRI such as urn:x or mailto:y
    raise _Bail  # relative: left to pyld


def _plain_node(node: JSONObject, context: _Context, *, top: bool = False) -> JSONObject:
    terms = context[0]
    out: JSONObject = {}
    for key, value in node.items():
        if key == "@context":
            if top:
                continue
            raise _Bail
        found = terms.get(key)
        if found is None:
            if key in ("@id", "@type"):
                iri, coercion = key, None
            elif key.startswith("@") or ":" not in key:
                raise _Bail
            else:
                iri, coercion = _plain_iri(key, context, vocab=True), None
        else:
            iri, coercion = found
        if iri == "@id":
            if "@id" in out:
                raise _Bail
            out["@id"] = _plain_iri(value, context, vocab=False)
        elif iri == "@type":
            if "@type" in out:
                raise _Bail
            items = value if isinstance(value, list) else [value]
            out["@type"] = [_plain_iri(item, context, vocab=True) for item in items]
        elif iri.startswith("@"):
            raise _Bail
        else:
            if iri in out:
                raise _Bail
            items = value if isinstance(value, list) else [value]
            out[iri] = [_plain_value(item, coercion, context) for item in items]
    return out


def _plain_value(value: JSON, coercion: str | None, context: _Context) -> JSON:
    if isinstance(value, dict):
        if not value:
            raise _Bail
        return _plain_node(value, context)
    if isinstance(value, str):
        if coercion == "@id":
            return {"@id": _plain_iri(value, context, vocab=False)}
        if coercion == "@vocab":
            return {"@id": _plain_iri(value, context, vocab=True)}
    elif isinstance(value, bool | int | float):
        if coercion in ("@id", "@vocab"):
            raise _Bail
    else:
        raise _Bail  # null, nested arrays
    if coercion is None:
        return {"@value": value}
    return {"@type": coercion, "@value": value}


def _refuse_placeholder_terms(expanded: list[JSONObject]) -> None:
    stack: list[JSON] = list(expanded)
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                if key in _GS1_SHORTCUT_TERMS:
                    raise ContextRefused(
                        f"the document uses <{key}>, whose scoped context {_GS1_SHORTCUTS!r} "
                        "this node does not hold",
                        context=_GS1_SHORTCUTS,
                    )
                stack.append(child)
        elif isinstance(value, list):
            stack.extend(value)


def compact(
    expanded: list[JSONObject] | JSONObject, context_url: str | Sequence[str] = CONTEXT_URL
) -> JSONObject:
    """Compact an expanded document in a served context (or several, in order: a third-party
    format's); the result names the context by URL."""
    context: object = context_url if isinstance(context_url, str) else {"@context": list(context_url)}
    result: JSONObject = _run(lambda: _pyld().compact(expanded, context, _OPTIONS))
    return result


def compact_expanded(
    expanded: list[JSONObject], context_url: str | Sequence[str] = CONTEXT_URL
) -> JSONObject:
    """``compact`` for what ``expand`` returned (or the same form, changed in place by IRIs):
    pyld does not expand it a second time, which is two thirds of ``compact``'s cost."""
    context: object = context_url if isinstance(context_url, str) else {"@context": list(context_url)}
    result: JSONObject = _run(lambda: _pyld().compact(expanded, context, _EXPANDED_OPTIONS))
    return result


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"

Triple = tuple[rdflib.term.Node, rdflib.term.Node, rdflib.term.Node]
# A term pyoxigraph's parser yields in a triple.
_OxTerm = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal | pyoxigraph.Triple


def decimal_lexicals(expanded: _T) -> _T:
    """Write JSON numbers typed xsd:decimal as decimal lexical forms, in place; returns the input.

    JSON-LD turns a non-integral JSON number into the xsd:double lexical form whatever its
    datatype, so ``"soh": 97.5`` with a context saying xsd:decimal would become the ill-typed
    literal "9.75E1"^^xsd:decimal. The number's shortest repr is its decimal value.
    """
    stack: list[object] = [expanded]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            number = value.get("@value")
            if (
                value.get("@type") == _XSD_DECIMAL
                and isinstance(number, float | int)
                and not isinstance(number, bool)
            ):
                value["@value"] = _decimal_text(number)
            else:
                stack.extend(value.values())
    return expanded


def _decimal_text(number: float | int) -> str:
    if isinstance(number, int) or not math.isfinite(number):
        return str(number)
    text = format(decimal.Decimal(repr(number)), "f")
    return text if "." in text else text + ".0"


def to_triples(expanded: list[JSONObject], *, max_triples: int = MAX_TRIPLES) -> list[Triple]:
    """The default-graph triples of an expanded document as rdflib terms, at most ``max_triples``.

    pyoxigraph parses the expanded JSON (no contexts left to load) in Rust and is read lazily,
    so a document with a million triples is refused after ``max_triples + 1`` of them.
    """
    return _triples_and_quads(expanded, max_triples)[0]


def _triples_and_quads(
    expanded: list[JSONObject], max_triples: int
) -> tuple[list[Triple], list[pyoxigraph.Quad]]:
    data = orjson.dumps(expanded)
    triples: list[Triple] = []
    quads: list[pyoxigraph.Quad] = []
    blank: dict[str, rdflib.BNode] = {}
    try:
        for quad in pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.JSON_LD):
            if len(triples) >= max_triples:
                raise DocumentError(
                    f"the document describes more than {max_triples} RDF triples", limit=max_triples
                )
            if not isinstance(quad.graph_name, pyoxigraph.DefaultGraph):
                continue  # named graphs are not part of a passport
            quads.append(quad)
            triples.append(
                (_node(quad.subject, blank), _node(quad.predicate, blank), _node(quad.object, blank))
            )
    except SyntaxError as err:
        raise DocumentError(f"not usable JSON-LD: {err}") from err
    return triples, quads


# IRIs and literals as rdflib terms, shared between documents: building rdflib terms is most of
# the conversion's cost, and one object per IRI lets dictionaries keyed by terms (the fast SHACL
# check's index) match by identity instead of by rdflib's Python-level __eq__. Bounded; the
# pinned entries (the shapes' predicates and classes) survive a reset.
_TERMS_MAX = 65_536
_PINNED: dict[_OxTerm, rdflib.URIRef] = {}
_TERMS: dict[_OxTerm, rdflib.term.Node] = {}


def intern_iri(iri: str) -> rdflib.URIRef:
    """The shared URIRef for ``iri`` (kept for the life of the process)."""
    key = pyoxigraph.NamedNode(iri)
    node = _PINNED.get(key)
    if node is None:
        node = _PINNED[key] = rdflib.URIRef(iri)
        _TERMS[key] = node
    return node


def _node(term: _OxTerm, blank: dict[str, rdflib.BNode]) -> rdflib.term.Node:
    if not isinstance(term, pyoxigraph.BlankNode):
        found = _TERMS.get(term)
        if found is not None:
            return found
        node = _new_node(term)
        if len(_TERMS) >= _TERMS_MAX:
            _TERMS.clear()
            _TERMS.update(_PINNED)
        _TERMS[term] = node
        return node
    bnode = blank.get(term.value)
    if bnode is None:
        # The parser's id (random per parse), so an rdflib copy and a pyoxigraph copy of one
        # document name their blank nodes alike.
        bnode = blank[term.value] = rdflib.BNode(term.value)
    return bnode


def _new_node(term: _OxTerm) -> rdflib.term.Node:
    if isinstance(term, pyoxigraph.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return rdflib.Literal(term.value)  # as rdflib's own parsers give a plain string
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))
    raise DocumentError(f"unsupported RDF term in the document: {term!r}")


def triples_and_quads(
    expanded: list[JSONObject], *, max_triples: int = MAX_TRIPLES
) -> tuple[list[Triple], list[pyoxigraph.Quad]]:
    """:func:`to_triples`, and the same triples as pyoxigraph quads (blank nodes named alike)."""
    return _triples_and_quads(expanded, max_triples)


def graph_of(triples: Iterable[Triple]) -> rdflib.Graph:
    """An rdflib Graph holding ``triples``, put straight into its store: ``Graph.add`` only checks
    each term is an rdflib term, as a Triple's are, and that check was ~a fifth of building the
    graph pyshacl validates an invalid passport on. Its new Memory store is filled as one
    ``Memory.add`` per triple would fill it (:func:`_fill_memory`), at a fraction of the cost."""
    graph = rdflib.Graph()
    store = graph.store
    if type(store) is Memory and _fill_memory(store, graph, triples):
        return graph
    add = store.add
    for triple in triples:
        add(triple, graph, quoted=False)
    return graph


def _fill_memory(store: Any, graph: rdflib.Graph, triples: Iterable[Triple]) -> bool:
    """Put ``triples`` into ``graph``'s new, empty Memory store as ``store.add(triple, graph)``
    would, one by one (rdflib 7's Memory; tests/passport/test_graph_of.py compares the two):
    the three indexes; every triple in the graph's context and the default one, unquoted, which
    is the store's default context information, so no triple keeps its own; no event (a new
    store's dispatcher has no subscriber). False, having changed nothing, where the store is
    not new and empty: the caller adds one by one."""
    try:  # another rdflib's Memory, laid out otherwise: one add per triple, nothing changed here
        contexts: dict[str | None, set[Triple]] = store._Memory__contextTriples
        spo: dict[Any, dict[Any, dict[Any, int]]] = store._Memory__spo
        pos: dict[Any, dict[Any, dict[Any, int]]] = store._Memory__pos
        osp: dict[Any, dict[Any, dict[Any, int]]] = store._Memory__osp
        all_contexts, context_objects = store._Memory__all_contexts, store._Memory__context_obj_map
        if (
            spo
            or store._Memory__tripleContexts
            or store._Memory__defaultContexts is not None
            or all_contexts
            or store.dispatcher._dispatch_map
            or list(contexts) != [None]
            or contexts[None]
        ):
            return False
    except AttributeError:
        return False
    every: set[Triple] = set()
    named: set[Triple] = set()  # the same, made the same way (a copy could iterate otherwise)
    for triple in triples:
        if triple in every:
            continue
        every.add(triple)
        named.add(triple)
        s, p, o = triple
        spo.setdefault(s, {}).setdefault(p, {})[o] = 1
        pos.setdefault(p, {}).setdefault(o, {})[s] = 1
        osp.setdefault(o, {}).setdefault(s, {})[p] = 1
    if every:
        all_contexts.add(graph)
        name = f"{graph.identifier.__class__.__name__}:{graph.identifier}"
        context_objects[name] = graph
        store._Memory__defaultContexts = {name: False, None: False}
        contexts[None] = every
        contexts[name] = named
    return True


def to_graph(expanded: list[JSONObject], *, max_triples: int = MAX_TRIPLES) -> rdflib.Graph:
    """An rdflib Graph of the expanded document (see :func:`to_triples` for the bound)."""
    return to_graph_and_quads(expanded, max_triples=max_triples)[0]


def to_graph_and_quads(
    expanded: list[JSONObject], *, max_triples: int = MAX_TRIPLES
) -> tuple[rdflib.Graph, list[pyoxigraph.Quad]]:
    """:func:`to_graph`, and the same triples as pyoxigraph quads (blank nodes named alike)."""
    triples, quads = _triples_and_quads(expanded, max_triples)
    return graph_of(triples), quads


def oxigraph_quads(expanded: list[JSONObject], *, max_triples: int = MAX_TRIPLES) -> list[pyoxigraph.Quad]:
    """The default-graph triples of an expanded document as pyoxigraph quads, bounded."""
    triples: list[pyoxigraph.Quad] = []
    try:
        for quad in pyoxigraph.parse(orjson.dumps(expanded), format=pyoxigraph.RdfFormat.JSON_LD):
            if len(triples) >= max_triples:
                raise DocumentError(
                    f"the document describes more than {max_triples} RDF triples", limit=max_triples
                )
            if isinstance(quad.graph_name, pyoxigraph.DefaultGraph):
                triples.append(quad)
    except SyntaxError as err:
        raise DocumentError(f"not usable JSON-LD: {err}") from err
    return triples


def rdflib_triples(triples: Iterable[pyoxigraph.Triple | pyoxigraph.Quad]) -> list[Triple]:
    """pyoxigraph triples as rdflib terms for validation (shared IRIs and literals; blank nodes
    keep their ids; typed literals keep their lexical form, see :func:`_exact_literal`)."""
    blank: dict[str, rdflib.BNode] = {}
    return [(_node(t.subject, blank), _node(t.predicate, blank), _exact(t.object, blank)) for t in triples]


_EXACT: dict[pyoxigraph.Literal, rdflib.Literal] = {}


def _exact(term: _OxTerm, blank: dict[str, rdflib.BNode]) -> rdflib.term.Node:
    if not isinstance(term, pyoxigraph.Literal) or term.language or term.datatype.value == _XSD_STRING:
        return _node(term, blank)
    found = _EXACT.get(term)
    if found is None:
        # normalize=False: rdflib would rewrite the ill-typed "100"^^xsd:boolean as "false" and
        # merge it with a real "false", so two values would pass sh:maxCount 1 (found by
        # tests/passport/test_differential.py). Validation sees the literal as it was read.
        found = rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value), normalize=False)
        if len(_EXACT) >= _TERMS_MAX:
            _EXACT.clear()
        _EXACT[term] = found
    return found


# N-Triples token (an IRI, blank node or literal as pyoxigraph writes it) -> its rdflib term.
_TOKENS: dict[bytes, rdflib.term.Node] = {}
_NQUADS = pyoxigraph.RdfFormat.N_QUADS


def rdflib_triples_of_lines(lines: Iterable[bytes]) -> list[Triple]:
    """:func:`rdflib_triples` of default-graph N-Quads lines as pyoxigraph writes them (each
    ``s p o .``), in their order: the terms they give for the same triples, read from the
    text. Each token is converted once per process (most repeat between passports); reading
    the lines is faster than reading pyoxigraph's term objects."""
    out: list[Triple] = []
    tokens = _TOKENS
    for line in lines:
        if line.startswith(b"<<") or not line.endswith(b" .\n"):
            out.extend(rdflib_triples(pyoxigraph.parse(line, format=_NQUADS)))  # a quoted triple
            continue
        s, p, o = line[:-3].split(b" ", 2)
        subject, predicate, obj = tokens.get(s), tokens.get(p), tokens.get(o)
        if subject is None or predicate is None or obj is None:
            if o.startswith(b"<<"):
                out.extend(rdflib_triples(pyoxigraph.parse(line, format=_NQUADS)))
                continue
            if len(tokens) >= _TERMS_MAX:
                tokens.clear()
            subject = tokens[s] = subject or _token_term(s, line)
            predicate = tokens[p] = predicate or _token_term(p, line)
            obj = tokens[o] = obj or _token_term(o, line)
        out.append((subject, predicate, obj))
    return out


def _token_term(token: bytes, line: bytes) -> rdflib.term.Node:
    """The rdflib term of one N-Triples token of ``line``, as :func:`rdflib_triples` makes it."""
    if token.startswith(b"<"):
        return _node(pyoxigraph.NamedNode(token[1:-1].decode()), {})
    if token.startswith(b"_:"):
        return rdflib.BNode(token[2:].decode())
    end = token.rfind(b'"')
    if token.startswith(b'"') and end > 0 and b"\\" not in token:
        value, suffix = token[1:end].decode(), token[end + 1 :]
        if suffix.startswith(b"@"):
            return rdflib.Literal(value, lang=suffix[1:].decode())
        if suffix.startswith(b"^^<") and suffix.endswith(b">"):
            literal = pyoxigraph.Literal(value, datatype=pyoxigraph.NamedNode(suffix[3:-1].decode()))
            return _exact(literal, {})
        if not suffix:
            return _exact(pyoxigraph.Literal(value), {})
    # An escaped literal: pyoxigraph reads the line (a subject or predicate is an IRI or a
    # blank node, read above; so this token is the object).
    quad = next(iter(pyoxigraph.parse(line, format=_NQUADS)))
    if str(quad.object).encode() != token:
        raise ValueError(f"unexpected N-Quads token {token[:80]!r}")
    return _exact(quad.object, {})
