"""OpenEPCIS operational files: their dynamic data become lifecycle readings, not passport data,
and `import` stores them as the passport's events (the published amperia item file)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.adapters.formats import convert
from resolver.adapters.operational import dynamic_readings
from resolver.commands.importer import Item, Progress, Summary, _into_store
from resolver.config import default_config
from resolver.errors import DocumentError
from resolver.lifecycle.part import open_stores
from tests.support.validators import shared_validator

ROOT = Path(__file__).resolve().parents[2]
AMPERIA = Path(__file__).parent / "data" / "openepcis-amperia-staxwall-item.operational.jsonld"
EXAMPLE = ROOT / "examples" / "valid" / "ev-nmc811.jsonld"
EUBAT = "https://ref.openepcis.io/extensions/eu/battery/"


def _amperia() -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads(AMPERIA.read_bytes())
    return doc


def test_the_published_operational_file_gives_readings_not_passport_data() -> None:
    converted = convert("openepcis", AMPERIA.read_bytes())
    points = {r["dataPoint"]: (r["value"], r["unit"]) for r in converted.readings}
    assert points == {
        "capacityFade": (2.5, "P1"), "cycleCount": (640.0, ""), "energyThroughput": (6550.0, "KWH"),
        "internalResistance": (1.9, "OHM"), "remainingCapacity": (195.0, "AMH"),
        "remainingEnergy": (9.98, "KWH"), "roundTripEfficiency": (94.0, "P1"),
        "stateOfCharge": (62.0, "P1"), "stateOfHealth": (97.5, "P1"),
    }  # fmt: skip
    # hasCycleCount and numberOfFullCycles say the same count: one reading
    assert len(converted.readings) == 9
    assert {r["time"] for r in converted.readings} == {"2026-06-01T07:20:00.000Z"}
    body = converted.body.decode()
    for term in ("hasStateOfHealth", "hasStateOfCharge", "numberOfFullCycles", "hasRemainingCapacity"):
        assert EUBAT + term not in body
    # the state of certified energy in kWh is another measure than the node's %: named, kept aside
    assert "hasStateOfCertifiedEnergy (in KWH; the node records stateOfCertifiedEnergy in P1)" in (
        converted.unmapped
    )
    assert EUBAT + "hasStateOfCertifiedEnergy" not in body


def test_an_impossible_reading_refuses_the_file_with_its_field() -> None:
    doc = _amperia()
    doc["hasStateOfHealth"]["value"] = "140"
    with pytest.raises(DocumentError, match=r"hasStateOfHealth: stateOfHealth value 140 is outside 0\.\.120"):
        dynamic_readings(doc)
    doc = _amperia()
    doc["hasCycleCount"] = 640.5
    with pytest.raises(DocumentError, match=r"hasCycleCount: cycleCount value 640\.5 must be a whole number"):
        dynamic_readings(doc)
    doc = _amperia()
    doc["hasStateOfCharge"] = {"unitCode": "P1"}
    with pytest.raises(DocumentError, match=r"hasStateOfCharge: .* is not a reading"):
        dynamic_readings(doc)
    doc = _amperia()
    doc["lastUpdated"] = "2026-13-01T07:20:00Z"
    with pytest.raises(DocumentError, match=r"lastUpdated: .* is not a possible date"):
        dynamic_readings(doc)


def test_without_a_time_or_on_a_model_the_dynamic_fields_are_listed() -> None:
    doc = _amperia()
    del doc["lastUpdated"]
    read = dynamic_readings(doc)
    assert read.readings == () and "hasStateOfHealth" in read.names
    assert "hasStateOfHealth (dynamic data without a lastUpdated time)" in read.unmapped
    doc = _amperia() | {"granularity": "model"}
    read = dynamic_readings(doc)
    assert read.readings == ()
    assert "hasStateOfHealth (dynamic data of a model passport: readings are per battery)" in read.unmapped
    # a date alone is midnight UTC
    doc = _amperia() | {"lastUpdated": "2026-06-01"}
    assert {r["time"] for r in dynamic_readings(doc).readings} == {"2026-06-01T00:00:00.000Z"}


def test_import_stores_the_readings_as_the_passports_events(tmp_path: Path) -> None:
    readings = convert("openepcis", AMPERIA.read_bytes()).readings
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    config = default_config(store=store, workers=1)
    items = [Item("ev-nmc811.jsonld", EXAMPLE.read_bytes(), readings=readings)]
    summary = Summary()
    progress = Progress(1, summary, stream=io.StringIO(), enabled=False)
    validator = asyncio.run(shared_validator(1))  # the process's pool, not one per import
    asyncio.run(_into_store(items, config, summary, progress, validator))
    assert (summary.created, summary.rejections, summary.readings) == (1, [], 9), summary
    assert summary.to_json()["readings_to_events"] == 9

    async def latest() -> tuple[float | None, int]:
        events, feed = await open_stores(store)
        try:
            reading = await events.latest("88.100.1/BAT-EV-000001", "stateOfHealth")
            return (reading.value if reading else None), len(await events.events("88.100.1/BAT-EV-000001"))
        finally:
            await feed.aclose()
            await events.aclose()

    assert asyncio.run(latest()) == (97.5, 9)
    # again: the passport is unchanged and the events are known (same ids), nothing doubled
    summary = Summary()
    progress = Progress(1, summary, stream=io.StringIO(), enabled=False)
    asyncio.run(_into_store(items, config, summary, progress, validator))
    assert (summary.unchanged, summary.readings) == (1, 0), summary
    assert asyncio.run(latest()) == (97.5, 9)


def test_validate_shows_the_readings_apart_from_the_passport(capsys: pytest.CaptureFixture[str]) -> None:
    from resolver.cli import main

    main(["validate", "--format", "openepcis", str(AMPERIA)])
    text = capsys.readouterr().out
    assert "not passport data (import stores it as lifecycle events): capacityFade 2.5 P1," in text
    assert "stateOfHealth 97.5 P1" in text
    main(["validate", "--format", "openepcis", "--json", str(AMPERIA)])
    outcome = orjson.loads(capsys.readouterr().out)
    found = outcome[0] if isinstance(outcome, list) else outcome["files"][0]
    assert len(found["readings"]) == 9


def test_a_node_of_unread_fields_is_left_out_and_its_fields_listed() -> None:
    """OpenEPCIS's amperia model file carries additionalProductClassification with fields no
    rule reads: an empty node would be refused by the reader (JSON-LD drops it)."""
    from resolver.adapters import en18223

    doc = _amperia() | {
        "additionalProductClassification": {
            "type": "AdditionalProductClassificationDetails",
            "additionalProductClassificationValue": "stationary",
        }
    }
    read = en18223.from_operational(doc)
    assert "https://ref.gs1.org/voc/additionalProductClassification" not in read.expanded[0]
    assert "additionalProductClassification.additionalProductClassificationValue" in read.unmapped


def test_language_texts_addresses_and_web_addresses_are_read_as_the_passport_holds_them() -> None:
    """Shapes of the published operational files: a product name in three languages (the
    English one kept, the others listed), a Country node as an address's country, a document's
    web address typed as one."""
    from resolver.adapters import en18223

    doc = _amperia() | {
        "productName": [
            {"@language": "de", "@value": "Amperia StaxWall 10 Heimspeicher"},
            {"@language": "en", "@value": "Amperia StaxWall 10 Home Battery"},
        ],
        "manufacturer": {
            "type": "Organization",
            "organizationName": "Amperia Energy Systems AB",
            "address": {"type": "PostalAddress", "addressCountry": {"type": "Country", "countryCode": "SE"}},
        },
        "resultOfTestReport": "https://files.example.org/files/products/09521234002000/docs/test-report.pdf",
    }
    read = en18223.from_operational(doc)
    root = read.expanded[0]
    assert root["https://ref.gs1.org/voc/productName"] == [{"@value": "Amperia StaxWall 10 Home Battery"}]
    assert "productName[de]" in read.unmapped
    maker = root["https://ref.gs1.org/voc/manufacturer"][0]  # type: ignore[index]
    address = maker["https://ref.gs1.org/voc/address"][0]  # type: ignore[index,call-overload]
    assert address["https://schema.org/addressCountry"] == [{"@value": "SE"}]  # type: ignore[index,call-overload]
    reports = [v for k, v in root.items() if k.endswith("resultOfTestReport")]
    assert reports == [[{"@value": doc["resultOfTestReport"], "@type": en18223.XSD + "anyURI"}]]
