"""The triples of a passport plainly in our context, read straight from its compact JSON.

``plain_triples(jsonld.expand(doc))`` in one walk: a signed peer answer is read on every
federated miss, and the expanded document between the two readings is built only to be read
once. The rules are resolver.jsonld's fast expansion (``_plain_node``) and
resolver.integrity.plain_rdf's term writing, in the same order (blank nodes ``_:p0``, ``_:p1``,
... as plain_triples names them); tests/integrity/test_compact_rdf.py checks that both readings
agree. Anything either would not take (a relative IRI, an unknown keyword, a nested ``@context``,
a decimal coercion, a term whose writing is uncertain) answers None: those readings decide.
"""

from __future__ import annotations

import functools

from resolver import jsonld
from resolver.integrity.plain_rdf import Triple, plain_term_iri, plain_term_literal
from resolver.jsontypes import JSON, JSONObject

__all__ = ["CompactGraph", "compact_triples"]

_RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"  # jsonld.expand rewrites these values
# Keys jsonld.expand refuses (a scoped context this node does not hold): the readings decide.
_REFUSED_KEYS = frozenset({"https://ref.gs1.org/voc/masterDataAvailableFor"})
_SCHEME = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")

# term -> (IRI or keyword, coercion); prefix -> namespace; the keys that mean @id.
_Tables = tuple[dict[str, tuple[str, str | None]], dict[str, str], tuple[str, ...]]


class _Unsure(Exception):
    pass


class CompactGraph:
    """The triples of one node tree, and its top node's subject (every other subject is a node
    nested in it, so reachable from it)."""

    __slots__ = ("root", "triples")

    def __init__(self, triples: list[Triple], root: bytes) -> None:
        self.triples = triples
        self.root = root


@functools.cache
def _tables() -> _Tables | None:
    """Our context as resolver.jsonld's fast expansion reads it (None: beyond plain terms)."""
    terms = jsonld.context_terms()
    if terms is None:
        return None
    table = {term: (iri, terms.coercions.get(term)) for term, iri in terms.terms.items()}
    id_keys = ("@id", *(term for term, (iri, _) in table.items() if iri == "@id"))
    return table, dict(terms.prefixes), id_keys


def compact_triples(document: object) -> CompactGraph | None:
    """The default-graph triples of ``document`` (one node object in our context alone), or
    None when this reading is not certain of them."""
    if not isinstance(document, dict) or document.get("@context") != jsonld.CONTEXT_URL:
        return None
    tables = _tables()
    if tables is None:
        return None
    if all(key == "@context" or key in tables[2] for key in document):
        return None  # expansion drops a node with nothing but its @id
    out: list[Triple] = []
    try:
        root = _node(document, tables, out, [0], top=True)
    except _Unsure:
        return None
    return CompactGraph(out, root)


def _subject(node: JSONObject, tables: _Tables, counter: list[int]) -> bytes:
    found = [node[key] for key in tables[2] if key in node]
    if len(found) > 1:
        raise _Unsure  # two keys for @id: the fast expansion leaves it to pyld
    if not found:
        counter[0] += 1
        return b"_:p%d" % (counter[0] - 1)
    return _term(_iri(found[0], tables, vocab=False))


def _node(
    node: JSONObject, tables: _Tables, out: list[Triple], counter: list[int], *, top: bool = False
) -> bytes:
    """Write ``node``'s triples (nested nodes' first, as plain_triples does); its subject."""
    subject = _subject(node, tables, counter)
    seen: set[str] = set()
    for key, value in node.items():
        meaning = _KEYS.get(key)
        if meaning is None:
            if key == "@context":
                if top:
                    continue
                raise _Unsure
            meaning = _key(key, tables)
        iri, coercion, predicate = meaning
        if iri == "@id":
            continue  # read by _subject
        if iri in seen:
            raise _Unsure
        seen.add(iri)
        items = value if value.__class__ is list else [value]
        if predicate is None:  # @type
            kinds = [_term(_iri(item, tables, vocab=True)) for item in items]
            out.extend((subject, _RDF_TYPE, kind) for kind in kinds)
            continue
        for item in items:
            out.append((subject, predicate, _value(item, coercion, tables, out, counter)))
    return subject


# node key -> (IRI or "@id"/"@type", coercion, predicate term; None for @id and @type).
_KEYS: dict[str, tuple[str, str | None, bytes | None]] = {}


