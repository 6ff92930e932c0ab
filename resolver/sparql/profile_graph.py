"""The profile graph: the eu-battery vocabulary and SHACL shapes, queryable beside the passports.

Held in every tier's current store (they are public: the node serves the same files under
``/profiles/eu-battery/``) as one named graph, ``PROFILE_GRAPH``, the vocabulary's ontology IRI,
so a query can join a passport's terms with their labels, data-point numbers and shapes. The
name is the same on every node, so a federated query that names it finds it on each peer. It
is not part of the default graph (the union of the passports' views), so aggregates over
passports never count vocabulary triples; ask for it with ``GRAPH <…>`` or ``FROM <…>``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph

__all__ = ["PROFILE_FILES", "PROFILE_GRAPH", "profile_digest", "profile_quads"]

PROFILE_GRAPH = "https://w3id.org/battery-passport/eu-battery"
_ROOT = Path(__file__).resolve().parents[2]
PROFILE_FILES = (
    _ROOT / "vocab" / "eu-battery" / "vocab.ttl",
    *sorted((_ROOT / "shapes" / "eu-battery").glob("*.ttl")),
)


def profile_digest(files: tuple[Path, ...] = PROFILE_FILES) -> str:
    """What the files hold: the index reloads the graph when this changes."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def profile_quads(files: tuple[Path, ...] = PROFILE_FILES) -> list[pyoxigraph.Quad]:
    """Every triple of the files, in the named graph ``PROFILE_GRAPH``."""
    graph = pyoxigraph.NamedNode(PROFILE_GRAPH)
    quads: list[pyoxigraph.Quad] = []
    for path in files:
        for quad in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE):
            quads.append(pyoxigraph.Quad(quad.subject, quad.predicate, quad.object, graph))
    return quads
