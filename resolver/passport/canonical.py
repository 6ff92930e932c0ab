"""RDFC-1.0: canonical blank node labels for a passport's triples, and their digest.

Two inputs with the same graph get the same labels (``_:c14n0`` ...), so the framer writes the
same bytes for them, and the same SHA-256 of the canonical N-Quads (each line ``s p o .``,
sorted by code point, UTF-8), which is what RDF Dataset Canonicalization calls the hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pyoxigraph

__all__ = ["canonical_nquads", "canonicalize", "view_nquads"]


def _dataset(triples: Iterable[pyoxigraph.Triple | pyoxigraph.Quad]) -> pyoxigraph.Dataset:
    return pyoxigraph.Dataset(
        t if isinstance(t, pyoxigraph.Quad) else pyoxigraph.Quad(t.subject, t.predicate, t.object)
        for t in triples
    )


def canonicalize(triples: Iterable[pyoxigraph.Triple | pyoxigraph.Quad]) -> tuple[list[pyoxigraph.Quad], str]:
    """The triples (default-graph quads) relabelled by RDFC-1.0, and the hex SHA-256 of their
    canonical N-Quads."""
    dataset = _dataset(triples)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    quads = list(dataset)
    text = pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.N_QUADS) or b""
    lines = sorted(text.decode().splitlines(keepends=True))
    return quads, hashlib.sha256("".join(lines).encode()).hexdigest()


def canonical_nquads(triples: Iterable[pyoxigraph.Triple | pyoxigraph.Quad]) -> str:
    """The canonical N-Quads document of ``triples`` (for tests and tools)."""
    dataset = _dataset(triples)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    return "".join(sorted(f"{quad} .\n" for quad in dataset))


def view_nquads(quads: Iterable[pyoxigraph.Quad]) -> bytes:
    """The canonical N-Quads (RDFC-1.0, lines sorted, UTF-8) of default-graph ``quads``: what a
    view's proof and log entry sign (as resolver.integrity.canon.canonical_nquads gives, without
    its per-quad checks; the write path's quads are default-graph quads already)."""
    dataset = pyoxigraph.Dataset(quads)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    text = pyoxigraph.serialize(dataset, format=pyoxigraph.RdfFormat.N_QUADS) or b""
    return b"".join(sorted(text.splitlines(keepends=True)))
