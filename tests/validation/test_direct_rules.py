"""The SPARQL rules' direct walks (resolver/validation/direct_rules.py): a walk that clears a
rule for a passport is never contradicted by the rule's query, on every example and 600 mutants;
and every rule of the eu-battery profile has its walk."""

from __future__ import annotations

import functools
import random
from typing import Any

import orjson
import pyoxigraph
import pytest
from rdflib.term import Node

from resolver import jsonld
from resolver.errors import ResolverError
from resolver.passport import graph, read
from resolver.validation import pipeline
from resolver.validation.engine import SparqlRunner
from tests.passport.forms import EXAMPLES
from tests.passport.test_differential import _mutant

INVALID = sorted((EXAMPLES[0].parents[1] / "invalid").glob("*.jsonld"))
MUTANTS = 600


def _rules() -> list[tuple[Any, Any, Any]]:
    core = pipeline.engine()._core
    assert core is not None
    found: dict[int, tuple[Any, Any, Any]] = {}
    seen: set[int] = set()

    def visit(shape: Any) -> None:
        if id(shape) in seen:
            return
        seen.add(id(shape))
        for entry in shape.sparql:
            found[id(entry[1])] = entry
        for child in (*shape.nodes, *shape.properties, *(m for ms in shape.alternatives for m in ms)):
            visit(child)

    for targeted in core._targeted:
        visit(targeted[0])
    return list(found.values())


def test_every_rule_of_the_profile_has_its_walk() -> None:
    rules = _rules()
    assert len(rules) == 5
    assert all(walk is not None for _, _, walk in rules)


@functools.cache  # made once for the four parts (~0.3 CPU-s each time)
def _bodies() -> tuple[bytes, ...]:
    rng = random.Random(11)
    originals = [orjson.loads(path.read_bytes()) for path in EXAMPLES]
    mutants = [orjson.dumps(_mutant(rng.choice(originals), rng)) for _ in range(MUTANTS)]
    return (*mutants, *(path.read_bytes() for path in INVALID), *(path.read_bytes() for path in EXAMPLES))


def _index(triples: list[pyoxigraph.Quad]) -> dict[Node, dict[Node, set[Node]]]:
    index: dict[Node, dict[Node, set[Node]]] = {}
    for s, p, o in jsonld.rdflib_triples(triples):
        index.setdefault(s, {}).setdefault(p, set()).add(o)
    return index


@pytest.mark.parametrize("part", range(4))
def test_a_walk_clears_a_rule_only_when_its_query_reports_nothing(part: int) -> None:
    engine = pipeline.engine()
    rules = _rules()
    vocabulary = pipeline._vocabulary(engine.profile)
    cleared = reported = 0
    for body in _bodies()[part::4]:
        try:
            triples = read.read_triples(body, "application/ld+json", vocabulary, engine.profile.context_url)
            root = graph.find_root(triples, None)
        except ResolverError:
            continue
        index = _index(triples)
        focus = jsonld.rdflib_triples([pyoxigraph.Quad(root, graph.RDF_TYPE, root)])[0][0]
        runner = SparqlRunner(triples)
        for component, helper, walk in rules:
            bindings, text = helper.pre_bind_variables(focus)
            reports = runner(component, helper.apply_prefixes(text), bindings)
            clear = walk(index, focus)
            assert not (clear and reports), (helper.node, body[:200])
            cleared += clear
            reported += reports
    assert cleared > 0 and reported > 0  # both outcomes exercised
