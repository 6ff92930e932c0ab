"""SPARQL over the node's passports: a tier-aware pyoxigraph index fed from the store's change
feed (``runtime``, opened by the composition root); ``/sparql`` per the SPARQL 1.1 Protocol is
the HTTP edge's (``resolver.http.sparql``); see docs/sparql.md."""
