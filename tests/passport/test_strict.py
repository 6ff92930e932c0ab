"""What JSON-LD would drop is refused with 422, naming the term and the data point; what is not
UTF-8 is refused saying so; an unreachable node is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.errors import DocumentError, LostValue
from resolver.validation import prepare_sync, validate_sync

EV = Path(__file__).resolve().parents[2] / "examples" / "valid" / "ev-nmc811.jsonld"
IRI = "https://hdl.handle.net/88.100.1/BAT-EV-000001"


def _doc() -> dict[str, Any]:
    result: dict[str, Any] = orjson.loads(EV.read_bytes())
    return result


@pytest.mark.parametrize(
    ("key", "value", "term", "points", "says"),
    [
        ("stateOfHealth", 97, "stateOfHealth", [], "not defined by the eu-battery context"),
        ("category", ["EV", "SLI"], "category", [6], "'SLI' is not one of EV, LMT, industrial, stationary"),
        ("chemistry", ["NMC811", "LFP-ish"], "chemistry", [12], "'LFP-ish' is not one of Pb"),
        ("performanceClass", "A+++", "performanceClass", [18], "'A+++' is not"),
        ("status", None, "status", [67], "is null"),
    ],
)
def test_a_value_json_ld_would_drop_is_refused_naming_term_and_data_point(
    key: str, value: Any, term: str, points: list[int], says: str
) -> None:
    doc = _doc()
    doc[key] = value
    with pytest.raises(LostValue) as caught:
        prepare_sync(orjson.dumps(doc))
    assert caught.value.status == 422
    assert caught.value.extensions["term"] == term
    assert caught.value.extensions["dataPoints"] == points
    assert says in caught.value.detail
    if points:
        assert caught.value.detail.startswith(f"Data point {', '.join(map(str, points))} (")
    report = validate_sync(orjson.dumps(doc))  # validate reports the same as a violation
    assert not report.conforms and report.results[0].message == caught.value.detail


def test_a_string_where_an_iri_is_required_is_refused() -> None:
    doc = _doc()
    doc["manufacturer"]["contactPoint"]["url"] = "call us"
    with pytest.raises(LostValue, match="'url' must be an IRI") as caught:
        prepare_sync(orjson.dumps(doc))
    assert caught.value.extensions["value"] == "call us"


@pytest.mark.parametrize("number", ["INF", "-INF", "NaN", "1e400"])
def test_a_number_that_is_not_finite_is_refused_in_any_syntax(number: str) -> None:
    turtle = f'<{IRI}> <https://ref.gs1.org/voc/x> "{number}"^^<http://www.w3.org/2001/XMLSchema#double> .'
    with pytest.raises(LostValue, match="numbers must be finite"):
        prepare_sync(turtle.encode(), media_type="text/turtle")
    doc = _doc()
    doc["weight"] = {"value": {"@value": number, "@type": "xsd:double"}, "unit": "KGM"}
    with pytest.raises(LostValue, match="finite"):
        prepare_sync(orjson.dumps(doc))


def test_a_json_number_beyond_a_double_is_refused_as_not_finite() -> None:
    body = EV.read_bytes().replace(b'"value": 228', b'"value": 1e400', 1)
    assert body != EV.read_bytes()
    with pytest.raises(LostValue, match="finite"):
        prepare_sync(body)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_body_that_is_not_utf8_says_so(encoding: str) -> None:
    body = EV.read_text(encoding="utf-8").encode(encoding)
    with pytest.raises(DocumentError) as caught:
        prepare_sync(body)
    assert caught.value.detail.startswith("the body is not UTF-8")
    assert "codec" not in caught.value.detail


def test_undecodable_bytes_say_the_body_is_not_utf8() -> None:
    body = EV.read_bytes().replace(b"Wolfsburg", "Wölfsburg".encode("latin-1"))
    with pytest.raises(DocumentError, match=r"^the body is not UTF-8"):
        prepare_sync(body)


def test_a_node_not_linked_from_the_passport_is_refused() -> None:
    turtle = EV.read_bytes()
    doc = _doc()
    loose = {"@context": doc.pop("@context"), "@graph": [doc, {"id": "_:loose", "productName": "stray"}]}
    with pytest.raises(LostValue, match="not linked from the passport"):
        prepare_sync(orjson.dumps(loose))
    assert turtle  # the plain example is fine
    assert prepare_sync(turtle).report.conforms


def test_named_graphs_are_refused() -> None:
    quad = f'<{IRI}> <https://ref.gs1.org/voc/x> "y" <https://example.org/g> .'
    with pytest.raises(LostValue, match="named graph"):
        prepare_sync(quad.encode(), media_type="application/n-quads")
