"""A stored view as the index reads it: expanded JSON-LD whose blank nodes carry labels of our
own, so that the same view always reads as the same quads, and pyoxigraph parses it natively.

A view's blank nodes are labelled ``{prefix}b{n}`` (``prefix``: ``g`` and a hash of the graph
name, an NCName as RDF/XML's ``rdf:nodeID`` needs), ``n`` counting in document order; ``@list``
objects are written as their ``rdf:first``/``rdf:rest`` nodes, labelled the same way. A new
version of a view therefore differs from the last in the quads that changed, and no two graphs
share a blank node. pyoxigraph's parser keeps the labels it is given (its loaders do not), and
the whole per-quad work happens in pyoxigraph: no Python code runs per quad.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import orjson
import pyoxigraph

from resolver import jsonld
from resolver.errors import DocumentError
from resolver.jsontypes import JSON, JSONObject

__all__ = [
    "LabelledView",
    "blank_prefix",
    "canonical_lines",
    "canonical_quads",
    "parse_document",
    "read_view",
    "view_quads",
]

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NIL: JSONObject = {"@id": _RDF + "nil"}


class LabelledView:
    """One view read: its passport IRI and its nodes (expanded, blank nodes labelled)."""

    __slots__ = ("iri", "nodes")

    def __init__(self, iri: str, nodes: list[JSONObject]) -> None:
        self.iri = iri
        self.nodes = nodes

    def in_graph(self, name: str) -> JSONObject:
        """The view as a JSON-LD named graph ``name`` (``@id`` first: the parser streams)."""
        return {"@id": name, "@graph": list(self.nodes)}


def read_view(body: bytes, graph_name: Callable[[str], str]) -> tuple[LabelledView, str]:
    """The view in ``body`` (compact JSON-LD in our context, read offline), labelled for the
    graph ``graph_name(iri)``; and that name. DocumentError when it cannot be read."""
    expanded = jsonld.expand(jsonld.parse_json(body))
    iri = _top_iri(expanded)
    name = graph_name(iri)
    labels = _Labels(blank_prefix(name))
    return LabelledView(iri, [labels.node(node) for node in expanded]), name


def blank_prefix(graph_name: str) -> str:
    """What the labels of the blank nodes of graph ``graph_name`` start with."""
    return "g" + hashlib.blake2b(graph_name.encode(), digest_size=8).hexdigest()


def view_quads(body: bytes, graph_name: Callable[[str], str]) -> tuple[str, list[pyoxigraph.Quad]]:
    """The passport IRI of a stored view and its triples as quads in the graph
    ``graph_name(iri)``, literals in the form a store keeps them (read back from a store in
    memory: an xsd:double written "8.35E1" reads "83.5"), so a view compares with what an
    index store holds."""
    view, name = read_view(body, graph_name)
    return view.iri, canonical_quads([view.in_graph(name)])


def canonical_quads(document: list[JSONObject]) -> list[pyoxigraph.Quad]:
    """The quads of an expanded, labelled JSON-LD ``document``, as a store keeps them."""
    stored = pyoxigraph.Store()
    try:
        stored.extend(parse_document(document))
    except SyntaxError as err:
        raise DocumentError(f"a stored view pyoxigraph cannot read: {err}") from err
    return list(stored)


def canonical_lines(view: LabelledView, name: str) -> set[bytes]:
    """The view's triples as N-Triples lines, as a store writes them (the form
    ``Store.dump`` gives for a graph of an index store)."""
    stored = pyoxigraph.Store()
    try:
        stored.extend(parse_document([view.in_graph(name)]))
    except SyntaxError as err:
        raise DocumentError(f"a stored view pyoxigraph cannot read: {err}") from err
    graph = pyoxigraph.NamedNode(name)
    return set((stored.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=graph) or b"").splitlines())


def parse_document(document: list[JSONObject]) -> pyoxigraph.QuadParser:
    """pyoxigraph's parser over ``document`` (it keeps the blank node labels given)."""
    try:
        return pyoxigraph.parse(orjson.dumps(document), format=pyoxigraph.RdfFormat.JSON_LD)
    except (SyntaxError, ValueError) as err:
        raise DocumentError(f"a stored view pyoxigraph cannot read: {err}") from err


class _Labels:
    """Gives every blank node of an expanded document a label ``{prefix}b{n}``, in order."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._seen: dict[str, str] = {}

    def _new(self) -> str:
        return f"_:{self._prefix}b{len(self._seen)}"

    def _label(self, given: str | None) -> str:
        if given is None:
            label = self._new()
            self._seen[label] = label
            return label
        found = self._seen.get(given)
        if found is None:
            found = self._seen[given] = self._new()
        return found

    def node(self, node: JSONObject) -> JSONObject:
        if "@graph" in node or "@included" in node or "@reverse" in node:
            raise DocumentError("a stored view with @graph, @included or @reverse")
        given = node.get("@id")
        if isinstance(given, str) and not given.startswith("_:"):
            out: JSONObject = {"@id": given}
        else:
            out = {"@id": self._label(given if isinstance(given, str) else None)}
        for key, value in node.items():
            if key == "@id":
                continue
            if key.startswith("@") or not isinstance(value, list):
                out[key] = value
                continue
            out[key] = [self._value(item) for item in value]
        return out

    def _value(self, item: JSON) -> JSON:
        if not isinstance(item, dict) or "@value" in item:
            return item
        if "@list" in item:
            members = item["@list"]
            return self._list(members if isinstance(members, list) else [members])
        if "@graph" in item:
            # A graph object (a ``@container: @graph`` term, as a signed passport's proof):
            # the property points at the graph's name, a node of its own; what the graph
            # holds is not of the view's graph (a JSON-LD parser writes it to another graph).
            given = item.get("@id")
            return {
                "@id": given
                if isinstance(given, str) and not given.startswith("_:")
                else self._label(given if isinstance(given, str) else None)
            }
        return self.node(item)

    def _list(self, members: list[JSON]) -> JSONObject:
        """``@list`` as explicit ``rdf:first``/``rdf:rest`` nodes, labelled in order."""
        cells: list[JSONObject] = []
        for member in members:
            cell: JSONObject = {"@id": self._label(None)}
            cell[_RDF + "first"] = [self._value(member)]
            cells.append(cell)
        for cell, after in zip(cells, [*cells[1:], dict(_NIL)], strict=True):
            cell[_RDF + "rest"] = [after]
        return cells[0] if cells else dict(_NIL)


def _top_iri(expanded: list[JSONObject]) -> str:
    tops = [node.get("@id") for node in expanded if isinstance(node, dict)]
    if len(tops) != 1 or not isinstance(tops[0], str) or ":" not in tops[0] or tops[0].startswith("_:"):
        raise DocumentError("a stored view without one top node with an absolute @id")
    return tops[0]
