"""SPARQL over the node's passports: a tier-aware pyoxigraph index fed from the store's change
feed (``runtime``, opened by the composition root), and ``/sparql`` per the SPARQL 1.1
Protocol (``routes``); see docs/sparql.md."""
