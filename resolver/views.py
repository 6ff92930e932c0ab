"""Tier views of a passport, computed on its graph (resolver/passport/graph.py) and framed as
compact JSON-LD in our context (resolver/passport/frame.py).

A triple is in tier T's view when its predicate's tier is <= T and its subject is reachable
from the passport through triples of that view; a structural predicate takes the tier at which
its subject is reached; a predicate the vocabulary does not know fails closed (highest tier).
How a document nests or hoists its nodes changes nothing.

The write path makes the stored views in its workers (resolver/validation/pipeline.py); this
module gives the same views for any JSON-LD document (tools, tests) and checks that a peer's
answer holds nothing above the tier it was labelled with.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph

from resolver import jsonld
from resolver.jsontypes import JSONObject
from resolver.passport import canonical, frame, graph, strict
from resolver.profile import Profile
from resolver.tiers import Tier

__all__ = ["NotCompact", "filter_compact", "view", "view_bytes", "within_tier"]


class NotCompact(ValueError):
    """The document cannot be read as one passport graph (kept name: peers' answers)."""


def _triples(document: object) -> list[pyoxigraph.Quad]:
    expanded = document if isinstance(document, list) else jsonld.expand(document)
    # As the write path reads them: numbers in one form, blank nodes labelled by RDFC-1.0.
    return canonical.canonicalize(strict.normalise_literals(jsonld.oxigraph_quads(expanded)))[0]


def _framed(triples: list[pyoxigraph.Quad], tier: Tier, profile: Profile) -> JSONObject:
    terms = jsonld.context_terms()
    if terms is None:
        raise NotCompact("the profile's context is beyond the framer")
    root = graph.find_root(triples, None)
    views = graph.tier_views(triples, root, profile.tier_of)
    return frame.frame_views(views, root, terms, jsonld.CONTEXT_URL, profile.tier_of)[tier]


def view(document: object, tier: Tier, profile: Profile | None = None) -> JSONObject:
    """The framed view for ``tier`` of a JSON-LD passport (any form; expanded lists too)."""
    return _framed(_triples(document), tier, profile or Profile.load())


def view_bytes(document: object, tier: Tier, profile: Profile | None = None) -> bytes:
    """:func:`view` as the bytes the node stores and serves."""
    import orjson

    return orjson.dumps(view(document, tier, profile))


def filter_compact(document: object, tier: Tier, profile: Profile) -> JSONObject:
    """:func:`view` of a compact document; NotCompact if it is not one readable passport."""
    try:
        return view(document, tier, profile)
    except NotCompact:
        raise
    except Exception as err:  # ResolverError for unusable JSON-LD, several roots ...
        raise NotCompact(str(err)) from err


def within_tier(
    document: object, tier: Tier, profile: Profile, *, quads: Sequence[pyoxigraph.Quad] | None = None
) -> bool:
    """Whether every triple of the passport ``document`` is in ``tier``'s view (nothing above
    it, nothing unreachable from the passport). NotCompact if it is not one readable passport.

    ``quads``: the document's default-graph quads when the caller has read them already
    (``jsonld.oxigraph_quads`` of its expansion): the rule needs neither canonical blank node
    labels nor one form per number, and a triple read twice counts once."""
    try:
        triples = _triples(document) if quads is None else quads
        root = graph.find_root(triples, None)
        return graph.within(triples, root, profile.tier_of, tier)
    except Exception as err:  # ResolverError: unusable JSON-LD, no or several roots, loose nodes
        raise NotCompact(str(err)) from err
