"""Tier views hold nothing above their tier (proved with the per-tier shapes), fail closed on
unknown predicates, agree with pyld's compaction, and render to Turtle and N-Triples."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import orjson
import pyoxigraph
import pyshacl
import pytest
import rdflib
from pyld import jsonld as pyld
from rdflib.compare import isomorphic

from resolver import jsonld
from resolver.errors import NotAcceptable
from resolver.profile import Profile
from resolver.render import render
from resolver.tiers import Tier
from resolver.validation import PreparedPassport, prepare_sync
from resolver.views import filter_compact, view, within_tier

ROOT = Path(__file__).resolve().parents[2]
VALID = sorted((ROOT / "examples" / "valid").glob("*.jsonld"))
EV = ROOT / "examples" / "valid" / "ev-nmc811.jsonld"
EUBAT = "https://ref.openepcis.io/extensions/eu/battery/"
SECRET = "https://example.org/undeclared#secret"


@functools.cache
def _prepared(body: bytes) -> PreparedPassport:
    """``prepare_sync(body)``, once per distinct body in this module: the same example is prepared
    for several tests, the result is a function of the bytes, and the tests only read it."""
    return prepare_sync(body)


def _graph(body: bytes) -> rdflib.Graph:
    return jsonld.to_graph(jsonld.expand(orjson.loads(body)))


def _predicates(body: bytes) -> set[str]:
    return {str(p) for p in _graph(body).predicates()}


@pytest.fixture(scope="module")
def profile() -> Profile:
    return Profile.load()


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
@pytest.mark.parametrize("tier", [Tier.PUBLIC, Tier.LEGITIMATE_INTEREST])
def test_each_view_passes_its_tier_shapes(path: Path, tier: Tier, profile: Profile) -> None:
    shapes = profile.tier_shapes.get(tier)
    assert shapes is not None, f"no tier shapes for {tier.label}"
    prepared = _prepared(path.read_bytes())
    conforms, _, text = pyshacl.validate(_graph(prepared.views[tier]), shacl_graph=shapes)
    assert conforms, text


def test_the_tier_shapes_catch_a_view_above_its_tier(profile: Profile) -> None:
    # The authority view must fail the public tier shapes: the check above can fail.
    prepared = _prepared(EV.read_bytes())
    conforms, _, _ = pyshacl.validate(
        _graph(prepared.views[Tier.AUTHORITY]), shacl_graph=profile.tier_shapes[Tier.PUBLIC]
    )
    assert not conforms


def test_views_grow_with_the_tier() -> None:
    prepared = _prepared(EV.read_bytes())
    public, interest, authority = (_predicates(prepared.views[t]) for t in Tier)
    assert public < interest <= authority
    assert EUBAT + "hasRatedCapacity" in public
    assert all(Profile.load().tier_of(p) in (None, Tier.PUBLIC) for p in public if p != str(rdflib.RDF.type))


def test_an_undeclared_predicate_is_shown_only_to_the_highest_tier() -> None:
    doc = orjson.loads(EV.read_bytes())
    doc[SECRET] = "only for authorities"
    doc["manufacturer"][SECRET] = "nested, still hidden"
    prepared = _prepared(orjson.dumps(doc))
    assert prepared.report.conforms, prepared.report.to_json()
    assert SECRET not in _predicates(prepared.views[Tier.PUBLIC])
    assert SECRET not in _predicates(prepared.views[Tier.LEGITIMATE_INTEREST])
    assert SECRET in _predicates(prepared.views[Tier.AUTHORITY])


def test_structural_properties_take_their_parents_tier(profile: Profile) -> None:
    prepared = _prepared(EV.read_bytes())
    public = orjson.loads(prepared.views[Tier.PUBLIC])
    assert public["ratedCapacity"] == {"value": 228, "unit": "AMH"}  # value and unit are structural
    assert "stateOfCharge" not in public


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_views_of_any_form_are_the_stored_views(path: Path, profile: Profile) -> None:
    body = path.read_bytes()
    expanded = jsonld.expand(orjson.loads(body))
    compact = jsonld.compact(expanded)
    prepared = _prepared(body)
    for tier in Tier:
        assert orjson.dumps(filter_compact(compact, tier, profile)) == prepared.views[tier]
        assert orjson.dumps(view(expanded, tier, profile)) == prepared.views[tier]
        assert within_tier(orjson.loads(prepared.views[tier]), tier, profile)
    assert not within_tier(orjson.loads(prepared.views[Tier.AUTHORITY]), Tier.PUBLIC, profile)


def test_a_node_hoisted_out_of_a_restricted_property_stays_restricted(profile: Profile) -> None:
    # The leak of issue 8: a flattened document put every node at the top, seen as public.
    doc = orjson.loads(EV.read_bytes())
    flattened = pyld.flatten(doc, jsonld.CONTEXT_URL, {"documentLoader": jsonld.document_loader})
    public = view(flattened, Tier.PUBLIC, profile)
    assert public == orjson.loads(_prepared(EV.read_bytes()).views[Tier.PUBLIC])
    assert "stateOfCertifiedEnergy" not in orjson.dumps(public).decode()
    assert not within_tier(flattened, Tier.PUBLIC, profile)


def test_a_document_in_another_context_gets_views_in_ours() -> None:
    # The same passport written with full IRIs and an inline context: pyld compacts it.
    expanded = jsonld.expand(orjson.loads(EV.read_bytes()))
    prepared = _prepared(orjson.dumps(expanded))
    public = orjson.loads(prepared.views[Tier.PUBLIC])
    assert public["@context"] == jsonld.CONTEXT_URL
    assert isomorphic(
        _graph(prepared.views[Tier.PUBLIC]), _graph(_prepared(EV.read_bytes()).views[Tier.PUBLIC])
    )


@pytest.mark.parametrize(
    ("fmt", "rdf_format"),
    [("turtle", pyoxigraph.RdfFormat.TURTLE), ("ntriples", pyoxigraph.RdfFormat.N_TRIPLES)],
)
def test_render_gives_the_same_triples_as_the_view(fmt: str, rdf_format: Any) -> None:
    view_bytes = _prepared(EV.read_bytes()).views[Tier.LEGITIMATE_INTEREST]
    rendered = render(view_bytes, fmt)
    graph = rdflib.Graph().parse(data=rendered.decode(), format="turtle" if fmt == "turtle" else "nt")
    assert isomorphic(graph, _graph(view_bytes))
    if fmt == "turtle":
        assert rendered.startswith(b"@prefix")


def test_render_refuses_an_unknown_format() -> None:
    with pytest.raises(NotAcceptable):
        render(_prepared(EV.read_bytes()).views[Tier.PUBLIC], "rdfxml")
