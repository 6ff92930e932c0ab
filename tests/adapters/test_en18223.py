"""OpenEPCIS passports in the EN 18223 shapes (``.operational`` bodies, BatteryPass-Ready
sources, ``en18223`` elements) are read, not refused or read as "no data": excerpts of the
published examples (tests/adapters/data/NOTICE.md) convert, impossible dates are refused with
their path, and what no rule reads is listed."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver import jsonld
from resolver.adapters import en18223
from resolver.adapters.formats import convert
from resolver.errors import DocumentError
from tests.support.cli import passport_node

DATA = Path(__file__).parent / "data"
OPERATIONAL = DATA / "openepcis-battery-product.operational-excerpt.jsonld"
ELEMENTS = DATA / "openepcis-battery-product.en18223-excerpt.json"
READY = DATA / "openepcis-batterypass-ready-ev.source-excerpt.json"
HEADER = ["dppSchemaVersion", "dppStatus", "lastUpdated"]  # granularity is read (docs/linked.md)


def _compact(path: Path) -> tuple[dict[str, Any], tuple[str, ...]]:
    converted = convert("openepcis", path.read_bytes())
    return jsonld.compact(orjson.loads(converted.body)), converted.unmapped


def test_an_operational_body_is_read_with_its_bare_names() -> None:
    doc, unmapped = _compact(OPERATIONAL)
    assert doc["id"] == "https://id.gs1.org/01/09521002005004/21/BAT2024-001"
    assert (doc["category"], doc["chemistry"], doc["model"]) == ("industrial", "LFP", "ECO-IM-500")
    assert doc["serialNumber"] == "BAT2024-001"
    assert doc["carbonFootprint"]["performanceClass"] == "classB"  # "CFClassB", a value by name
    assert doc["eubat:hasCellType"] == {"id": "eubat:PrismaticCell"}
    assert list(unmapped) == [*HEADER, "economicOperatorId"]


def test_a_batterypass_ready_source_is_read() -> None:
    doc, unmapped = _compact(READY)
    assert (doc["category"], doc["status"]) == ("industrial", "original")
    assert doc["weight"] == {"type": "Quantity", "unit": "KGM", "value": 450.0}
    assert (
        doc["ratedCapacity"]["value"] == 190.0
    )  # technicalSpecifications -> eubat:hasTechnicalSpecifications
    assert doc["recycledContent"]["recycledCobaltShare"] == 10.0
    assert doc["manufacturingDate"] == "2024-03-15"
    assert "warrantyExpiryDate" in unmapped  # no property of that name in the vocabulary


def test_an_elements_document_is_read_by_its_dictionary_references() -> None:
    doc, unmapped = _compact(ELEMENTS)
    assert doc["model"] == "ECO-IM-500" and doc["chemistry"] == "LFP"
    assert doc["carbonFootprint"]["performanceClass"] == "classB"
    assert list(unmapped) == [*HEADER, "economicOperatorId"]


def test_impossible_dates_are_refused_with_their_path() -> None:
    body = orjson.loads(OPERATIONAL.read_bytes())
    body["hasCarbonFootprintDeclaration"]["hasThirdPartyVerification"]["verificationDate"] = "1538-20-83"
    with pytest.raises(
        DocumentError,
        match=r"^hasCarbonFootprintDeclaration\.hasThirdPartyVerification\.verificationDate: "
        r"'1538-20-83' is not a possible date \(month 20, day 83\)$",
    ):
        en18223.from_operational(body)
    elements = orjson.loads(ELEMENTS.read_bytes())
    declaration = elements["elements"][4]["elements"][1]["elements"][0]
    declaration["value"] = "1538-20-83"
    with pytest.raises(
        DocumentError, match=r"^hasCarbonFootprintDeclaration\.hasThirdPartyVerification\.verif"
    ):
        en18223.from_elements(elements)


def test_a_month_and_year_is_kept_and_unknown_names_are_listed() -> None:
    body = copy.deepcopy(orjson.loads(READY.read_bytes()))
    body["manufacturingDate"] = "2024-03"
    body["colourOfCasing"] = "blue"
    read = en18223.from_operational(body)
    made = read.expanded[0]["https://ref.gs1.org/voc/productionDate"]
    assert made == [{"@value": "2024-03", "@type": "http://www.w3.org/2001/XMLSchema#gYearMonth"}]
    assert "colourOfCasing" in read.unmapped


def test_import_validates_them_instead_of_refusing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    code = passport_node(["import", "--format", "openepcis", str(OPERATIONAL), str(ELEMENTS), str(READY),
                         "--store", store, "--workers", "1", "--json", "--no-progress"])  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert code == 1 and summary["rejected"] == 3
    # excerpts lack mandatory data points: validation names them (nothing "refused", no "no data")
    assert all(r["reason"].startswith("does not conform: Data point") for r in summary["rejections"]), summary
    assert len(summary["unmapped"]) == 3
