"""The eu-battery vocabulary, context and shapes agree with each other and with the Commission's
guidance: all 71 data points, one tier and lifecycle per property, tier shapes, generated docs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pyshacl
import pytest
import rdflib
from rdflib.namespace import OWL, RDF, SKOS

from resolver import jsonld
from resolver.profile import Profile
from resolver.tiers import Tier
from resolver.validation import prepare_sync
from tools.profile_docs import read_rows, render

ROOT = Path(__file__).resolve().parents[2]
BP = rdflib.Namespace("https://w3id.org/battery-passport/eu-battery#")
TERM = BP["term"]
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
TIERS = {BP.PublicTier, BP.LegitimateInterestTier, BP.AuthorityTier}
EV = ROOT / "examples" / "valid" / "ev-nmc811.jsonld"


@pytest.fixture(scope="module")
def vocab() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "vocab" / "eu-battery" / "vocab.ttl", format="turtle")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in (ROOT / "shapes" / "eu-battery").glob("*.ttl"):
        if not path.name.startswith("tier-"):
            graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def context() -> dict[str, Any]:
    path = ROOT / "vocab" / "eu-battery" / "context.jsonld"
    ctx: dict[str, Any] = json.loads(path.read_text())["@context"]
    return ctx


def _properties(vocab: rdflib.Graph) -> set[rdflib.term.Node]:
    return {
        s
        for cls in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in vocab.subjects(RDF.type, cls)
        if vocab.value(s, TERM) is not None
    }


def test_all_71_data_points_have_a_property_a_description_and_a_shape(
    vocab: rdflib.Graph, shapes: rdflib.Graph
) -> None:
    # The data points themselves (number, name, tier, applicability) are carried over from the
    # Commission's guidance into vocab.ttl by vocab/eu-battery/build.py.
    numbers = set(range(1, 72))
    implemented = {int(str(n)) for n in vocab.objects(None, BP.dataPoint)}
    described = {int(str(n)) for n in vocab.objects(None, BP.number)}
    checked = {int(str(n)) for n in shapes.objects(None, BP.dataPoint)}
    # 25 and 66 share their term with 11 and 55 (the same value): its shapes name 11 and 55.
    assert implemented == described == checked | {25, 66} == numbers


def test_every_property_has_exactly_one_tier_and_one_lifecycle(vocab: rdflib.Graph) -> None:
    for prop in _properties(vocab):
        tiers = set(vocab.objects(prop, BP.accessTier))
        lifecycles = set(vocab.objects(prop, BP.lifecycle))
        assert len(tiers) == 1 and tiers <= TIERS, prop
        assert len(lifecycles) == 1 and lifecycles <= {BP.Static, BP.Dynamic}, prop


def test_property_tiers_follow_the_guidance_for_their_data_points(vocab: rdflib.Graph) -> None:
    tier_of = {
        int(str(vocab.value(p, BP.number))): vocab.value(p, BP.accessTier)
        for p in vocab.subjects(RDF.type, BP.DataPoint)
    }
    for prop in _properties(vocab):
        if vocab.value(prop, BP.structural) is not None:
            continue
        points = [int(str(n)) for n in vocab.objects(prop, BP.dataPoint)]
        assert points, prop
        assert {tier_of[n] for n in points} == {vocab.value(prop, BP.accessTier)}, prop


def test_every_data_point_has_applicability_for_each_category(vocab: rdflib.Graph) -> None:
    for point in vocab.subjects(RDF.type, BP.DataPoint):
        categories = [vocab.value(a, BP.category) for a in vocab.objects(point, BP.applicability)]
        assert len(categories) == len(set(categories)) == 4, point


def test_every_context_term_maps_to_a_declared_property_class_or_concept(
    vocab: rdflib.Graph, context: dict[str, Any]
) -> None:
    declared = {str(s) for s in vocab.subjects(TERM, None)}
    prefixes = {k for k, v in context.items() if isinstance(v, str) and v.endswith(("#", "/"))}
    for term, definition in context.items():
        if term.startswith("@") or term in prefixes or definition in ("@id", "@type"):
            continue
        iri = definition["@id"]
        prefix, _, local = iri.partition(":")
        assert prefix in prefixes, term
        assert context[prefix] + local in declared, term
        assert str(vocab.value(rdflib.URIRef(context[prefix] + local), TERM)) == term


def test_the_context_is_self_contained_and_protected(context: dict[str, Any]) -> None:
    assert context["@version"] == 1.1 and context["@protected"] is True
    assert context["id"] == "@id" and context["type"] == "@type"
    assert "@import" not in context and "@vocab" not in context
    text = json.dumps(context)
    assert "@context" not in text


def test_minted_terms_are_ours_and_reused_ones_are_not(vocab: rdflib.Graph) -> None:
    for subject in vocab.subjects(TERM, None):
        minted = vocab.value(subject, BP.minted) is not None
        assert str(subject).startswith(str(BP)) == minted, subject


def test_our_narrower_chemistries_point_to_the_cirpass_concepts(vocab: rdflib.Graph) -> None:
    broader = {str(vocab.value(c, SKOS.broader)) for c in (BP.NMC811, BP.NMC622)}
    assert broader == {"https://w3id.org/eudpp/battery-chemistries#LiIonNMC"}


def test_tier_shapes_list_exactly_the_battery_properties_of_their_tier(vocab: rdflib.Graph) -> None:
    top = {p for p in _properties(vocab) if vocab.value(p, BP.usedOn) == BP.BatteryPassport}
    allowed = {
        "tier-public.ttl": {p for p in top if vocab.value(p, BP.accessTier) == BP.PublicTier},
        "tier-legitimate-interest.ttl": {p for p in top if vocab.value(p, BP.accessTier) != BP.AuthorityTier},
    }
    for name, expected in allowed.items():
        graph = rdflib.Graph().parse(ROOT / "shapes" / "eu-battery" / name, format="turtle")
        shape = next(graph.subjects(SH.closed, rdflib.Literal(True)))
        paths = {graph.value(p, SH.path) for p in graph.objects(shape, SH.property)}
        assert paths == expected, name


@pytest.mark.parametrize("tier", [Tier.PUBLIC, Tier.LEGITIMATE_INTEREST])
def test_a_tier_view_passes_its_tier_shape_and_the_full_passport_does_not(tier: Tier) -> None:
    profile = Profile.load()
    prepared = prepare_sync(EV.read_bytes())
    for body, expected in ((prepared.views[tier], True), (prepared.document, False)):
        graph = jsonld.to_graph(jsonld.expand(orjson.loads(body)))
        conforms, report, _ = pyshacl.validate(graph, shacl_graph=profile.tier_shapes[tier], inference="none")
        assert conforms is expected, tier
    # What the public shape rejects in the full passport is exactly what lies above the public tier.
    graph = jsonld.to_graph(jsonld.expand(orjson.loads(prepared.document)))
    _, report, _ = pyshacl.validate(graph, shacl_graph=profile.tier_shapes[Tier.PUBLIC], inference="none")
    rejected = {str(report.value(r, SH.resultPath)) for r in report.objects(None, SH.result)}
    above = {p for p in rejected if (level := profile.tier_of(p)) is not None and level > Tier.PUBLIC}
    assert rejected == above
    assert "https://schema.org/status" in rejected  # data point 67: legitimate interest


def test_the_data_points_page_is_up_to_date() -> None:
    page = (ROOT / "docs" / "data-points.md").read_text(encoding="utf-8")
    assert page == render(read_rows(ROOT))
    assert page.count("\n| ") == 71 + 1  # the header row and one row per data point


def test_the_docs_command_prints_the_page() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tools.profile_docs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout == (ROOT / "docs" / "data-points.md").read_text(encoding="utf-8")


REFERENCE = ROOT.parent / "shared" / "reference" / "eu-guidance" / "ec-guidance-datapoints.json"


@pytest.mark.skipif(not REFERENCE.exists(), reason="the build reads the guidance from ../shared/reference")
def test_the_committed_context_vocabulary_and_shapes_are_what_the_term_table_builds(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "vocab" / "eu-battery" / "generate.py"), str(tmp_path)],
        check=True,
        timeout=120,
        capture_output=True,
    )
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert [str(p) for p in built] == [
        "shapes/eu-battery/battery.ttl",
        "shapes/eu-battery/rules.ttl",
        "shapes/eu-battery/tier-legitimate-interest.ttl",
        "shapes/eu-battery/tier-public.ttl",
        "vocab/eu-battery/context.jsonld",
        "vocab/eu-battery/vocab.ttl",
    ]
    for rel in built:
        assert (tmp_path / rel).read_text(encoding="utf-8") == (ROOT / rel).read_text(encoding="utf-8"), rel
