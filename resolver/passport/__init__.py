"""A passport as an RDF graph: reading any RDF form strictly, the canonical form, tier views.

- :mod:`~resolver.passport.read`: bytes (JSON-LD in any form, Turtle, N-Triples, N-Quads) to
  the passport's triples, refusing whatever would not survive into the graph;
- :mod:`~resolver.passport.graph`: the passport's root, reachability and the triples of each
  access tier's view;
- :mod:`~resolver.passport.canonical`: RDFC-1.0 canonical blank node labels and digest;
- :mod:`~resolver.passport.frame`: compact JSON-LD in our context, framed from the triples.

Validation itself (SHACL) is :mod:`resolver.validation`, which runs this package's steps in its
worker processes. The one write path (PUT, PATCH, Handle PUT, import, demo) is
:mod:`resolver.write`, above both.
"""
