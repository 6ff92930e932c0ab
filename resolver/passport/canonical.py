"""RDFC-1.0: canonical blank node labels for a passport's triples, and their digest.

Two inputs with the same graph get the same labels (``_:c14n0`` ...), so the framer writes the
same bytes for them, and the same SHA-256 of the canonical N-Quads (each line ``s p o .``,
sorted by code point, UTF-8), which is what RDF Dataset Canonicalization calls the hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

import pyoxigraph

from resolver.tiers import Tier

__all__ = ["canonical_form", "canonical_nquads", "canonicalize", "view_nquads", "views_nquads"]

_NQUADS = pyoxigraph.RdfFormat.N_QUADS
_RDFC = pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0


def _dataset(triples: Iterable[pyoxigraph.Triple | pyoxigraph.Quad]) -> pyoxigraph.Dataset:
    return pyoxigraph.Dataset(
        t if isinstance(t, pyoxigraph.Quad) else pyoxigraph.Quad(t.subject, t.predicate, t.object)
        for t in triples
    )


def _sorted_lines(quads: Iterable[pyoxigraph.Quad] | pyoxigraph.Dataset) -> list[bytes]:
    # UTF-8 byte order is code point order: sorting the encoded lines sorts the text.
    text = pyoxigraph.serialize(quads, format=_NQUADS) or b""
    return sorted(text.splitlines(keepends=True))


def canonical_form(
    triples: Iterable[pyoxigraph.Triple | pyoxigraph.Quad],
) -> tuple[list[pyoxigraph.Quad], list[bytes]]:
    """The triples (default-graph quads) relabelled by RDFC-1.0, and their canonical N-Quads
    lines, sorted."""
    dataset = _dataset(triples)
    dataset.canonicalize(_RDFC)
    return list(dataset), _sorted_lines(dataset)


def canonicalize(triples: Iterable[pyoxigraph.Triple | pyoxigraph.Quad]) -> tuple[list[pyoxigraph.Quad], str]:
    """The triples (default-graph quads) relabelled by RDFC-1.0, and the hex SHA-256 of their
    canonical N-Quads."""
    quads, lines = canonical_form(triples)
    return quads, hashlib.sha256(b"".join(lines)).hexdigest()


def canonical_nquads(triples: Iterable[pyoxigraph.Triple | pyoxigraph.Quad]) -> str:
    """The canonical N-Quads document of ``triples`` (for tests and tools)."""
    dataset = _dataset(triples)
    dataset.canonicalize(_RDFC)
    return "".join(sorted(f"{quad} .\n" for quad in dataset))


def view_nquads(quads: Iterable[pyoxigraph.Quad]) -> bytes:
    """The canonical N-Quads (RDFC-1.0, lines sorted, UTF-8) of default-graph ``quads``: what a
    view's proof and log entry sign (as resolver.integrity.canon.canonical_nquads gives, without
    its per-quad checks; the write path's quads are default-graph quads already)."""
    return b"".join(_view_lines(list(dict.fromkeys(quads))))  # a set, as a dataset holds them


def _view_lines(quads: Sequence[pyoxigraph.Quad]) -> list[bytes]:
    if all(_ground(quad) for quad in quads):  # no blank node to label: the sorted N-Quads
        return _sorted_lines(quads)
    dataset = pyoxigraph.Dataset(quads)
    dataset.canonicalize(_RDFC)
    return _sorted_lines(dataset)


def views_nquads(
    views: Mapping[Tier, Sequence[pyoxigraph.Quad]], graph: tuple[Sequence[pyoxigraph.Quad], Sequence[bytes]]
) -> dict[Tier, bytes]:
    """:func:`view_nquads` of each view, canonicalising fewer of them.

    ``graph``: the passport's quads as :func:`canonical_form` labelled them, and its canonical
    lines. RDFC-1.0 labels blank nodes from the quads that mention them, and from nothing else.
    So a view whose quads differ from an already canonical graph's only by quads without blank
    nodes (a lower tier's view without some plain values of named nodes, or a view whose
    doubles are written in their served form on named nodes) has that graph's labels: its lines
    are the graph's, less the quads taken out, plus those put in (_derived_lines). Any other
    view is canonicalised on its own. tests/passport/test_canonical.py checks both ways agree.
    """
    known: list[tuple[frozenset[pyoxigraph.Quad], list[bytes]]] = [(frozenset(graph[0]), list(graph[1]))]
    out: dict[Tier, bytes] = {}
    for tier in sorted(views, reverse=True):  # the largest view first: the next is within it
        quads = frozenset(views[tier])
        lines = None
        for reference, reference_lines in reversed(known):
            lines = _derived_lines(quads, reference, reference_lines)
            if lines is not None:
                break
        if lines is None:
            lines = _view_lines(list(quads))
        known.append((quads, lines))
        out[tier] = b"".join(lines)
    return {tier: out[tier] for tier in views}


def _derived_lines(
    quads: frozenset[pyoxigraph.Quad], reference: frozenset[pyoxigraph.Quad], lines: list[bytes]
) -> list[bytes] | None:
    """The canonical lines of ``quads`` from those of ``reference`` (a canonical graph), or None
    when a quad in one and not the other mentions a blank node (or is not in the default graph)."""
    removed, added = reference - quads, quads - reference
    if not all(_ground(quad) for quad in removed) or not all(_ground(quad) for quad in added):
        return None
    if not removed and not added:
        return lines
    taken = set(_sorted_lines(removed)) if removed else set()
    kept = [line for line in lines if line not in taken]
    if len(kept) != len(lines) - len(removed):  # each quad taken out is one line of the reference
        return None
    return sorted(kept + _sorted_lines(added)) if added else kept


def _ground(quad: pyoxigraph.Quad) -> bool:
    """No blank node (nor quoted triple) in the quad, and in the default graph."""
    return (
        type(quad.subject) is pyoxigraph.NamedNode
        and type(quad.object) in (pyoxigraph.NamedNode, pyoxigraph.Literal)
        and type(quad.graph_name) is pyoxigraph.DefaultGraph
    )
