"""The triples of an expanded JSON-LD document in the plain form (node objects, value objects,
node references: what resolver.jsonld's fast path gives) as N-Quads terms, without pyoxigraph.

A peer's answer is read on every federated miss, and pyoxigraph's JSON-LD reader costs about
3 us a triple. The terms are written as pyoxigraph writes them (tests/integrity compare both);
anything beyond the plain form, or a term whose writing is not certain (an escape, a number
beyond 2^53, an IRI pyoxigraph refuses), answers None and pyoxigraph reads the document.
"""

from __future__ import annotations

import re

import pyoxigraph

__all__ = ["Triple", "plain_term_iri", "plain_term_literal", "plain_triples"]

Triple = tuple[bytes, bytes, bytes]  # subject, predicate, object as N-Quads terms

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_XSD_DOUBLE = _XSD + "double"
_RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_EXACT = 2**53  # beyond this a float's integer form and its shortest digits may part
_UNSAFE_TEXT = re.compile(r'["\\\x00-\x1f\x7f]')  # characters N-Quads escapes

# IRI -> its N-Quads term, once pyoxigraph accepted it (predicates and types repeat).
_IRIS: dict[str, bytes] = {}
_IRIS_KEPT = 50_000


# Number -> its xsd:double lexical form (a float equal to an int shares its entry: same form).
_DOUBLES: dict[float, str] = {}
_DOUBLES_KEPT = 50_000


class _Unsure(Exception):
    pass


def plain_triples(expanded: object) -> list[Triple] | None:
    """The default-graph triples of ``expanded``, or None when this reading is not certain."""
    if not isinstance(expanded, list):
        return None
    out: list[Triple] = []
    counter = [0]
    try:
        for node in expanded:
            if not isinstance(node, dict):
                raise _Unsure
            _node(node, out, counter)
    except _Unsure:
        return None
    return out


def _node(node: dict[str, object], out: list[Triple], counter: list[int]) -> bytes:
    """Write ``node``'s triples; its subject term."""
    iri = node.get("@id")
    if iri is None:
        subject = b"_:p%d" % counter[0]
        counter[0] += 1
    elif isinstance(iri, str):
        subject = _iri(iri)
    else:
        raise _Unsure
    for key, values in node.items():
        if key == "@id":
            continue
        if not isinstance(values, list):
            raise _Unsure
        if key == "@type":
            for kind in values:
                if not isinstance(kind, str):
                    raise _Unsure
                out.append((subject, _RDF_TYPE, _iri(kind)))
            continue
        predicate = _iri(key)  # a keyword (@graph, @reverse, ...) is no IRI: unsure
        for value in values:
            if not isinstance(value, dict):
                raise _Unsure
            out.append((subject, predicate, _object(value, out, counter)))
    return subject


def _object(value: dict[str, object], out: list[Triple], counter: list[int]) -> bytes:
    if "@value" in value:
        kind = value.get("@type")
        if len(value) != (1 if kind is None else 2) or not (kind is None or isinstance(kind, str)):
            raise _Unsure  # @language, @index, @direction, a list of types
        return _literal(value["@value"], kind)
    if not value:
        raise _Unsure  # an empty node object
    if len(value) == 1:
        iri = value.get("@id")
        if isinstance(iri, str):
            return _iri(iri)  # a node reference
    # A keyword other than @id and @type (@list, @set, @graph, ...) is no IRI: _node is unsure.
    return _node(value, out, counter)


def _literal(value: object, kind: str | None) -> bytes:
    if isinstance(value, str):
        if _UNSAFE_TEXT.search(value):
            raise _Unsure
        text = value
        datatype = kind
    elif isinstance(value, bool):
        text = "true" if value else "false"
        datatype = kind or _XSD + "boolean"
    elif isinstance(value, int | float):
        if abs(value) >= _EXACT:
            raise _Unsure
        if kind == _XSD_DOUBLE or (isinstance(value, float) and not value.is_integer()):
            text = _DOUBLES.get(value) or _double(float(value))
            datatype = kind or _XSD_DOUBLE
        else:
            text = str(int(value))
            datatype = kind or _XSD + "integer"
    else:
        raise _Unsure  # null, a JSON literal
    quoted = b'"' + text.encode() + b'"'
    if datatype is None or datatype == _XSD_STRING:
        return quoted
    return quoted + b"^^" + _iri(datatype)


def _double(value: float) -> str:
    """The xsd:double form JSON-LD gives a number: shortest digits, ``d.ddE-n`` (remembered:
    measured values repeat between passports)."""
    text = _double_text(value)
    if len(_DOUBLES) >= _DOUBLES_KEPT:
        _DOUBLES.clear()
    _DOUBLES[value] = text
    return text


def _double_text(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        raise _Unsure
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return sign + "0.0E0"
    shift = len(whole + fraction) - len((whole + fraction).lstrip("0"))
    power = len(whole) - 1 - shift + (int(exponent) if exponent else 0)
    digits = digits.rstrip("0") or "0"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{power}"


def _iri(iri: str) -> bytes:
    found = _IRIS.get(iri)
    if found is not None:
        return found
    if iri.startswith("_:") or not iri.isascii():
        raise _Unsure
    try:
        term = str(pyoxigraph.NamedNode(iri)).encode()
    except ValueError as err:
        raise _Unsure from err
    if term != b"<" + iri.encode() + b">":
        raise _Unsure
    if len(_IRIS) >= _IRIS_KEPT:
        _IRIS.clear()
    _IRIS[iri] = term
    return term


def plain_term_iri(iri: str) -> bytes:
    """``iri`` as an N-Quads term, written as :func:`plain_triples` writes it; ValueError when
    that writing is not certain (a blank node label, a non-ASCII or refused IRI)."""
    try:
        return _iri(iri)
    except _Unsure as err:
        raise ValueError(f"no certain N-Quads term for {iri!r}") from err


def plain_term_literal(value: object, datatype: str | None) -> bytes:
    """A JSON value typed ``datatype`` (None: none given) as an N-Quads literal, written as
    :func:`plain_triples` writes it; ValueError when that writing is not certain."""
    try:
        return _literal(value, datatype)
    except _Unsure as err:
        raise ValueError(f"no certain N-Quads literal for {value!r}") from err
