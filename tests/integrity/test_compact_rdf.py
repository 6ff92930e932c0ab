"""A passport read straight from its compact form gives the triples of the two-step reading
(jsonld.expand, then plain_triples), term for term and blank node for blank node, or None."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resolver import jsonld, views
from resolver.integrity.compact_rdf import compact_triples
from resolver.integrity.plain_rdf import plain_triples
from resolver.tiers import Tier

EXAMPLES = Path(__file__).parents[2] / "examples" / "valid"
CTX = jsonld.CONTEXT_URL


def _two_step(document: object) -> object:
    try:
        return plain_triples(jsonld.expand(document))
    except Exception:  # refused by the expansion: the one-walk reading must be unsure too
        return None


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.jsonld")), ids=lambda p: p.stem)
def test_every_tier_view_reads_as_the_two_step_reading(example: Path) -> None:
    expanded = jsonld.expand(json.loads(example.read_text()))
    for tier in Tier:
        view = views.view(expanded, tier)
        graph = compact_triples(view)
        assert graph is not None, tier
        assert graph.triples == _two_step(view)
        assert graph.root == b"<" + str(view.get("id", view.get("@id"))).encode() + b">"


_BASE = {"@context": CTX, "id": "https://hdl.handle.net/88.100.1/X", "type": "BatteryPassport"}


@pytest.mark.parametrize(
    "extra",
    [
        {"productName": "a\nb"},  # escaped in N-Quads
        {"productName": None},
        {"productName": [["nested"]]},
        {"operator": {}},
        {"operator": {"@context": CTX, "organizationName": "x"}},
        {"relative": "x"},
        {"@reverse": {"x": "y"}},
        {"https://ref.gs1.org/voc/masterDataAvailableFor": "x"},  # expansion refuses it
        {"@id": "https://hdl.handle.net/88.100.1/Y"},  # two keys for @id
        {"operator": {"id": "_:b0", "organizationName": "x"}},
        {"weight": {"value": 2**60, "unit": "KGM"}},
        {"type": ["BatteryPassport", "relative"]},
        {"declarationOfConformity": 3},
    ],
)
def test_what_either_reading_is_not_sure_of_answers_none(extra: dict[str, object]) -> None:
    doc = {**_BASE, **extra}
    assert compact_triples(doc) is None


@pytest.mark.parametrize(
    "doc",
    [
        {**_BASE, "weight": {"value": 3.8, "unit": "KGM"}, "cadmiumSymbol": False},
        {**_BASE, "criticalRawMaterials": ["Cobalt", "Lithium"], "manufacturer": {"id": "urn:x:m"}},
        {**_BASE, "operator": {"type": "Organization", "address": {"addressCountry": "ES"}}},
        {**_BASE, "http://example.org/p": {"@id": "mailto:a@b.example"}, "ex:q": "1"},
        {"@context": CTX, "type": "BatteryPassport", "productName": "no id"},
    ],
)
def test_small_documents_read_as_the_two_step_reading(doc: dict[str, object]) -> None:
    graph = compact_triples(doc)
    expected = _two_step(doc)
    assert (graph.triples if graph is not None else None) == expected


def test_a_document_with_nothing_but_its_id_is_left_to_the_expansion() -> None:
    assert compact_triples({"@context": CTX, "id": "https://hdl.handle.net/88.100.1/X"}) is None
    assert compact_triples({"@context": [CTX], **{k: v for k, v in _BASE.items() if k != "@context"}}) is None
