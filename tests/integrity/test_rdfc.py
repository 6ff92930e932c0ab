"""RDFC-1.0 in Python gives pyoxigraph's canonical N-Quads, or gives up; never other lines."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pyoxigraph
import pytest

from resolver import jsonld, views
from resolver.integrity.rdfc import canonical_lines, canonical_triples
from resolver.tiers import Tier

EXAMPLES = Path(__file__).parents[2] / "examples" / "valid"
_NQ = pyoxigraph.RdfFormat.N_QUADS


def _pyoxigraph(quads: list[pyoxigraph.Quad]) -> bytes:
    dataset = pyoxigraph.Dataset(quads)
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    return b"".join(sorted((pyoxigraph.serialize(dataset, format=_NQ) or b"").splitlines(keepends=True)))


def _random_graph(rng: random.Random) -> list[pyoxigraph.Quad]:
    """Few blank nodes, few predicates, many alike: ties that need the N-degree hash."""
    nodes = [pyoxigraph.BlankNode(f"n{i}") for i in range(rng.randint(1, 9))]
    named = [pyoxigraph.NamedNode("http://ex/s0"), pyoxigraph.NamedNode("http://ex/s1")]
    literals = [pyoxigraph.Literal("a"), pyoxigraph.Literal("b")]
    subjects: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode] = [*nodes, named[0]]
    objects: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal]
    objects = [*nodes, *named, *literals]
    predicates = [pyoxigraph.NamedNode(f"http://ex/p{i}") for i in range(rng.randint(1, 3))]
    quads = {
        pyoxigraph.Quad(rng.choice(subjects), rng.choice(predicates), rng.choice(objects))
        for _ in range(rng.randint(1, 14))
    }
    return list(quads)


@pytest.mark.parametrize("seed", range(4))
def test_symmetric_random_graphs_canonicalise_as_pyoxigraph_does(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(400):
        quads = _random_graph(rng)
        found = canonical_lines(pyoxigraph.serialize(quads, format=_NQ) or b"")
        assert found is None or found == _pyoxigraph(quads)


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.jsonld"))[:6], ids=lambda p: p.stem)
def test_every_tier_view_of_the_examples_canonicalises_as_pyoxigraph_does(example: Path) -> None:
    expanded = jsonld.expand(json.loads(example.read_text()))
    for tier in Tier:
        quads = jsonld.oxigraph_quads(jsonld.expand(views.view(expanded, tier)))
        assert canonical_lines(pyoxigraph.serialize(quads, format=_NQ) or b"") == _pyoxigraph(quads)


def test_a_clique_of_alike_blank_nodes_is_left_to_pyoxigraph() -> None:
    nodes = [pyoxigraph.BlankNode(f"n{i}") for i in range(7)]
    knows = pyoxigraph.NamedNode("http://ex/knows")
    quads = [pyoxigraph.Quad(a, knows, b) for a in nodes for b in nodes if a != b]
    assert canonical_lines(pyoxigraph.serialize(quads, format=_NQ) or b"") is None


def test_a_long_chain_of_alike_blank_nodes_is_left_to_pyoxigraph_or_matches_it() -> None:
    nodes = [pyoxigraph.BlankNode(f"n{i}") for i in range(2000)]
    nxt = pyoxigraph.NamedNode("http://ex/next")
    quads = [pyoxigraph.Quad(a, nxt, b) for a, b in itertools.pairwise(nodes)]
    found = canonical_lines(pyoxigraph.serialize(quads, format=_NQ) or b"")
    assert found is None or found == _pyoxigraph(quads)


def test_escaped_literals_and_graph_names_are_left_to_pyoxigraph() -> None:
    assert canonical_lines(b'<http://ex/s> <http://ex/p> "a\\"b" .\n') is None
    assert canonical_lines(b"<http://ex/s> <http://ex/p> <http://ex/o> <http://ex/g> .\n") is None


def test_repeated_triples_count_once() -> None:
    triple = (b"_:x", b"<http://ex/p>", b'"v"')
    assert canonical_triples([triple, triple]) == b'_:c14n0 <http://ex/p> "v" .\n'
