"""Frame a passport's triples as compact JSON-LD in our context: the one profile frame.

The frame: the root is the passport's node; every other node is embedded where it is first
reached (``@embed: @once``), walking keys and values in a fixed order, and referenced by id
after that; a blank node referenced once carries no id. Keys follow the context's order ("id",
"type", then the terms as the context lists them, then absolute IRIs sorted); several values of
a key are sorted by their canonical N-Triples form; well-formed RDF lists come back as
``{"@list": [...]}``. Numbers and booleans are written as JSON values when JSON-LD reads them
back to the very same literal, otherwise as value objects. So, with RDFC-1.0 blank node labels,
two inputs with the same graph frame to the same bytes.

tests/passport/test_frame.py checks, for every example, that pyld reads the framed document back
to the same graph.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import cast

import orjson
import pyoxigraph

from resolver.context_terms import Terms
from resolver.jsontypes import JSON, JSONObject
from resolver.tiers import Tier

__all__ = [
    "Keyed",
    "LiteralParts",
    "frame",
    "frame_keyed_views",
    "frame_views",
    "keyed",
    "served_double",
    "served_statements",
    "served_views",
]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_XSD_INTEGER = _XSD + "integer"
_XSD_DOUBLE = _XSD + "double"
_XSD_BOOLEAN = _XSD + "boolean"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_TYPE = pyoxigraph.NamedNode(_RDF + "type")
_FIRST = pyoxigraph.NamedNode(_RDF + "first")
_REST = pyoxigraph.NamedNode(_RDF + "rest")
_NIL = pyoxigraph.NamedNode(_RDF + "nil")
_MAX_SAFE_INT = 2**63 - 1

Node = pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Triple
Term = Node | pyoxigraph.Literal
Statement = pyoxigraph.Triple | pyoxigraph.Quad
TierOf = Callable[[str], Tier | None]


_DOUBLE_FORM = re.compile(r"(\d)0*E\+?(-)?0*(\d)")
_DOUBLES: dict[float, str] = {}


def _canonical_double(value: float) -> str:
    """JSON-LD's canonical xsd:double form (what pyld and pyoxigraph write for a JSON number)."""
    found = _DOUBLES.get(value)
    if found is None:
        found = _DOUBLE_FORM.sub(r"\1E\2\3", f"{value:1.15E}")
        if len(_DOUBLES) < 65536:  # measurements repeat across passports
            _DOUBLES[value] = found
    return found


_RDF_TYPE_KEY = str(_RDF_TYPE)
_FIRST_KEY = str(_FIRST)
_REST_KEY = str(_REST)
_NIL_KEY = str(_NIL)

# A triple keyed by its terms' N-Triples forms (what values are sorted by anyway): Python
# strings hash once, pyoxigraph terms on every lookup.
Keyed = tuple[str, str, str]
# A literal's (lexical form, language, datatype IRI) from its N-Triples form; None: unknown.
LiteralParts = Callable[[str], tuple[str, str | None, str] | None]


def keyed(triples: Sequence[Statement]) -> tuple[list[Keyed], LiteralParts]:
    """``triples`` keyed for the framer, and their literals' parts."""
    out: list[Keyed] = []
    literals: dict[str, tuple[str, str | None, str]] = {}
    literal = pyoxigraph.Literal
    for t in triples:
        obj = t.object
        key = str(obj)
        out.append((str(t.subject), str(t.predicate), key))
        if type(obj) is literal:
            literals[key] = (obj.value, obj.language, obj.datatype.value)
    return out, literals.get


# id(terms) -> (terms, (literal's N-Triples form, coercion) -> its framed JSON value): values
# repeat across passports, and their framing depends on the context's prefixes.
_LITERALS: dict[int, tuple[Terms, dict[tuple[str, str | None], JSON]]] = {}


def _literal_cache(terms: Terms) -> dict[tuple[str, str | None], JSON]:
    found = _LITERALS.get(id(terms))
    if found is None or found[0] is not terms:
        found = _LITERALS[id(terms)] = (terms, {})
    return found[1]


