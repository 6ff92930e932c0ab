"""Refuse what would not survive into the RDF graph, instead of letting JSON-LD drop it.

JSON-LD expansion silently drops a key that is not a term (``stateOfHealth``), a value of an
``@vocab`` term that names nothing (``"chemistry": "LFP-ish"``), a string where an IRI is
required (``"url": "call us"``: a relative IRI, and there is no base) and ``null``. Validation
never sees them, and the stored document would still show them. :func:`check_json` walks a
document in our context (or in none: expanded form) with the context's term table and raises
:class:`~resolver.errors.LostValue` naming the term and its data points. :func:`check_literals`
checks the graph itself, whatever the syntax: numbers must be finite.
"""

from __future__ import annotations

import math
import re
from typing import Protocol

import pyoxigraph

from resolver.context_terms import Terms
from resolver.errors import LostValue
from resolver.jsonld import CONTEXT_URL
from resolver.jsontypes import JSON, JSONObject

__all__ = ["Vocabulary", "check_json", "lost", "normalise_literals"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_FLOATING = frozenset({_XSD + "double", _XSD + "float"})
_ZONED = frozenset({_XSD + "dateTime", _XSD + "date", _XSD + "time", _XSD + "dateTimeStamp"})
# Keywords a node object may hold besides its properties.
_NODE_KEYWORDS = frozenset({"@id", "@type", "@index", "@reverse", "@included"})


class Vocabulary(Protocol):
    """What the messages name: a property's data points and label, a controlled list's values."""

    def data_points(self, iri: str) -> tuple[int, ...]: ...

    def label(self, iri: str) -> str: ...

    def allowed(self, iri: str) -> tuple[str, ...]: ...


def lost(
    vocabulary: Vocabulary | None, detail: str, term: str, iri: str | None = None, **more: object
) -> LostValue:
    """The LostValue for ``term`` (property ``iri``), its message led by the data points."""
    points = vocabulary.data_points(iri) if vocabulary is not None and iri else ()
    if points and vocabulary is not None and iri:
        detail = f"Data point {', '.join(map(str, points))} ({vocabulary.label(iri)}): {detail}"
    extra = {"path": iri} if iri else {}
    return LostValue(detail, term=term, dataPoints=list(points), **extra, **more)


class _Walk:
    def __init__(self, terms: Terms, vocabulary: Vocabulary, profile: str = "eu-battery") -> None:
        self.terms = terms
        self.vocabulary = vocabulary
        self.profile = profile  # the profile whose context the messages name

    def lost(self, detail: str, term: str, iri: str | None = None, **more: object) -> LostValue:
        return lost(self.vocabulary, detail, term, iri, **more)

    def nodes(self, value: JSON) -> None:
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                raise self.lost("a top-level item is not a node object", term="@graph")
            self.node(item)

    def node(self, node: JSONObject) -> None:
        for key, value in node.items():
            iri = self.terms.key_iri(key)
            if iri is None:
                raise self.lost(
                    f"the term {key!r} is not defined by the {self.profile} context (nor a compact "
                    "or absolute IRI): JSON-LD would drop it",
                    term=key,
                )
            if iri.startswith("@"):
                self.keyword(key, iri, value)
            else:
                self.values(key, iri, value, self.terms.coercions.get(key))

    def keyword(self, key: str, keyword: str, value: JSON) -> None:
        if keyword == "@id":
            if not isinstance(value, str) or self.terms.id_iri(value) is None:
                raise self.lost(f"the node id {value!r} is not an absolute IRI or blank node id", term=key)
        elif keyword == "@type":
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, str) or self.terms.vocab_iri(item) is None:
                    detail = f"the type {item!r} is not a class of the {self.profile} context"
                    raise self.lost(detail, term=key)
        elif keyword == "@reverse":
            if not isinstance(value, dict):
                raise self.lost("@reverse must be an object", term=key)
            self.node(value)
        elif keyword == "@included":
            self.nodes(value)
        elif keyword not in _NODE_KEYWORDS:
            raise self.lost(f"the keyword {key!r} is not used in a passport node", term=key)

    def values(self, key: str, iri: str, value: JSON, coercion: str | None) -> None:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, list):
                raise self.lost(f"{key!r} holds a list inside a list", term=key, iri=iri)
            self.value(key, iri, item, coercion)

    def value(self, key: str, iri: str, item: JSON, coercion: str | None) -> None:
        if item is None:
            raise self.lost(f"{key!r} is null: leave the key out instead", term=key, iri=iri)
        if isinstance(item, str):
            if coercion == "@id" and self.terms.id_iri(item) is None:
                raise self.lost(
                    f"{key!r} must be an IRI (such as https://...), not {item!r}",
                    term=key,
                    iri=iri,
                    value=item,
                )
            if coercion == "@vocab" and self.terms.vocab_iri(item) is None:
                allowed = self.vocabulary.allowed(iri)
                listed = (
                    f"one of {', '.join(allowed)}" if allowed else f"a term of the {self.profile} context"
                )
                raise self.lost(f"{item!r} is not {listed}", term=key, iri=iri, value=item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise self.lost(f"{key!r} is not a finite number", term=key, iri=iri)
        elif isinstance(item, dict):
            self.object(key, iri, item, coercion)

    def object(self, key: str, iri: str, item: JSONObject, coercion: str | None) -> None:
        keys = {self.terms.terms.get(k, k) for k in item}
        if "@value" in keys:
            found = next(v for k, v in item.items() if self.terms.terms.get(k, k) == "@value")
            if found is None or isinstance(found, dict | list):
                raise self.lost(f"{key!r} has an unusable @value", term=key, iri=iri)
            for k, v in item.items():
                if self.terms.terms.get(k, k) == "@type" and (
                    not isinstance(v, str) or self.terms.vocab_iri(v) is None
                ):
                    raise self.lost(f"{key!r} has an unknown datatype {v!r}", term=key, iri=iri)
            return
        if "@list" in keys or "@set" in keys:
            for k, v in item.items():
                if self.terms.terms.get(k, k) in ("@list", "@set"):
                    self.values(key, iri, v, coercion)
            return
        if not item:
            raise self.lost(f"{key!r} holds an empty object: JSON-LD would drop it", term=key, iri=iri)
        self.node(item)


def check_json(
    document: object, terms: Terms | None, vocabulary: Vocabulary, context_url: str = CONTEXT_URL
) -> bool:
    """Walk ``document`` if it is in our context alone (``terms``) or expanded (no context);
    raises LostValue at the first key or value JSON-LD would drop. False if the document uses
    another context than ``context_url`` (nothing checked: the graph checks still apply)."""
    if isinstance(document, list):
        _Walk(_EMPTY, vocabulary).nodes(document)
        return True
    if not isinstance(document, dict):
        return False
    if "@context" in document:
        if terms is None or document["@context"] != context_url:
            return False
        table = terms
    else:
        table = _EMPTY
    # .../eu-battery/v1 -> eu-battery
    walk = _Walk(table, vocabulary, context_url.rsplit("/", 2)[-2])
    body = {k: v for k, v in document.items() if k != "@context"}
    if set(body) == {"@graph"}:
        walk.nodes(body["@graph"])
    elif "@graph" in body:
        graph = body.pop("@graph")
        walk.node(body)
        walk.nodes(graph)
    else:
        walk.node(body)
    return True


def normalise_literals(
    triples: list[pyoxigraph.Quad], vocabulary: Vocabulary | None = None
) -> list[pyoxigraph.Quad]:
    """The triples with numbers in one lexical form, refusing a number that is not finite
    (``INF``, ``NaN``, ``1e400`` as a double).

    xsd:double and xsd:float are written in JSON-LD's canonical form and xsd:integer without
    signs or leading zeros, so a passport read from JSON-LD and the same passport written by
    another tool (rdflib writes ``7e+01`` for JSON-LD's ``7.0E1``) are the same graph, validated
    and stored alike. An ill-typed lexical form is left as it is: the shapes report it.
    """
    out = triples
    for i, triple in enumerate(triples):
        obj = triple.object
        if not isinstance(obj, pyoxigraph.Literal):
            continue
        datatype = obj.datatype.value
        if datatype in _FLOATING:
            text = _double_text(triple, obj, vocabulary)
        elif datatype == _XSD + "integer":
            text = _integer_text(obj.value)
        elif datatype in _ZONED and obj.value.endswith(("+00:00", "-00:00")):
            text = obj.value[:-6] + "Z"  # XSD's canonical UTC; rdflib writes Z as +00:00
        else:
            continue
        if text is not None and text != obj.value:
            if out is triples:
                out = list(triples)
            out[i] = pyoxigraph.Quad(
                triple.subject, triple.predicate, pyoxigraph.Literal(text, datatype=obj.datatype)
            )
    return out


# lexical form -> canonical form, for finite doubles (measurements repeat across passports).
_DOUBLES: dict[str, str] = {}
_DOUBLE_FORM = re.compile(r"(\d)0*E\+?(-)?0*(\d)")


def _double_text(
    triple: pyoxigraph.Quad, obj: pyoxigraph.Literal, vocabulary: Vocabulary | None
) -> str | None:
    text = obj.value
    found = _DOUBLES.get(text)
    if found is not None:
        return found
    try:
        number = float(text.strip())
    except ValueError:
        return None  # ill-typed: a validation result, not a lost value
    if not math.isfinite(number):
        raise lost(
            vocabulary,
            f"<{triple.predicate.value}> is {text!r}: numbers must be finite",
            term=triple.predicate.value,
            iri=triple.predicate.value,
            value=text,
        )
    found = _DOUBLE_FORM.sub(r"\1E\2\3", f"{number:1.15E}")
    if len(_DOUBLES) < 65536:
        _DOUBLES[text] = found
    return found


def _integer_text(text: str) -> str | None:
    stripped = text.strip()
    if not stripped or not stripped.lstrip("+-").isdigit() or not stripped.isascii():
        return None
    return str(int(stripped))


_EMPTY = Terms(terms={}, prefixes={}, coercions={}, order={}, by_iri={})
