"""The framer: pyld reads its output back to the same graph (pyld is the reference), the same
graph always frames to the same bytes, keys follow the context, lists and shared blank nodes
survive, and numbers are JSON numbers exactly when JSON-LD reads them back unchanged."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import orjson
import pyoxigraph
import pytest

from resolver import jsonld
from resolver.jsontypes import JSONObject
from resolver.passport import canonical, frame, graph
from resolver.validation import PreparedPassport, prepare_sync
from tests.passport.forms import EXAMPLES, graph_of_jsonld, nquads

IRI = "https://hdl.handle.net/88.100.1/F-1"
_P = "https://ref.gs1.org/voc/"


@functools.cache
def _prepared(body: bytes) -> PreparedPassport:
    """``prepare_sync(body)``, once per distinct body in this module: the same example is prepared
    for several tests, the result is a function of the bytes, and the tests only read it."""
    return prepare_sync(body)


def _frame(turtle: str) -> tuple[JSONObject, list[pyoxigraph.Triple]]:
    triples = [q.triple for q in pyoxigraph.parse(turtle.encode(), format=pyoxigraph.RdfFormat.TURTLE)]
    labelled, _ = canonical.canonicalize(triples)
    root = pyoxigraph.NamedNode(IRI)
    terms = jsonld.context_terms()
    assert terms is not None
    return frame.frame(labelled, root, terms, jsonld.CONTEXT_URL), triples


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_pyld_reads_the_framed_document_back_to_the_same_graph(path: Path) -> None:
    prepared = _prepared(path.read_bytes())
    assert nquads(graph_of_jsonld(orjson.loads(prepared.document))) == nquads(
        graph_of_jsonld(orjson.loads(path.read_bytes()))
    )
    # The digest is the SHA-256 of the canonical N-Quads of that graph.
    assert (
        prepared.digest
        == hashlib.sha256(nquads(graph_of_jsonld(orjson.loads(path.read_bytes()))).encode()).hexdigest()
    )


def test_keys_follow_the_context_order() -> None:
    document = orjson.loads(_prepared(EXAMPLES[0].read_bytes()).document)
    order = jsonld.context_terms().order  # type: ignore[union-attr]
    keys = [k for k in document if k not in ("@context", "id", "type")]
    assert list(document)[:3] == ["@context", "id", "type"]
    assert keys == sorted(keys, key=lambda k: order.get(k, len(order)))


def test_lists_shared_blank_nodes_and_typed_values_survive() -> None:
    turtle = f"""
        @prefix gs1: <{_P}> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        <{IRI}> a <https://w3id.org/battery-passport/eu-battery#BatteryPassport> ;
            gs1:x ( "b" "a" [ gs1:name "inner" ] ) ;
            gs1:y _:shared ; gs1:z _:shared ;
            gs1:n 4 , "4.0E0"^^xsd:double , "4.5E0"^^xsd:double , "007"^^xsd:integer , true , "x"@de ,
                "2026-01-01"^^xsd:date .
        _:shared gs1:name "shared" .
    """
    framed, triples = _frame(turtle)
    assert framed[_P + "x"] == {"@list": ["b", "a", {_P + "name": "inner"}]}
    values = framed[_P + "n"]
    assert isinstance(values, list)
    assert 4 in values and 4.5 in values and True in values  # read back as the same literals
    assert {"@value": "4.0E0", "@type": "xsd:double"} in values  # 4.0 would read back as an integer
    assert {"@value": "007", "@type": "xsd:integer"} in values  # 7 would lose the leading zeros
    assert framed["id"] == IRI
    shared = [framed[_P + "y"], framed[_P + "z"]]
    embedded = [v for v in shared if isinstance(v, dict) and _P + "name" in v]
    assert len(embedded) == 1 and "id" in embedded[0]  # embedded once, with its id
    assert [v for v in shared if v is not embedded[0]] == [{"id": embedded[0]["id"]}]  # then referenced
    assert nquads(graph_of_jsonld(framed)) == nquads(triples)


def test_the_same_graph_frames_to_the_same_bytes_whatever_the_blank_node_labels() -> None:
    one = f'<{IRI}> <{_P}a> [ <{_P}b> "1" ] , [ <{_P}b> "2" ] .'
    two = f'<{IRI}> <{_P}a> _:z9 , _:a1 . _:a1 <{_P}b> "2" . _:z9 <{_P}b> "1" .'
    assert orjson.dumps(_frame(one)[0]) == orjson.dumps(_frame(two)[0])


def test_tier_views_follow_reachability_not_nesting() -> None:
    interest = "https://ref.openepcis.io/extensions/eu/battery/hasStateOfCertifiedEnergy"
    turtle = f"""
        <{IRI}> a <https://w3id.org/battery-passport/eu-battery#BatteryPassport> ;
            <{interest}> _:soce .
        _:soce <{_P}value> 99.1 .
    """
    triples = [q.triple for q in pyoxigraph.parse(turtle.encode(), format=pyoxigraph.RdfFormat.TURTLE)]
    from resolver.profile import Profile
    from resolver.tiers import Tier

    views = graph.tier_views(triples, pyoxigraph.NamedNode(IRI), Profile.load().tier_of)
    assert (
        len(views[Tier.PUBLIC]) == 1
    )  # the type only: the value node is reached through a restricted property
    assert len(views[Tier.LEGITIMATE_INTEREST]) == 3


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_views_cut_from_the_full_frame_are_the_views_framed_on_their_own(path: Path) -> None:
    from resolver.passport import read
    from resolver.profile import Profile
    from resolver.validation.pipeline import _vocabulary

    profile = Profile.load()
    terms = jsonld.context_terms()
    assert terms is not None
    quads = read.read_triples(path.read_bytes(), "application/ld+json", _vocabulary(profile))
    root = graph.find_root(quads, None)
    labelled, _ = canonical.canonicalize(quads)
    views = graph.tier_views(labelled, root, profile.tier_of)
    cut = frame.frame_views(views, root, terms, jsonld.CONTEXT_URL, profile.tier_of)
    for tier, triples in views.items():
        assert orjson.dumps(cut[tier]) == orjson.dumps(frame.frame(triples, root, terms, jsonld.CONTEXT_URL))


def _generated() -> list[bytes]:
    from tools.examples import generate

    return [orjson.dumps(doc) for doc in generate(40, seed=11)]


@pytest.mark.parametrize("body", [p.read_bytes() for p in EXAMPLES] + _generated())
def test_what_each_view_signs_is_the_graph_read_back_from_the_framed_view(body: bytes) -> None:
    # The write path signs frame.served_statements of each view's triples instead of reading
    # the framed view back: both must give the same canonical N-Quads, or served proofs fail.
    from resolver.integrity.canon import canonical_nquads, document_quads

    prepared = _prepared(body)
    assert prepared.report.conforms and len(prepared.nquads) == 3
    for tier, view in prepared.views.items():
        assert prepared.nquads[tier] == canonical_nquads(document_quads(orjson.loads(view)))


def test_served_doubles_take_the_lexical_form_a_json_ld_reader_gives_the_number() -> None:
    double = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#double")
    s, p = pyoxigraph.NamedNode(IRI), pyoxigraph.NamedNode(_P + "x")
    cases = {
        "8.500000000000001E-2": "8.5E-2",  # ours is the 15-digit form; JSON-LD writes the shortest
        "2.28E2": "2.28E2",
        "1.5e0": "1.5e0",  # not canonical: framed as a value object, kept as written
        "INF": "INF",
    }
    for text, served in cases.items():
        (quad,) = frame.served_statements([pyoxigraph.Quad(s, p, pyoxigraph.Literal(text, datatype=double))])
        assert quad.object == pyoxigraph.Literal(served, datatype=double)
