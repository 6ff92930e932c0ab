"""The direct Turtle and N-Triples writer gives the same graph as pyoxigraph's JSON-LD path for
every example and generated passport at every tier, and for odd values; what it does not know
it leaves to pyoxigraph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pyoxigraph
import pytest
import rdflib

from resolver import jsonld
from resolver.render import _direct, _reference, render
from resolver.tiers import Tier
from resolver.validation import prepare_sync
from tools import examples

ROOT = Path(__file__).resolve().parents[2]
VALID = sorted((ROOT / "examples" / "valid").glob("*.jsonld"))
CONTEXT = jsonld.CONTEXT_URL
NT = pyoxigraph.RdfFormat.N_TRIPLES
TTL = pyoxigraph.RdfFormat.TURTLE
BATTERY = "https://hdl.handle.net/88.100.1/BAT-TEST-1"


def _canonical(data: bytes, rdf_format: pyoxigraph.RdfFormat) -> set[str]:
    """The graph's triples with blank nodes labelled by RDFC-1.0, as N-Quads lines."""
    dataset = pyoxigraph.Dataset(pyoxigraph.parse(data, rdf_format))
    dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(quad) for quad in dataset}


def _assert_same_graph_both_ways(view: bytes) -> None:
    """The direct N-Triples and Turtle (both written directly, not by the fallback) read back as
    exactly the graph pyoxigraph makes from the view: same IRIs, same literals (lexical form,
    datatype, language), same shape of blank nodes."""
    document = orjson.loads(view)
    expected = _canonical(_reference(document, NT), NT)
    ntriples = _direct(view, document, False)
    turtle = _direct(view, document, True)
    assert ntriples is not None and turtle is not None, "the direct writer fell back"
    assert _canonical(ntriples, NT) == expected
    assert _canonical(turtle, TTL) == expected
    assert render(view, "ntriples") == ntriples
    assert render(view, "turtle") == turtle


def _views(bodies: list[bytes]) -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    for index, body in enumerate(bodies):
        prepared = prepare_sync(body)
        assert prepared.report.conforms
        found.extend((f"{index}-{tier.label}", view) for tier, view in prepared.views.items())
    return found


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_every_tier_of_every_example_renders_directly_to_the_reference_graph(path: Path) -> None:
    prepared = prepare_sync(path.read_bytes())
    assert set(prepared.views) == set(Tier)
    for view in prepared.views.values():
        _assert_same_graph_both_ways(view)


@pytest.mark.parametrize("path", VALID[:4], ids=lambda p: p.stem)
def test_direct_renderings_are_isomorphic_to_pyld_to_rdf(path: Path) -> None:
    view = prepare_sync(path.read_bytes()).views[Tier.AUTHORITY]
    expected = jsonld.to_graph(jsonld.expand(orjson.loads(view)))
    expected_canonical = _rdflib_canonical(expected)
    for fmt, parser in (("ntriples", "nt"), ("turtle", "turtle")):
        graph = rdflib.Graph().parse(data=render(view, fmt).decode(), format=parser)
        assert len(graph) == len(expected)
        assert _rdflib_canonical(graph) == expected_canonical  # isomorphic


def _rdflib_canonical(graph: rdflib.Graph) -> set[str]:
    """An rdflib graph's triples, blank nodes labelled by RDFC-1.0: two graphs are isomorphic
    exactly when these are equal (rdflib.compare.isomorphic's answer, in a fraction of its CPU:
    it canonicalised pyld's graph again for each format, ~0.4 CPU-s a graph)."""
    return _canonical(graph.serialize(format="nt", encoding="utf-8"), NT)


def test_200_generated_passports_render_directly_to_the_reference_graph_at_every_tier() -> None:
    bodies = [orjson.dumps(passport) for passport in examples.generate(200, seed=3)]
    views = _views(bodies)
    assert len(views) == 600
    for _, view in views:
        _assert_same_graph_both_ways(view)


def _view(**properties: Any) -> bytes:
    return orjson.dumps({"@context": CONTEXT, "id": BATTERY, "type": "BatteryPassport", **properties})


ODD_STRINGS = [
    'a "quoted" name',
    "two\nlines\r\nand a tab\there",
    "back\\slash \\n not a newline \\u0041",
    "bell \u0007 escape \u001b delete \u007f nul \u0000",
    "unicode: Skellefteå, Wisła, 東京, עברית, emoji 🔋⚡, astral \U0001d518",
    "",
    "   ",
    "ends with a backslash \\",
    "looks like an IRI: https://example.org/x",
    "@context",
    "_:b1",
]


