"""RDFC-1.0: canonical blank node labels for a passport's triples, and their digest.

Two inputs with the same graph get the same labels (``_:c14n0`` ...), so the framer writes the
same bytes for them, and the same SHA-256 of the canonical N-Quads (each line ``s p o .``,
sorted by code point, UTF-8), which is what RDF Dataset Canonicalization calls the hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pyoxigraph

__all__ = ["canonical_nquads", "canonicalize"]


def canonicalize(triples: Iterable[pyoxigraph.Triple]) -> tuple[list[pyoxigraph.Triple], str]:
    """The triples relabelled by RDFC-1.0, sorted as canonical N-Quads, and the hex SHA-256."""
    dataset = pyoxigraph.Dataset(pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    lines = sorted((f"{quad} .\n", quad.triple) for quad in dataset)
    digest = hashlib.sha256("".join(line for line, _ in lines).encode()).hexdigest()
    return [triple for _, triple in lines], digest


def canonical_nquads(triples: Iterable[pyoxigraph.Triple]) -> str:
    """The canonical N-Quads document of ``triples`` (for tests and tools)."""
    dataset = pyoxigraph.Dataset(pyoxigraph.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    return "".join(sorted(f"{quad} .\n" for quad in dataset))
