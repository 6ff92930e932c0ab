"""A signed peer answer's graph, read once: the tier bound and the proof's N-Quads agree with
the reference readings (views.within_tier, pyoxigraph's canonical N-Quads)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from resolver.federation.answer_graph import AnswerGraph
from resolver.federation.answers import _unsigned
from resolver.integrity import proofs
from resolver.integrity.errors import BadSignature
from resolver.integrity.peer import pinned_resolver, verify_peer_answer
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


def test_a_view_read_in_one_walk_gives_the_expanded_readings_graph() -> None:
    profile = Profile.load()
    for tier, view in _views().items():
        graph = AnswerGraph.of(view, view)
        assert graph is not None and graph._root is not None  # the compact reading took it
        expanded = AnswerGraph(cast(JSONObject, view), None, None)  # no plain triples: pyoxigraph's
        for asked in Tier:
            assert graph.fits(asked, profile) == (asked >= tier)
        assert graph.nquads() == expanded.nquads() == proofs.unsecured_nquads(cast(JSONObject, view))


def test_a_second_passport_node_or_a_blank_top_node_does_not_fit_plainly() -> None:
    view = _views()[Tier.PUBLIC]
    nested = {**view, "operator": {"id": "https://ex.example/other", "type": "BatteryPassport"}}
    blank = {key: value for key, value in view.items() if key not in ("id", "@id")}
    for doc in (nested, blank):
        graph = AnswerGraph.of(doc, doc)
        assert graph is not None and not graph.fits(Tier.AUTHORITY, Profile.load())


def _signed_view() -> dict[str, object]:
    key = Ed25519PrivateKey.generate()
    signed = proofs.secure(
        cast(JSONObject, _views()[Tier.PUBLIC]),
        key=key,
        verification_method="https://eu.example/keys/k1",
        created="2026-11-30T12:00:00Z",
    )
    _KEYS["https://eu.example/keys/k1"] = proofs.VerificationKey(key.public_key())
    return cast(dict[str, object], signed)


_KEYS: dict[str, proofs.VerificationKey] = {}


def _checked(doc: dict[str, object]) -> None:
    graph = AnswerGraph.of(doc, _unsigned(doc))
    assert graph is not None and graph._root is not None
    verify_peer_answer(doc, owner=pinned_resolver(_KEYS), owner_id="eu", document_nquads=graph.nquads())


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d.update(productName="Evil"),
        lambda d: d.update(expectedLifetimeCycles=9999),
        lambda d: d.pop("productName"),
        lambda d: d["operator"].update(organizationName="Evil"),  # in a blank node
        lambda d: d.update(operator={**d["operator"], "address": {"addressCountry": "XX"}}),
        lambda d: d["proof"].update(created="2026-11-30T12:00:01Z"),
    ],
)
def test_a_relay_that_alters_a_triple_or_the_proof_is_refused_on_the_one_walk_path(
    tamper: Callable[[dict[str, Any]], object],
) -> None:
    honest = _signed_view()
    _checked(honest)
    altered = orjson.loads(orjson.dumps(honest))
    assert "operator" in altered and "productName" in altered
    tamper(altered)
    with pytest.raises(BadSignature):
        _checked(altered)
