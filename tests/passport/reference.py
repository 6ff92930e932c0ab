"""The reference verdict for the differential test: pyshacl as shipped, in its own spawned
processes, on a graph pyld builds from the document (nothing of resolver/passport/ or the
node's engine is used).

The one change: rdflib's SPARQL processor keeps each parsed query (the parse costs ~100 ms per
query, per focus node, and would make 3,000 passports take half an hour). It is a memo of
rdflib's own parse; rdflib's engine still evaluates every query. It is installed only in these
reference processes.
"""

from __future__ import annotations

from typing import Any

__all__ = ["init_reference", "reference_conforms"]

_STATE: dict[str, Any] = {}


def init_reference() -> None:
    import rdflib
    from pyshacl import Validator
    from pyshacl.graph_abstraction import DataGraph

    from resolver.profile import Profile
    from resolver.validation.worker_patches import _cache_sparql_queries

    _cache_sparql_queries()
    shapes = Profile.load().shapes
    _STATE["validator"] = Validator(
        DataGraph.from_rdflib(rdflib.Graph()), shacl_graph=shapes, options={"inference": "none"}
    )


def reference_conforms(document: bytes) -> bool:
    """pyshacl's verdict on the graph pyld reads from ``document`` (compact JSON-LD)."""
    import orjson
    import rdflib
    from pyld import jsonld as pyld
    from pyshacl.graph_abstraction import DataGraph

    from resolver.jsonld import document_loader

    nquads = pyld.to_rdf(
        orjson.loads(document), {"documentLoader": document_loader, "format": "application/n-quads"}
    )
    graph = rdflib.Graph().parse(data=nquads, format="nt")
    validator = _STATE["validator"]
    validator.data_graph = DataGraph.from_rdflib(graph)
    validator._target_graph = None
    conforms, _, _ = validator.run()
    return bool(conforms)
