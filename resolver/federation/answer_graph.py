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
from resolver.integrity.compact_rdf import compact_triples
from resolver.integrity.plain_rdf import Triple, plain_triples
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

    def __init__(
        self, document: JSONObject, expanded: list[JSONObject] | None, triples: list[Triple] | None
    ) -> None:
        """``triples``: the document's plain triples (None: unsure); ``expanded``: the document
        expanded, when it was (else expanded when pyoxigraph's reading is needed)."""
        self._document = document
        self._expanded = expanded
        # Beyond jsonld's bound, pyoxigraph's reading refuses the answer (with the bound named).
        self._triples = triples if triples is not None and len(triples) <= jsonld.MAX_TRIPLES else None
        self._quads: list[pyoxigraph.Quad] | None = None
        self._root: bytes | None = None  # the top node's subject, when every node is nested in it

    @classmethod
    def of(cls, doc: dict[str, object], unsigned: dict[str, object]) -> AnswerGraph | None:
        """The graph of ``unsigned`` when it is exactly what the proof's verifier reads (our
        context alone); None otherwise (the tier bound and the proof then read on their own).

        A passport plainly in our context is read from its compact form in one walk
        (resolver.integrity.compact_rdf); anything else is expanded first, as the verifier does."""
        document = cast(JSONObject, unsigned)
        read = unsecured_body(cast(JSONObject, doc))
        # Both are ``doc`` less its proof, sharing its values: compared by identity first.
        if read.keys() != unsigned.keys() or any(
            value is not unsigned[key] and value != unsigned[key] for key, value in read.items()
        ):
            return None
        compact = compact_triples(document)
        if compact is not None:
            graph = cls(document, None, compact.triples)
            graph._root = compact.root
            return graph
        try:
            expanded = jsonld.expand(unsigned)
        except ResolverError:
            return None
        return cls(document, expanded, plain_triples(expanded))

    def quads(self) -> list[pyoxigraph.Quad] | None:
        """pyoxigraph's reading (None: unreadable; the tier bound then says why)."""
        if self._quads is None:
            try:
                if self._expanded is None:
                    self._expanded = jsonld.expand(self._document)
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
        if self._root is not None:
            return self._tree_fits(triples, self._root, tier, profile)
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
        return _within(triples, tier, profile)

    @staticmethod
    def _tree_fits(triples: list[Triple], root: bytes, tier: Tier, profile: Profile) -> bool:
        """:meth:`fits` for one node tree: every subject is nested in ``root``, so reachable
        from it; ``root`` must be an IRI and the one node typed a passport."""
        if not root.startswith(b"<"):
            return False
        roots = {s for s, p, o in triples if o == _PASSPORT and p == _RDF_TYPE}
        return roots == {root} and _within(triples, tier, profile)

    def nquads(self) -> bytes | None:
        """The canonical N-Quads of the graph (None: unreadable; the proof then says why)."""
        if self._triples is not None:
            found = canonical_triples(self._triples)
            if found is not None:
                return found
        quads = self.quads()
        return None if quads is None else canonical_nquads(quads, default_graph=True)


# Per profile (by identity, kept alive here): predicate term -> its tier (None: structural).
_TIERS: dict[int, tuple[Profile, dict[bytes, Tier | None]]] = {}


def _within(triples: list[Triple], tier: Tier, profile: Profile) -> bool:
    """No predicate of ``triples`` above ``tier`` (graph.within's rule)."""
    known = _TIERS.get(id(profile))
    if known is None or known[0] is not profile:
        known = _TIERS[id(profile)] = (profile, {})
    tiers = known[1]
    for predicate in {p for _, p, _ in triples}:
        if predicate in tiers:
            own = tiers[predicate]
        else:
            own = tiers[predicate] = profile.tier_of(predicate[1:-1].decode())
        if own is not None and own > tier:
            return False
    return True
