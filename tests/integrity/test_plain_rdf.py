"""The plain triples of an expanded passport are pyoxigraph's, term for term, or None."""

from __future__ import annotations

import json
import random
from pathlib import Path

import orjson
import pyoxigraph
import pytest

from resolver import jsonld, views
from resolver.integrity.canon import canonical_nquads
from resolver.integrity.plain_rdf import plain_triples
from resolver.integrity.rdfc import canonical_triples
from resolver.tiers import Tier

EXAMPLES = Path(__file__).parents[2] / "examples" / "valid"
_XSD = "http://www.w3.org/2001/XMLSchema#"


def _lines_by_pyoxigraph(expanded: object) -> set[bytes]:
    quads = pyoxigraph.parse(orjson.dumps(expanded), format=pyoxigraph.RdfFormat.JSON_LD)
    return set((pyoxigraph.serialize(list(quads), format=pyoxigraph.RdfFormat.N_QUADS) or b"").splitlines())


def _numbers() -> list[object]:
    rng = random.Random(7)
    fixed: list[object] = [3.8, 0.021, 1e-07, 1e21, 0.30000000000000004, -0.0, 3.0, 100.0, 97.5, -12.25]
    fixed += [10, -3, 0, True, False, 12345678.9, 5e-324, 1.7976931348623157e308]
    fixed += [rng.uniform(-1e6, 1e6) for _ in range(300)]
    fixed += [rng.random() * 10 ** rng.randint(-30, 30) for _ in range(300)]
    return fixed


@pytest.mark.parametrize("datatype", [None, _XSD + "decimal", _XSD + "double", "http://ex/unit"])
def test_numbers_and_booleans_are_written_as_pyoxigraph_writes_them(datatype: str | None) -> None:
    for number in _numbers():
        value: dict[str, object] = {"@value": number}
        if datatype is not None:
            value["@type"] = datatype
        doc = [{"@id": "http://ex/s", "http://ex/p": [value]}]
        triples = plain_triples(doc)
        if triples is None:
            assert isinstance(number, float) and abs(number) >= 2**53
            continue
        assert {b"%s %s %s ." % t for t in triples} == _lines_by_pyoxigraph(doc), number


@pytest.mark.parametrize(
    "value",
    [
        {"@value": "a\nb"},  # escaped in N-Quads
        {"@value": 'say "hi"'},
        {"@value": "x", "@language": "en"},
        {"@list": [{"@value": 1}]},
        {"@id": "relative/iri"},
        {"@id": "_:b0"},
        {"@value": 2**60},
        {"@value": None},
        {},
    ],
)
def test_what_the_plain_reading_is_not_sure_of_is_left_to_pyoxigraph(value: dict[str, object]) -> None:
    assert plain_triples([{"@id": "http://ex/s", "http://ex/p": [value]}]) is None


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.jsonld"))[:6], ids=lambda p: p.stem)
def test_every_tier_view_reads_to_pyoxigraphs_graph(example: Path) -> None:
    expanded = jsonld.expand(json.loads(example.read_text()))
    for tier in Tier:
        view = jsonld.expand(views.view(expanded, tier))
        triples = plain_triples(view)
        assert triples is not None
        quads = jsonld.oxigraph_quads(view)
        assert len(set(triples)) == len(set(quads))
        assert canonical_triples(triples) == canonical_nquads(quads)