class _Framer:
    def __init__(
        self, triples: Sequence[Keyed], parts: LiteralParts, terms: Terms, tier_of: TierOf | None = None
    ) -> None:
        self.terms = terms
        self.tier_of = tier_of
        self.parts = parts
        # id(node dict) -> key -> the predicate's own tier (None: structural), for pruning.
        self.key_tiers: dict[int, dict[str, Tier | None]] = {}
        index: dict[str, dict[str, list[str]]] = {}
        refs: dict[str, int] = {}
        for subject, predicate, obj in triples:
            properties = index.get(subject)
            if properties is None:
                properties = index[subject] = {}
            values = properties.get(predicate)
            if values is None:
                properties[predicate] = [obj]
            else:
                values.append(obj)
            if obj[0] != '"':
                refs[obj] = refs.get(obj, 0) + 1
        self.index = index
        self.refs = refs
        self.cache = _literal_cache(terms)
        self.embedded: set[str] = set()
        self.keys: dict[str, tuple[int, str, str | None]] = {}
        self.tiers: dict[str, Tier | None] = {}

    def key(self, predicate: str) -> tuple[int, str, str | None]:
        """(sort rank, key, coercion) for a predicate (its N-Triples form)."""
        found = self.keys.get(predicate)
        if found is None:
            iri = predicate[1:-1]
            names = self.terms.by_iri.get(iri)
            if names:
                name = names[0]
                found = (self.terms.order[name], name, self.terms.coercions.get(name))
            else:
                found = (len(self.terms.order), iri, None)
            self.keys[predicate] = found
        return found

    def node(self, subject: str) -> JSONObject:
        self.embedded.add(subject)
        out: JSONObject = {}
        if _named(subject) or self.refs.get(subject, 0) != 1:
            out["id"] = _id_of(subject)
        properties = self.index.get(subject, {})
        types = properties.get(_RDF_TYPE_KEY)
        if types and all(_named(t) for t in types):
            names: list[JSON] = [self.vocab(t) for t in sorted(types)]
            out["type"] = names[0] if len(names) == 1 else names
        entries = sorted(
            (self.key(p), p, objects)
            for p, objects in properties.items()
            if not (p == _RDF_TYPE_KEY and "type" in out)
        )
        tiers: dict[str, Tier | None] = {}
        tier_of = self.tier_of
        for (_, name, coercion), predicate, objects in entries:
            if len(objects) == 1:
                out[name] = self.value(objects[0], coercion)
            else:
                out[name] = [self.value(o, coercion) for o in sorted(objects)]
            if tier_of is not None:
                tiers[name] = self.tier(predicate, tier_of)
        if tier_of is not None:
            self.key_tiers[id(out)] = tiers
        return out

    def tier(self, predicate: str, tier_of: TierOf) -> Tier | None:
        if predicate in self.tiers:
            return self.tiers[predicate]
        found = self.tiers[predicate] = tier_of(predicate[1:-1])
        return found

    def is_tree(self, root: str) -> bool:
        """Whether every node but the root is the object of exactly one triple (then a view is
        the full frame with the keys above its tier cut off, and nothing else changes)."""
        return all(self.refs.get(subject, 0) == 1 for subject in self.index if subject != root)

    def prune(self, value: JSON, tier: Tier) -> JSON:
        """The framed ``value`` without the keys whose predicate's tier is above ``tier``."""
        if isinstance(value, list):
            return [self.prune(item, tier) for item in value]
        if not isinstance(value, dict):
            return value
        return self.prune_node(value, tier)

    def prune_node(self, value: JSONObject, tier: Tier) -> JSONObject:
        tiers = self.key_tiers.get(id(value), {})
        out: JSONObject = {}
        for key, item in value.items():
            own = tiers.get(key)
            if own is None or own <= tier:
                out[key] = self.prune(item, tier) if isinstance(item, list | dict) else item
        return out

    def value(self, obj: str, coercion: str | None) -> JSON:
        if obj[0] == '"':
            return self.literal(obj, coercion)
        if obj[0] == "_" or obj == _NIL_KEY:
            items = self.list_items(obj)
            if items is not None:
                return {"@list": [self.value(item, coercion) for item in items]}
        if obj in self.index and obj not in self.embedded:
            return self.node(obj)
        if coercion == "@id":
            return _id_of(obj)
        if coercion == "@vocab" and _named(obj):
            return self.vocab(obj)
        return {"id": _id_of(obj)}

    def literal(self, key: str, coercion: str | None) -> JSON:
        cache = self.cache
        found = cache.get((key, coercion), cache)
        if found is cache:
            parts = self.parts(key)
            if parts is None:
                raise ValueError(f"the framer was given no parts for the literal {key}")
            found = _literal_of(*parts, coercion, self.terms)
            if len(cache) < 65536:
                cache[(key, coercion)] = found
        return dict(found) if isinstance(found, dict) else found  # a value object: one per use

    def vocab(self, iri: str) -> str:
        names = self.terms.by_iri.get(iri[1:-1])
        return names[0] if names else iri[1:-1]

    def list_items(self, obj: str) -> list[str] | None:
        """The items of a well-formed RDF list starting at ``obj`` (each cell a blank node
        referenced once, holding only rdf:first and rdf:rest), else None."""
        if obj == _NIL_KEY:
            return []
        items: list[str] = []
        cell = obj
        seen: set[str] = set()
        while cell != _NIL_KEY:
            if not cell.startswith("_:"):
                return None
            properties = self.index.get(cell)
            if (
                cell in seen
                or self.refs.get(cell, 0) != 1
                or properties is None
                or properties.keys() != {_FIRST_KEY, _REST_KEY}
                or len(properties[_FIRST_KEY]) != 1
                or len(properties[_REST_KEY]) != 1
            ):
                return None
            seen.add(cell)
            items.append(properties[_FIRST_KEY][0])
            cell = properties[_REST_KEY][0]
        self.embedded.update(seen)
        return items