@pytest.mark.parametrize("text", ODD_STRINGS)
def test_strings_with_quotes_newlines_backslashes_and_unicode_round_trip(text: str) -> None:
    view = _view(productName=text, criticalRawMaterials=[text, "Lithium"], manufacturingDate=text)
    _assert_same_graph_both_ways(view)
    triples = pyoxigraph.parse(render(view, "turtle"), TTL)
    names = [t.object.value for t in triples if t.predicate.value == "https://ref.gs1.org/voc/productName"]
    assert names == [text]


NUMBERS: list[Any] = [
    0,
    1,
    -1,
    42,
    2**53 - 1,
    -(2**53 - 1),
    0.0,
    -0.0,
    1.0,
    64.0,
    2.0**53 - 1,
    1e21,
    1.5e21,
    1e300,
    -1e300,
    0.5,
    1.2,
    486.5,
    0.085,
    0.1 + 0.2,
    1 / 3,
    2.5e-7,
    1e-7,
    5e-324,
    1.7976931348623157e308,
    123456789.123,
    -0.001,
    True,
    False,
]


@pytest.mark.parametrize("number", NUMBERS, ids=repr)
def test_numbers_and_booleans_take_json_ld_datatypes_and_canonical_forms(number: Any) -> None:
    view = _view(
        expectedLifetimeCycles=number,  # xsd:integer
        renewableContentShare=number,  # xsd:double
        leadSymbol=number,  # xsd:boolean
        manufacturingDate=number,  # xsd:date: a number keeps its lexical form under another type
        url=number,  # @id: only strings become IRIs
        category=number,  # @vocab: likewise
        productName=number,  # no coercion: xsd:integer, xsd:double or xsd:boolean
        weight={"value": number, "unit": "KGM"},
    )
    _assert_same_graph_both_ways(view)


def test_the_canonical_double_form_is_the_shortest_that_reads_back() -> None:
    lines = render(_view(renewableContentShare=[2.5, 0.0, 64.0, 0.085, 0.1 + 0.2, 1e21]), "ntriples").decode()
    for lexical in ("2.5E0", "0.0E0", "6.4E1", "8.5E-2", "3.0000000000000004E-1", "1.0E21"):
        assert f'"{lexical}"^^<http://www.w3.org/2001/XMLSchema#double>' in lines


VALUE_SHAPES: list[tuple[str, dict[str, Any]]] = [
    ("language-tagged", {"description": {"@value": 'Akku mit "Zellen"', "@language": "de"}}),
    ("language, mixed case", {"description": [{"@value": "colour", "@language": "en-GB"}, "plain"]}),
    ("typed value object", {"description": {"@value": "12.50", "@type": "xsd:decimal"}}),
    ("typed by alias", {"description": {"@value": "2026-01-01", "type": "xsd:date"}}),
    ("number in a typed value object", {"description": {"@value": 12.5, "@type": "xsd:decimal"}}),
    ("integer in a double value object", {"description": {"@value": 3, "@type": "xsd:double"}}),
    ("boolean value object", {"description": {"@value": True}}),
    ("null value object", {"description": {"@value": None}}),
    ("null", {"productName": None, "description": [None, "kept"]}),
    ("empty array", {"extinguishingAgent": []}),
    ("@set", {"extinguishingAgent": {"@set": ["Water", "Sand"]}}),
    ("@list", {"criticalRawMaterials": {"@list": ["Lithium", "Cobalt", "Lithium"]}}),
    ("empty @list", {"criticalRawMaterials": {"@list": []}}),
    ("@list of nodes", {"hazardousSubstances": {"@list": [{"name": "a"}, {"concentration": 7}]}}),
    ("compact IRI key", {"schema:alternateName": "VX", "bp:note": ["one", "two"]}),
    ("absolute IRI key", {"https://example.org/undeclared#secret": "s3cret"}),
    ("unknown-prefix IRI key", {"urn:example:secret": "s3cret"}),
    ("@id value as compact IRI", {"url": "schema:Thing", "predecessor": ["bp:X", "https://ex.org/x"]}),
    ("@vocab values", {"chemistry": ["NMC811", "bp:Other", "https://ex.org/chem#X", "batchem:LiIonLFP"]}),
    ("a term used as a property IRI", {"bp": "the namespace itself"}),
    ("types", {"type": ["BatteryPassport", "bp:Extra", "https://schema.org/Product"]}),
    ("nested named node", {"operator": {"id": "https://example.org/op/1", "type": "Operator", "name": "Op"}}),
    (
        "named node used twice",
        {
            "manufacturer": {"id": "https://example.org/m", "organizationName": "M"},
            "operator": {"id": "https://example.org/m", "email": "m@example.org"},
        },
    ),
    ("reference only", {"operator": {"id": "https://example.org/op/2"}}),
    ("empty nested object", {"manufacturingPlace": {}}),
    (
        "labelled blank nodes",
        {
            "manufacturer": {"id": "_:m", "organizationName": "M"},
            "operator": [{"id": "_:m", "email": "m@example.org"}, {"id": "_:other"}],
            "predecessor": "_:m",
        },
    ),
    (
        "deep nesting",
        {"carbonFootprint": {"total": {"value": 1.5, "unit": {"@value": "kg", "@language": "en"}}}},
    ),
    ("IRI with a query and fragment", {"url": "https://example.org/a?b=c&d=%20#frag"}),
    ("prefixed local names Turtle cannot write", {"chemistry": ["bp:a.b.", "bp:x/y", "bp:", "bp:é"]}),
    ("@index ignored", {"operator": {"@index": "i", "name": "x"}}),
]


