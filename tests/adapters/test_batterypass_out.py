"""Battery Pass out (export --format batterypass): each aspect the passport has terms for, under
its key. A payload read in, written out and read again gives the same graph; our passports, which
hold more than the aspects can, have every term they cannot hold named by its path, and what is
written reads back as the passport gave it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from resolver import jsonld
from resolver.adapters import batterypass, batterypass_out
from resolver.adapters.batterypass_fields import FACTORS
from resolver.adapters.formats import convert, export
from resolver.passport.canonical import canonical_nquads

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = Path(__file__).parent / "data" / "batterypass-general-product-information.json"
EXAMPLES = sorted((ROOT / "examples" / "valid").glob("*.jsonld"))


def _graph(doc: object) -> str:
    return canonical_nquads(jsonld.oxigraph_quads(jsonld.expand(doc)))


def test_in_out_in_gives_the_same_graph() -> None:
    first = batterypass.convert_with_notes(orjson.loads(PAYLOAD.read_bytes()))
    written = batterypass_out.to_payload(first.document)
    assert written.not_written == ()  # everything the reader filled goes back
    assert batterypass.is_batterypass(written.document)
    again = batterypass.convert_with_notes(orjson.loads(orjson.dumps(written.document)))
    assert _graph(again.document) == _graph(first.document) and again.unmapped == ()
    general = written.document["generalProductInformation"]
    assert isinstance(general, dict) and general["manufacturingDate"] == "2026-03"  # as given
    # in UTF-16, as the consortium's tools write it
    converted = convert("batterypass", orjson.dumps(written.document).decode().encode("utf-16"))
    assert _graph(orjson.loads(converted.body)) == _graph(first.document)


def _term(doc: dict[str, object], term: str) -> str:
    """The graph of one term of ``doc`` (a list of one and its single value are the same), a
    quantity in a unit the writer converts given in the model's unit."""
    value = doc.get(term)
    if isinstance(value, dict) and isinstance(value.get("value"), int | float):
        for (ours, theirs), factor in FACTORS.items():
            if value.get("unit") == ours:
                value = {**value, "value": round(value["value"] * factor, 12), "unit": theirs}
    return _graph({"@context": doc["@context"], "id": doc["id"], term: value})


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_what_is_written_reads_back_and_the_rest_is_named(example: Path) -> None:
    passport = orjson.loads(example.read_bytes())
    exported = export("batterypass", example.read_bytes())
    payload = orjson.loads(exported.body)
    back = orjson.loads(convert("batterypass", exported.body).body)
    named = set(exported.not_written)
    in_part = {path.split(".")[0] for path in named}  # a term written but for the parts named
    for term in passport:
        if term not in in_part and term not in ("@context", "type"):
            assert _term(back, term) == _term(passport, term), term  # written, and read back as it was
    for term in passport:
        if term not in back and term not in ("@context", "type"):
            assert term in named, term  # left out, and said
    if "manufacturer" in back:
        assert back["manufacturer"]["organizationName"] == passport["manufacturer"]["organizationName"]
        address = passport["manufacturer"].get("address", {})
        assert ("addressLocality" in address) == ("manufacturer.address.addressLocality" in named)
    assert batterypass_out.to_payload(back).document == payload  # written again: the same payload


def test_parts_of_a_written_term_that_the_aspect_cannot_hold_are_named() -> None:
    example = ROOT / "examples" / "valid" / "ev-nmc811.jsonld"
    exported = export("batterypass", example.read_bytes())
    assert {
        "manufacturer.contactPoint",
        "manufacturer.address.type",
        "manufacturer.address.addressLocality",
        "operator.operatorRole",
        "manufacturingPlace.facilityIdentifier",
        "serialNumber",
        "recycledContent",  # the aspect splits it by the waste it came from; the passport does not
        "safetyMeasures",
        "cadmiumSymbol",
    } <= set(exported.not_written)
    payload = orjson.loads(exported.body)
    general = payload["generalProductInformation"]
    assert general["operatorInformation"]["identifier"] == "DE123456789012"
    assert general["batteryCategory"] == "ev" and general["batteryMass"] == 486.5
    assert payload["carbonFootprint"]["batteryCarbonFootprint"] == 64.0
    assert payload["circularity"]["renewableContent"] == 2.5
    for term in ("manufacturer", "weight", "carbonFootprint", "sparePartSources", "declarationOfConformity"):
        assert term not in exported.not_written, term
