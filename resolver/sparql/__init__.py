"""SPARQL over the node's passports: a tier-aware pyoxigraph index fed from the store's change
feed, and ``/sparql`` per the SPARQL 1.1 Protocol (see docs/sparql.md)."""

from __future__ import annotations

from resolver.sparql.engine import QueryLimits
from resolver.sparql.federated import SparqlPeer, peers_from_federation
from resolver.sparql.index import GraphIndex
from resolver.sparql.names import default_index_dir, history_graph_name, view_graph_name
from resolver.sparql.routes import Federation, SparqlRoute
from resolver.sparql.service import SparqlEndpoint, serve_sparql, sparql_endpoint

__all__ = [
    "Federation",
    "GraphIndex",
    "QueryLimits",
    "SparqlEndpoint",
    "SparqlPeer",
    "SparqlRoute",
    "default_index_dir",
    "history_graph_name",
    "peers_from_federation",
    "serve_sparql",
    "sparql_endpoint",
    "view_graph_name",
]
