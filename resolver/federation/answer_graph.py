"""The graph of a signed peer answer, read once for its tier bound and for its proof.

On every federated miss: the plain triples (resolver.integrity.plain_rdf) give the tier bound
and the canonical N-Quads (resolver.integrity.rdfc) without pyoxigraph; where that reading is
unsure or the answer does not plainly fit its tier, pyoxigraph's reading decides, as before.
"""

from __future__ import annotations

from typing import cast

import pyoxigraph

from resolver import jsonld
from resolver.errors import ResolverError
from resolver.integrity.canon import canonical_nquads
from resolver.integrity.plain_rdf import plain_triples
from resolver.integrity.proofs import unsecured_body
from resolver.integrity.rdfc import canonical_triples
from resolver.jsontypes import JSONObject
from resolver.passport.graph import PASSPORT_CLASS
from resolver.profile import Profile
from resolver.tiers import Tier

__all__ = ["AnswerGraph"]

_RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_PASSPORT = f"<{PASSPORT_CLASS.value}>".encode()


class AnswerGraph:
    """The default graph of an answer's unsecured document, in the forms its checks need."""

    def __init__(self, expanded: list[JSONObject]) -> None:
        self._expanded = expanded
        triples = plain_triples(expanded)
        # Beyond jsonld's bound, pyoxigraph's reading refuses the answer (with the bound named).
        self._triples = triples if triples is not None and len(triples) <= jsonld.MAX_TRIPLES else None
        self._quads: list[pyoxigraph.Quad] | None = None

    @classmethod
    def of(cls, doc: dict[str, object], unsigned: dict[str, object]) -> AnswerGraph | None:
        """The graph of ``unsigned`` when it is exactly what the proof's verifier reads (our
        context alone); None otherwise (the tier bound and the proof then read on their own)."""
        if unsecured_body(cast(JSONObject, doc)) != unsigned:
            return None
        try:
            return cls(jsonld.expand(unsigned))
        except ResolverError:
            return None

    def quads(self) -> list[pyoxigraph.Quad] | None:
        """pyoxigraph's reading (None: unreadable; the tier bound then says why)."""
        if self._quads is None:
            try:
                self._quads = jsonld.oxigraph_quads(self._expanded)
            except ResolverError:
                return None
        return self._quads

    def fits(self, tier: Tier, profile: Profile) -> bool:
        """True when the plain triples show the passport within ``tier`` (graph.within's rule:
        no predicate above it, every node reachable from the one node typed a passport);
        False when unsure, or not within (``views.within_tier`` then decides, with its reasons)."""
        triples = self._triples
        if triples is None:
            return False
        roots = {s for s, p, o in triples if p == _RDF_TYPE and o == _PASSPORT}
        if len(roots) != 1:
            return False
        root = roots.pop()
        if not root.startswith(b"<"):
            return False
        index: dict[bytes, list[bytes]] = {}
        for s, _, o in triples:
            index.setdefault(s, []).append(o)
        seen = {root}
        stack = [root]
        while stack:
            for obj in index.get(stack.pop(), ()):
                if obj not in seen and obj in index:
                    seen.add(obj)
                    stack.append(obj)
        if any(subject not in seen for subject in index):
            return False
        for predicate in {p for _, p, _ in triples}:
            own = profile.tier_of(predicate[1:-1].decode())
            if own is not None and own > tier:
                return False
        return True

    def nquads(self) -> bytes | None:
        """The canonical N-Quads of the graph (None: unreadable; the proof then says why)."""
        if self._triples is not None:
            found = canonical_triples(self._triples)
            if found is not None:
                return found
        quads = self.quads()
        return None if quads is None else canonical_nquads(quads, default_graph=True)