def _named(key: str) -> bool:
    """Whether a term's N-Triples form is a named node's (``<iri>``; ``<<`` opens a quoted triple)."""
    return key[0] == "<" and key[1] != "<"


def _id_of(key: str) -> str:
    """A node's id in the frame: its IRI, ``_:label``, or a quoted triple's N-Triples form."""
    return key[1:-1] if _named(key) else key


def _literal_of(text: str, language: str | None, datatype: str, coercion: str | None, terms: Terms) -> JSON:
    if language:
        return {"@value": text, "@language": language}
    if coercion is None or coercion == datatype:
        native = _native(text, datatype, coerced=coercion is not None)
        if native is not None:
            return native
        if datatype == _XSD_STRING and coercion is None:
            return text
        if coercion == datatype:
            return text
    if datatype == _XSD_STRING:
        return {"@value": text}
    return {"@value": text, "@type": _compact_datatype(datatype, terms)}


def _native(text: str, datatype: str, *, coerced: bool) -> bool | int | float | None:
    """The JSON value JSON-LD reads back to exactly this literal, or None."""
    if datatype == _XSD_BOOLEAN and text in ("true", "false"):
        return text == "true"
    if datatype == _XSD_INTEGER:
        try:
            number = int(text)
        except ValueError:
            return None
        return number if str(number) == text and abs(number) <= _MAX_SAFE_INT else None
    if datatype == _XSD_DOUBLE:
        try:
            value = float(text)
        except ValueError:
            return None
        if _canonical_double(value) != text or value != value or value in (float("inf"), float("-inf")):
            return None
        if value.is_integer() and abs(value) < 2**53:
            # Integral: the term's xsd:double coercion makes 228 read back as "2.28E2"; without
            # a coercion JSON-LD would read it back as an xsd:integer.
            return int(value) if coerced else None
        return value
    return None


def _compact_datatype(datatype: str, terms: Terms) -> str:
    for prefix, namespace in terms.prefixes.items():
        if datatype.startswith(namespace) and re.fullmatch(
            r"[A-Za-z_][A-Za-z0-9_.-]*", datatype[len(namespace) :]
        ):
            return f"{prefix}:{datatype[len(namespace) :]}"
    return datatype


def frame(
    triples: Sequence[Statement], root: pyoxigraph.NamedNode, terms: Terms, context_url: str
) -> JSONObject:
    """The compact JSON-LD document of ``triples`` (all reachable from ``root``) in our context."""
    return frame_keyed(*keyed(triples), str(root), terms, context_url)


def frame_keyed(
    triples: Sequence[Keyed], parts: LiteralParts, root: str, terms: Terms, context_url: str
) -> JSONObject:
    """:func:`frame` of triples keyed (:func:`keyed`), ``parts`` their literals' parts, ``root``
    the passport's N-Triples form."""
    framer = _Framer(triples, parts, terms)
    return {"@context": context_url, **framer.node(root)}


def frame_views(
    views: Mapping[Tier, Sequence[Statement]],
    root: pyoxigraph.NamedNode,
    terms: Terms,
    context_url: str,
    tier_of: TierOf,
) -> dict[Tier, JSONObject]:
    """Each tier's view framed (``views`` as resolver.passport.graph.tier_views gives them)."""
    full, parts = keyed(views[max(Tier)])
    return frame_keyed_views(
        full, lambda tier: keyed(views[tier])[0], str(root), parts, terms, context_url, tier_of
    )


