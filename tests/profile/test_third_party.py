"""Third-party passports: the OpenEPCIS examples and the Catena-X BatteryPass 6.1.0 payload are
read offline into our model and validated; the reports name exactly the data points they lack.

The expected lists are what we observed with the profile's shapes; docs/validation.md explains
each (model differences, not faults of the adapters). A change of the shapes that moves them
should move these lists consciously.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver import jsonld
from resolver.adapters import catenax, openepcis
from resolver.errors import DocumentError
from resolver.tiers import Tier
from resolver.validation import _engine, prepare_sync

ROOT = Path(__file__).resolve().parents[2]
# The reference data sits beside the repository (../shared/reference), as in the project's checkout.
REFERENCE = ROOT.parent / "shared" / "reference"
OPENEPCIS = REFERENCE / "openepcis" / "battery" / "examples"
CATENAX = REFERENCE / "catenax-battery-pass" / "BatteryPass-6.1.0-example.json"

pytestmark = pytest.mark.skipif(
    not REFERENCE.exists(), reason=f"the third-party documents come from ../shared/reference ({REFERENCE})"
)

# Observed: see docs/validation.md, "Third-party documents", for the reason behind each number.
OPENEPCIS_EV_LACKS = [
    1,
    2,
    4,
    7,
    8,
    13,
    14,
    15,
    16,
    17,
    24,
    29,
    30,
    31,
    32,
    36,
    40,
    45,
    46,
    49,
    51,
    53,
    63,
]
OPENEPCIS_LMT_LACKS = [*OPENEPCIS_EV_LACKS, 65]
# Each problem names the one data point its message names (manufacturer: 3, not 3, 4, 5).
CATENAX_LACKS = [2, 3, 4, 6, 8, 13, 17, 24, 30, 40, 43, 45, 47]


def _points(report_results: tuple[object, ...], severity: str = "Violation") -> list[int]:
    return sorted(
        {p for r in report_results if r.severity == severity for p in r.data_points}  # type: ignore[attr-defined]
    )


def test_openepcis_examples_expand_offline_with_their_own_contexts() -> None:
    for path in sorted(OPENEPCIS.glob("*.jsonld")):
        expanded = jsonld.expand(orjson.loads(path.read_bytes()))
        identifier = expanded[0]["@id"] if expanded else None
        assert isinstance(identifier, str) and identifier.startswith("https://id.gs1.org/01/"), path.name


@pytest.mark.parametrize(
    ("name", "lacks"),
    [
        ("batterypass-ev-item.jsonld", OPENEPCIS_EV_LACKS),
        ("batterypass-lmt-item.jsonld", OPENEPCIS_LMT_LACKS),
    ],
)
def test_openepcis_examples_name_exactly_the_data_points_they_lack(name: str, lacks: list[int]) -> None:
    converted = openepcis.convert(orjson.loads((OPENEPCIS / name).read_bytes()))
    report = _engine().validate_expanded(converted)
    assert not report.conforms
    assert _points(report.results) == lacks


def test_the_openepcis_lmt_example_is_warned_about_a_data_point_not_to_be_filled_for_lmt() -> None:
    converted = openepcis.convert(orjson.loads((OPENEPCIS / "batterypass-lmt-item.jsonld").read_bytes()))
    report = _engine().validate_expanded(converted)
    # 16: material composition (for no category); 33: capacity threshold for exhaustion (EV only)
    assert _points(report.results, "Warning") == [16, 33]


def test_the_openepcis_adapter_maps_category_status_and_chemistry() -> None:
    converted = openepcis.convert(orjson.loads((OPENEPCIS / "batterypass-ev-item.jsonld").read_bytes()))
    battery = converted[0]
    types = battery["@type"]
    assert isinstance(types, list)
    assert "https://w3id.org/battery-passport/eu-battery#BatteryPassport" in types
    assert battery["https://schema.org/category"] == [
        {"@id": "https://w3id.org/eudpp/battery-categories#ElectricVehicleBattery"}
    ]
    assert battery["https://schema.org/status"] == [
        {"@id": "https://w3id.org/eudpp/battery-statuses#Original"}
    ]
    assert battery["https://ref.openepcis.io/extensions/eu/battery/hasBatteryChemistry"] == [
        {"@id": "https://w3id.org/eudpp/battery-chemistries#LiIonLFP"}
    ]


def test_the_openepcis_events_are_refused_for_their_epcis_context() -> None:
    event = orjson.loads(
        (REFERENCE / "openepcis" / "battery" / "events" / "state-of-health.jsonld").read_bytes()
    )
    with pytest.raises(DocumentError, match="epcis-context"):
        jsonld.expand(event)


def _catenax_payload() -> dict[str, Any]:
    """The published 6.1.0 example with its impossible date (7172-75-08) made possible."""
    payload: dict[str, Any] = orjson.loads(CATENAX.read_bytes())
    payload["operation"]["intoServiceDate"] = "2024-01-31"
    return payload


def test_the_published_catenax_example_is_refused_for_its_impossible_date() -> None:
    with pytest.raises(
        DocumentError, match=r"operation\.intoServiceDate: '7172-75-08' is not a possible date"
    ):
        catenax.convert(orjson.loads(CATENAX.read_bytes()))


def test_the_catenax_payload_converts_and_names_what_it_lacks() -> None:
    passport = catenax.convert(_catenax_payload())
    assert passport["@context"] == jsonld.CONTEXT_URL
    assert passport["id"] == "urn:uuid:550e8400-e29b-41d4-a716-446655440000"
    assert passport["weight"] == {"value": 0.02, "unit": "KGM"}  # 20 g
    assert passport["chemistry"] == "NMC"
    recycled = passport["recycledContent"]
    assert isinstance(recycled, dict) and recycled["recycledCobaltShare"] == 12.5
    assert "predecessor" not in passport  # the nil UUID means none
    prepared = prepare_sync(orjson.dumps(passport))
    assert not prepared.report.conforms
    assert _points(prepared.report.results) == CATENAX_LACKS


def test_a_completed_catenax_payload_gives_a_valid_passport() -> None:
    # What the payload lacks, supplied: the converted passport then conforms, so the adapter's
    # own output is sound and the list above is the payload's, not the adapter's.
    passport = catenax.convert(_catenax_payload(), iri="https://hdl.handle.net/88.100.1/CX-1")
    example = orjson.loads((ROOT / "examples" / "valid" / "ev-nmc811.jsonld").read_bytes())
    supplied = (
        *("operator", "manufacturer", "manufacturingPlace", "category", "hazardousSubstances"),
        *("carbonFootprint", "renewableContentShare", "maximumPermittedPower", "separateCollectionSymbol"),
        *("collectionInfo", "cathodeActiveMaterial", "anodeActiveMaterial", "electrolyteComposition"),
        # required once the category says EV:
        *("sparePartSources", "lifetimeReferenceTest", "expectedRemainingCycles"),
    )
    for term in supplied:
        passport[term] = example[term]
    prepared = prepare_sync(orjson.dumps(passport))
    assert prepared.report.conforms, prepared.report.to_json()
    assert set(prepared.views) == set(Tier)


def test_a_payload_that_is_not_catenax_is_refused() -> None:
    with pytest.raises(DocumentError, match="specVersion"):
        catenax.convert({"specVersion": "urn:something:else"})


def test_the_cli_detects_catenax_and_openepcis(tmp_path: Path) -> None:
    fixed = tmp_path / "catenax.json"
    fixed.write_bytes(orjson.dumps(_catenax_payload()))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "resolver",
            "validate",
            "--json",
            str(fixed),
            str(OPENEPCIS / "batterypass-ev-item.jsonld"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    catenax_outcome, openepcis_outcome = orjson.loads(result.stdout)
    assert catenax_outcome["format"] == "catenax"
    assert openepcis_outcome["format"] == "openepcis"
    assert sorted({p for r in catenax_outcome["report"]["results"] for p in r["dataPoints"]}) == CATENAX_LACKS


def test_a_verifiable_credential_expands_offline_with_the_w3c_context() -> None:
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0d3f1c9e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential"],
        "issuer": "https://issuer.example",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "https://hdl.handle.net/88.100.1/BAT-EV-000001"},
    }
    (node,) = jsonld.expand(credential)
    assert node["@type"] == ["https://www.w3.org/2018/credentials#VerifiableCredential"]
    assert node["https://www.w3.org/2018/credentials#issuer"] == [{"@id": "https://issuer.example"}]
