"""Round trips through a node's store: in (import --format F) -> stored -> out (export --format F)
-> in again gives the same canonical graph, for every format that has an exporter."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver import jsonld
from resolver.adapters import envelope, openepcis_out, untp
from resolver.adapters.formats import EXPORTS
from resolver.cli import main
from resolver.commands.export import _export
from resolver.config import default_config
from resolver.integrity.keyring import Keyring
from resolver.integrity.served import split_signed
from resolver.integrity.signer import key_url
from resolver.parts.integrity import keys_directory, node_base_url
from resolver.passport.canonical import canonical_nquads
from resolver.stores import open_store
from resolver.tiers import Tier
from tests.support.cli import passport_node

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [ROOT / "examples" / "valid" / name for name in ("ev-nmc811.jsonld", "lmt-ebike.jsonld")]


def _import(store: str, fmt: str, *sources: Path) -> dict[str, object]:
    args = [
        "import",
        "--format",
        fmt,
        *map(str, sources),
        "--store",
        store,
        "--workers",
        "1",
        "--json",
        "--no-progress",
    ]
    assert passport_node(args) == 0
    return {}


async def _graphs(store_url: str) -> dict[str, str]:
    """Every stored passport's authority view, as canonical N-Quads without its proof."""
    store = await open_store(store_url)
    try:
        _, keys = await store.handles(prefix="", offset=0, limit=100)
        graphs = {}
        for key in keys:
            record = await store.get(key)
            assert record is not None
            body = split_signed(record.views[Tier.AUTHORITY])[0]
            graphs[key] = canonical_nquads(jsonld.oxigraph_quads(jsonld.expand(orjson.loads(body))))
        return graphs
    finally:
        await store.aclose()


def test_every_export_format_is_round_tripped_here_or_in_its_own_tests() -> None:
    # aas writes the Digital Nameplate part only, and the Catena-X payloads we ship lack
    # mandatory data points: neither passes validation into a store, so their round trips are
    # tested on the functions (tests/adapters/test_aas.py, test_catenax_out.py). pact writes
    # the cradle-to-gate footprint only; its figure goes out and in (test_pact_out.py).
    # batterypass writes the GeneralProductInformation aspect only (test_batterypass_out.py).
    assert set(EXPORTS) == {*STORE_ROUND_TRIP, "aas", "catenax", "pact", "batterypass"}


STORE_ROUND_TRIP = ("jsonld", "untp", "openepcis")
_WRITERS: dict[str, Callable[[Any], object]] = {
    "untp": untp.to_credential,
    "openepcis": lambda doc: openepcis_out.to_passport(doc).document,
}


@pytest.mark.parametrize("fmt", STORE_ROUND_TRIP)
def test_in_store_out_in_gives_the_same_graph(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sources = EXAMPLES
    if fmt in _WRITERS:
        sources = []
        for example in EXAMPLES:
            written = tmp_path / f"{example.stem}.{fmt}.json"
            written.write_bytes(orjson.dumps(_WRITERS[fmt](orjson.loads(example.read_bytes()))))
            sources.append(written)
    first, second = f"sqlite:///{tmp_path}/first.sqlite3", f"sqlite:///{tmp_path}/second.sqlite3"
    _import(first, fmt, *sources)
    out = tmp_path / "out"
    count = asyncio.run(_export(default_config(store=first), "", str(out), Tier.AUTHORITY, fmt))
    assert count == len(EXAMPLES)
    _import(second, fmt, *sorted(out.iterdir()))
    capsys.readouterr()
    before, after = asyncio.run(_graphs(first)), asyncio.run(_graphs(second))
    assert len(before) == len(EXAMPLES)
    assert after == before


def test_export_format_untp_writes_credentials(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    _import(store, "jsonld", EXAMPLES[0])
    capsys.readouterr()
    assert main(["export", "--store", store, "--format", "untp"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert main(["export", "--store", store, "--format", "aas"]) == 0
    said = capsys.readouterr().err
    assert "not written in aas (passports): cadmiumSymbol (1), criticalRawMaterials (1)," in said
    assert "capacityThresholdForExhaustion" not in said  # Part 4, technical data
    assert "chemistry" not in said and "extinguishingAgent" not in said  # Parts 6 and 7
    # Enveloped as vc+jwt, signed by the node's active key (kid: its URL)
    opened = envelope.open_envelope(json.loads(lines[0]))
    ring = Keyring.open(keys_directory(default_config(store=store)))
    assert opened.header["kid"] == key_url(node_base_url(default_config(store=store)), ring.active.name)
    assert opened.verifies(ring.active_key.public_key())
    forged = dataclasses.replace(opened, signing_input=opened.signing_input + b"x")
    assert not forged.verifies(ring.active_key.public_key())
    credential: dict[str, Any] = opened.credential
    assert credential["type"] == ["DigitalProductPassport", "VerifiableCredential"]
    assert "proof" not in credential["credentialSubject"]["product"].get("characteristics", {})
    # read in again, the envelope is recorded, not dropped
    read = untp.convert_with_notes(json.loads(lines[0]))
    assert read.issuer["envelope"] == (
        f"vc+jwt (EdDSA) signed by {opened.header['kid']}: not checked (its key is not resolved offline)"
    )
    assert "id (the vc+jwt signature)" in read.unmapped


def test_export_says_what_each_format_could_not_hold_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    _import(store, "jsonld", *EXAMPLES)
    capsys.readouterr()
    out = tmp_path / "out"
    args = ["export", "--store", store, "--tier", "public", "--format", "batterypass"]
    assert main([*args, "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["format"] == "batterypass" and summary["exported"] == len(EXAMPLES)
    assert summary["not_written"]["serialNumber"] == len(EXAMPLES)  # the aspects have no field for it
    key = "88.100.1/BAT-EV-000001"
    assert "manufacturer.contactPoint" in summary["passports"][key]["not_written"]
    assert len(list(out.iterdir())) == len(EXAMPLES)
    # to stdout, the passports; the summary goes to stderr
    assert main([*args, "--json"]) == 0
    said = capsys.readouterr()
    assert len(said.out.splitlines()) == len(EXAMPLES) and json.loads(said.err)["exported"] == len(EXAMPLES)
    assert main(["export", "--store", store, "--format", "openepcis"]) == 0
    said = capsys.readouterr()
    assert "written under our own IRI in openepcis (no term of the format) (passports): " in said.err
    assert "commercialWarrantyPeriod (2)" in said.err and "not written in openepcis" not in said.err