@pytest.mark.parametrize(("shape", "properties"), VALUE_SHAPES, ids=[s for s, _ in VALUE_SHAPES])
def test_value_shapes_render_directly_to_the_reference_graph(shape: str, properties: dict[str, Any]) -> None:
    _assert_same_graph_both_ways(_view(**properties))


def test_top_level_graph_renders_every_node() -> None:
    view = orjson.dumps(
        {
            "@context": CONTEXT,
            "@graph": [{"id": BATTERY, "productName": "a"}, {"id": BATTERY + "-2", "productName": "b"}],
        }
    )
    _assert_same_graph_both_ways(view)


FALLBACKS: list[tuple[str, Any]] = [
    ("another context", {"@context": [CONTEXT, {"x": "https://example.org/x"}], "id": BATTERY, "x": 1}),
    ("a nested context", {"@context": CONTEXT, "id": BATTERY, "operator": {"@context": {}, "name": "a"}}),
    ("a relative id", {"@context": CONTEXT, "id": "BAT-1", "productName": "a"}),
    ("a relative @id value", {"@context": CONTEXT, "id": BATTERY, "url": "docs/manual.pdf"}),
    ("a term not in our context", {"@context": CONTEXT, "id": BATTERY, "notATerm": "dropped by JSON-LD"}),
    ("an IRI with a space", {"@context": CONTEXT, "id": BATTERY, "url": "https://example.org/a b"}),
    ("a bad port", {"@context": CONTEXT, "id": BATTERY, "url": "https://example.org:port/"}),
    # Between 2**53 and 1e21 pyoxigraph (a double beyond i64) and pyld (every digit) differ.
    ("a huge integer", {"@context": CONTEXT, "id": BATTERY, "cycleCount": 2**60}),
    ("a huge integral float", {"@context": CONTEXT, "id": BATTERY, "renewableContentShare": 1e20}),
    ("@json", {"@context": CONTEXT, "id": BATTERY, "description": {"@value": {"a": 1}, "@type": "@json"}}),
    ("@reverse", {"@context": CONTEXT, "id": BATTERY, "@reverse": {"operator": {"id": BATTERY + "-2"}}}),
    ("@included", {"@context": CONTEXT, "id": BATTERY, "@included": [{"id": BATTERY + "-2"}]}),
    ("a list of lists", {"@context": CONTEXT, "id": BATTERY, "criticalRawMaterials": {"@list": [["a"]]}}),
    (
        "a bad language tag",
        {"@context": CONTEXT, "id": BATTERY, "description": {"@value": "x", "@language": "1"}},
    ),
    ("a blank-node type", {"@context": CONTEXT, "id": BATTERY, "type": "_:t"}),
    ("a blank-node property", {"@context": CONTEXT, "id": BATTERY, "_:p": "x"}),
]


@pytest.mark.parametrize(("case", "document"), FALLBACKS, ids=[c for c, _ in FALLBACKS])
def test_what_the_direct_writer_does_not_know_goes_to_pyoxigraph(case: str, document: Any) -> None:
    view = orjson.dumps(document)
    assert _direct(view, document, False) is None
    assert _direct(view, document, True) is None
    for fmt, rdf_format in (("ntriples", NT), ("turtle", TTL)):
        try:
            expected: Any = _reference(document, rdf_format)
        except Exception as err:  # the reference refuses it: so must render
            with pytest.raises(type(err)):
                render(view, fmt)
        else:
            assert _canonical(render(view, fmt), rdf_format) == _canonical(expected, rdf_format)