def _key(key: str, tables: _Tables) -> tuple[str, str | None, bytes | None]:
    """What a node key means (remembered); _Unsure when the readings must decide."""
    found = tables[0].get(key)
    if found is not None:
        iri, coercion = found
    elif key in ("@id", "@type"):
        iri, coercion = key, None
    elif key[:1] == "@" or ":" not in key:
        raise _Unsure
    else:
        iri, coercion = _iri(key, tables, vocab=True), None
    if iri in _REFUSED_KEYS or (iri[:1] == "@" and iri not in ("@id", "@type")):
        raise _Unsure
    meaning = (iri, coercion, None if iri[:1] == "@" else _term(iri))
    if len(key) <= _KEPT_LENGTH:
        if len(_KEYS) >= _TERMS_KEPT:
            _KEYS.clear()
        _KEYS[key] = meaning
    return meaning


def _value(
    value: JSON, coercion: str | None, tables: _Tables, out: list[Triple], counter: list[int]
) -> bytes:
    # orjson gives exact built-in types: any other class (a subclass) is left to the readings.
    cls = value.__class__
    if cls is str:
        if coercion == "@id":
            return _term(_iri(value, tables, vocab=False))
        if coercion == "@vocab":
            return _term(_iri(value, tables, vocab=True))
    elif cls is dict:
        if not value:
            raise _Unsure
        return _node(value, tables, out, counter)  # type: ignore[arg-type]
    elif cls is not float and cls is not int and cls is not bool:
        raise _Unsure  # null, nested arrays
    elif coercion == "@id" or coercion == "@vocab":
        raise _Unsure
    key = (cls, value, coercion)
    found = _LITERALS.get(key)
    if found is not None:
        return found
    if coercion is not None and (coercion[:1] == "@" or coercion == _XSD_DECIMAL):
        raise _Unsure
    try:
        term = plain_term_literal(value, coercion)
    except ValueError as err:
        raise _Unsure from err
    if not isinstance(value, str) or len(value) <= _KEPT_LENGTH:
        if len(_LITERALS) >= _TERMS_KEPT:
            _LITERALS.clear()
        _LITERALS[key] = term
    return term


# (class, value, coercion) -> its N-Quads literal: units, countries, flags and small numbers repeat
# between passports. Keys equal only for values written alike (the class keeps True from 1 and
# 1 from 1.0; -0.0 and 0.0, the one pair of distinct equal floats, are both written 0).
_LITERALS: dict[tuple[type, object, str | None], bytes] = {}


def _term(iri: str) -> bytes:
    found = _TERMS.get(iri)
    if found is not None:
        return found
    try:
        term = plain_term_iri(iri)
    except ValueError as err:
        raise _Unsure from err
    if len(iri) <= _KEPT_LENGTH:
        if len(_TERMS) >= _TERMS_KEPT:
            _TERMS.clear()
        _TERMS[iri] = term
    return term


# IRI -> its N-Quads term, once written (predicates, types and units repeat between passports).
_TERMS: dict[str, bytes] = {}
_TERMS_KEPT = 50_000
_KEPT_LENGTH = 200  # longer keys, IRIs and texts are written each time, never kept


def _iri(value: JSON, tables: _Tables, *, vocab: bool) -> str:
    """resolver.jsonld's ``_plain_iri``: a term (vocab), compact, blank or absolute IRI."""
    if not isinstance(value, str):
        raise _Unsure
    terms, prefixes, _ = tables
    if vocab:
        found = terms.get(value)
        if found is not None:
            if found[0][:1] == "@":
                raise _Unsure
            return found[0]
    prefix, colon, suffix = value.partition(":")
    if not colon:
        raise _Unsure  # relative: left to pyld
    if prefix == "_":
        return value  # a blank node label: plain_triples' writing refuses it (unsure)
    if suffix.startswith("//"):
        if prefix and prefix[0].isalpha() and set(prefix) <= _SCHEME:
            return value
        raise _Unsure
    base = prefixes.get(prefix)
    if base is not None:
        return base + suffix
    if prefix in terms or not (prefix[:1].isalpha() and set(prefix) <= _SCHEME):
        raise _Unsure
    return value  # an absolute IRI such as urn:x or mailto:y
