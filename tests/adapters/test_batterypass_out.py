"""Battery Pass out (export --format batterypass): the GeneralProductInformation aspect. A
payload read in, written out and read again gives the same graph; our passports, which hold far
more than that aspect, have every term it cannot hold named by its path, and what is written
reads back as the passport gave it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from resolver import jsonld
from resolver.adapters import batterypass, batterypass_out
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
    assert written.document["manufacturingDate"] == "2026-03"  # the month and year, as given
    # in UTF-16, as the consortium's tools write it
    converted = convert("batterypass", orjson.dumps(written.document).decode().encode("utf-16"))
    assert _graph(orjson.loads(converted.body)) == _graph(first.document)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_what_is_written_reads_back_and_the_rest_is_named(example: Path) -> None:
    passport = orjson.loads(example.read_bytes())
    exported = export("batterypass", example.read_bytes())
    payload = orjson.loads(exported.body)
    back = orjson.loads(convert("batterypass", exported.body).body)
    for term in ("id", "passportIdentifier", "category", "status", "weight", "manufacturingDate"):
        assert back.get(term) == passport.get(term), term
    named = set(exported.not_written)
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
        "carbonFootprint",
        "serialNumber",
    } <= set(exported.not_written)
    payload = orjson.loads(exported.body)
    assert payload["operatorInformation"]["identifier"] == "DE123456789012"
    assert payload["batteryCategory"] == "ev" and payload["batteryMass"] == 486.5
    assert "manufacturer" not in exported.not_written and "weight" not in exported.not_written
