"""Catena-X out (export --format catenax): a payload read in, written out and read again gives
the same graph, on the shipped 5.0.0 excerpt and the published 6.1.0 example (when the shared
reference folder is beside the repository); what Catena-X cannot hold is named, not dropped."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from resolver import jsonld
from resolver.adapters import catenax, catenax_out
from resolver.adapters.formats import export
from resolver.passport.canonical import canonical_nquads

ROOT = Path(__file__).resolve().parents[2]
EXCERPT = Path(__file__).parent / "data" / "catenax-BatteryPass-5.0.0-excerpt.json"
EXAMPLE_61 = ROOT.parent / "shared" / "reference" / "catenax-battery-pass" / "BatteryPass-6.1.0-example.json"
PAYLOADS = [EXCERPT, *([EXAMPLE_61] if EXAMPLE_61.exists() else [])]


def _graph(doc: object) -> str:
    return canonical_nquads(jsonld.oxigraph_quads(jsonld.expand(doc)))


@pytest.mark.parametrize("source", PAYLOADS, ids=lambda p: p.name)
def test_in_out_in_gives_the_same_graph(source: Path) -> None:
    payload = orjson.loads(source.read_bytes())
    payload["operation"]["intoServiceDate"] = "2024-01-31"  # the published impossible date
    first = catenax.convert_with_notes(payload)
    written = catenax_out.to_payload(first.document)
    assert written.not_written == ()  # everything the reader filled goes back
    assert catenax.detect_version(written.document) == "6.1.0"
    again = catenax.convert_with_notes(orjson.loads(orjson.dumps(written.document)))
    assert _graph(again.document) == _graph(first.document)
    assert catenax_out.to_payload(again.document).document == written.document


def test_what_catenax_cannot_hold_is_named() -> None:
    example = orjson.loads((ROOT / "examples" / "valid" / "ev-nmc811.jsonld").read_bytes())
    written = catenax_out.to_payload(example)
    # the total is not a Catena-X stage; NMC811 is no chemistry name Catena-X readers map
    assert {"carbonFootprint", "chemistry", "manufacturer"} <= set(written.not_written)
    assert "serialNumber" not in written.not_written
    exported = export("catenax", orjson.dumps(example))
    assert "carbonFootprint" in exported.not_written
    payload = orjson.loads(exported.body)
    assert payload["identification"]["identification"]["serial"] == [
        {"key": "partInstanceId", "value": "VX82-2026-000001"}
    ]
    assert payload["performance"]["rated"]["power"]["value"] == 250_000  # 250 kW, in W