def frame_keyed_views(
    full: Sequence[Keyed],
    view: Callable[[Tier], Sequence[Keyed]],
    root: str,
    parts: LiteralParts,
    terms: Terms,
    context_url: str,
    tier_of: TierOf,
) -> dict[Tier, JSONObject]:
    """Each tier's view framed: ``full`` the authority view's triples keyed (:func:`keyed`),
    ``view`` gives a lower tier's, ``parts`` the literals' parts, ``root`` is the passport's
    N-Triples form.

    When the passport is a tree (the usual case), the full view is framed once and each lower
    view is that frame with the keys above its tier removed: the same document as framing the
    view's triples, at a third of the cost. Otherwise each view is framed on its own.
    """
    top = max(Tier)
    framer = _Framer(full, parts, terms, tier_of)
    node = framer.node(root)
    body = {"@context": context_url, **node}
    if not framer.is_tree(root):
        alone = {tier: _Framer(view(tier), parts, terms).node(root) for tier in Tier if tier != top}
        return {tier: body if tier == top else {"@context": context_url, **alone[tier]} for tier in Tier}
    return {
        tier: body if tier == top else {"@context": context_url, **framer.prune_node(node, tier)}
        for tier in Tier
    }


_SERVED_DOUBLES: dict[str, pyoxigraph.Literal] = {}
_DOUBLE = pyoxigraph.NamedNode(_XSD_DOUBLE)


def _served_double(literal: pyoxigraph.Literal) -> pyoxigraph.Literal:
    """The literal a reader of the framed document gets for this xsd:double: the frame writes a
    canonical finite double as a JSON number, which JSON-LD reads back in pyoxigraph's form
    (``8.5E-2``, where ours is ``8.500000000000001E-2``); any other is written as it is."""
    text = literal.value
    found = _SERVED_DOUBLES.get(text)
    if found is not None:
        return found
    found = literal
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value == value and value not in (float("inf"), float("-inf")) and _canonical_double(value) == text:
        # pyoxigraph's own JSON-LD reading of the number: the served graph, by construction.
        number = {"@value": value, "@type": _XSD_DOUBLE}
        data = orjson.dumps({"@id": "urn:x", "urn:p": number})
        read = next(iter(pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.JSON_LD))).object
        if isinstance(read, pyoxigraph.Literal):
            found = read
    if len(_SERVED_DOUBLES) < 65536:
        _SERVED_DOUBLES[text] = found
    return found


def served_double(literal: pyoxigraph.Literal) -> pyoxigraph.Literal:
    """The xsd:double ``literal`` as a reader of the framed document finds it (see served_views)."""
    return _served_double(literal)


def served_statements(triples: Sequence[Statement]) -> list[pyoxigraph.Quad]:
    """``triples`` (default-graph quads) as a reader of their framed document finds them (blank
    nodes aside, which RDFC-1.0 relabels): the same, but for the lexical form of doubles (see _served_double).
    It saves reading each framed view back (expand and parse) to get what its proof signs;
    tests/passport/test_frame.py checks it against that reading for every example."""
    return served_views({max(Tier): triples})[max(Tier)]


def served_views(views: Mapping[Tier, Sequence[Statement]]) -> dict[Tier, list[pyoxigraph.Quad]]:
    """:func:`served_statements` of each view. A statement the views share (a lower view is a
    subset of the higher ones, the same objects) is converted once; one whose lexical form
    stays is kept as it is (a default-graph quad already)."""
    replaced: dict[int, pyoxigraph.Quad] = {}  # id(statement) -> its served quad
    seen: set[int] = set()
    literal, quad_type, default = pyoxigraph.Literal, pyoxigraph.Quad, pyoxigraph.DefaultGraph
    for triples in views.values():
        for t in triples:
            key = id(t)
            if key in seen:
                continue
            seen.add(key)
            obj = t.object
            if type(obj) is literal and obj.datatype == _DOUBLE:
                served = _served_double(obj)
                if served != obj:
                    replaced[key] = pyoxigraph.Quad(t.subject, t.predicate, served)
                    continue
            if type(t) is not quad_type or type(t.graph_name) is not default:
                replaced[key] = pyoxigraph.Quad(t.subject, t.predicate, obj)
    # A statement not replaced is a default-graph quad (checked above).
    return {
        tier: cast("list[pyoxigraph.Quad]", [replaced.get(id(t), t) for t in triples])
        for tier, triples in views.items()
    }
