"""A signed peer answer's graph, read once: the tier bound and the proof's N-Quads agree with
the reference readings (views.within_tier, pyoxigraph's canonical N-Quads)."""

from __future__ import annotations

from typing import cast

import orjson

from resolver.federation.answer_graph import AnswerGraph
from resolver.integrity import proofs
from resolver.jsontypes import JSONObject
from resolver.profile import Profile
from resolver.tiers import Tier
from resolver.validation import prepare_sync
from resolver.views import within_tier
from tests.support.federation import passport_for


def _views() -> dict[Tier, dict[str, object]]:
    return {
        tier: orjson.loads(body) for tier, body in prepare_sync(passport_for("88.100.1/BAT-1")).views.items()
    }


def test_each_view_fits_its_tier_and_not_a_lower_one() -> None:
    profile = Profile.load()
    for tier, view in _views().items():
        graph = AnswerGraph.of(view, view)
        assert graph is not None
        for asked in Tier:
            assert graph.fits(asked, profile) == (asked >= tier) == within_tier(view, asked, profile)


def test_a_node_not_linked_from_the_passport_does_not_fit() -> None:
    view = _views()[Tier.PUBLIC]
    loose = {
        "@context": view["@context"],
        "@graph": [view, {"id": "https://ex.example/loose", "productName": "x"}],
    }
    graph = AnswerGraph.of(loose, loose)
    assert graph is None or not graph.fits(Tier.AUTHORITY, Profile.load())


def test_the_proofs_n_quads_are_the_verifiers() -> None:
    for view in _views().values():
        graph = AnswerGraph.of(view, view)
        assert graph is not None
        assert graph.nquads() == proofs.unsecured_nquads(cast(JSONObject, view))
