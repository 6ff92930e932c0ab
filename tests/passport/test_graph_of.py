"""jsonld.graph_of fills a new Memory store in bulk: the store must hold what one
``Memory.add`` per triple leaves in it (indexes, contexts, their order), for the examples, the
invalid examples, repeated triples and no triples, or pyshacl would read another graph."""

from __future__ import annotations

from typing import Any

import rdflib

from resolver import jsonld
from resolver.errors import ResolverError
from resolver.passport import read
from resolver.validation import pipeline
from tests.passport.forms import EXAMPLES
from tests.passport.test_differential import INVALID

_STATE = ("spo", "pos", "osp", "tripleContexts", "defaultContexts", "all_contexts")


def _one_by_one(triples: list[jsonld.Triple]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for triple in triples:
        graph.store.add(triple, graph, quoted=False)
    return graph


def _state(graph: rdflib.Graph) -> list[Any]:
    """The store's state, in order, the graph's own (random) name written G."""
    store: Any = graph.store
    contexts = store._Memory__contextTriples
    named = {name: list(triples) for name, triples in contexts.items()}
    by_name = {name: obj is graph for name, obj in store._Memory__context_obj_map.items()}
    state = [repr(getattr(store, f"_Memory__{name}")) for name in _STATE]
    state += [repr(named), repr(by_name), repr(list(graph)), repr([c is graph for c in store.contexts()])]
    return [text.replace(str(graph.identifier), "G") for text in state]


def _triples(body: bytes) -> list[jsonld.Triple] | None:
    """The passport's triples as the engine gets them, or None if its reading refuses it."""
    profile = pipeline.engine().profile
    try:
        expanded = read.expanded_jsonld(body, pipeline._vocabulary(profile), profile.context_url)
    except ResolverError:
        return None
    return jsonld.rdflib_triples(jsonld.oxigraph_quads(expanded))


def test_graph_of_fills_the_store_as_adding_one_by_one_does() -> None:
    bodies = [path.read_bytes() for path in [*EXAMPLES, *sorted(INVALID.glob("*.jsonld"))]]
    read_ones = [triples for triples in map(_triples, bodies) if triples is not None]
    assert len(read_ones) > len(EXAMPLES)  # some invalid examples are read, then judged
    first = read_ones[0]
    for triples in [*read_ones, [], first + first[:5], first[:1]]:
        assert _state(jsonld.graph_of(triples)) == _state(_one_by_one(triples))
        assert _state(jsonld.graph_of(iter(triples))) == _state(_one_by_one(triples))
