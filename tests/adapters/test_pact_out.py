"""``export --format pact``: a passport's cradle-to-gate carbon footprint as a PACT 2.3
ProductFootprint, checked against the published data model (WBCSD PACT Technical Specifications
2.3, spec/v2/openapi.yaml: the properties, required fields, types and enumerations below are
facts read from it; the file itself is not shipped, see docs/adapters.md "PACT")."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.adapters import pact, pact_out
from resolver.adapters.formats import export
from resolver.cli import main
from tests.support.cli import passport_node

ROOT = Path(__file__).resolve().parents[2]
EV = ROOT / "examples" / "valid" / "ev-nmc811.jsonld"
CREATED = datetime.datetime(2026, 12, 1, 6, 0, tzinfo=datetime.UTC)

# PACT 2.3 ProductFootprint: its properties, and those it requires.
PRODUCT_FOOTPRINT = {
    "id", "specVersion", "precedingPfIds", "version", "created", "updated", "status", "statusComment",
    "validityPeriodStart", "validityPeriodEnd", "companyName", "companyIds", "productDescription",
    "productIds", "productClassifications", "productCategoryCpc", "productNameCompany", "comment", "pcf",
    "extensions",
}  # fmt: skip
PRODUCT_FOOTPRINT_REQUIRED = {
    "id", "specVersion", "version", "created", "status", "comment", "companyName", "companyIds",
    "productDescription", "productIds", "productCategoryCpc", "productNameCompany", "pcf",
}  # fmt: skip
# PACT 2.3 CarbonFootprint: those it requires, and the optional ones this export may write.
CARBON_FOOTPRINT_REQUIRED = {
    "declaredUnit", "unitaryProductAmount", "referencePeriodStart", "referencePeriodEnd",
    "pCfExcludingBiogenic", "fossilGhgEmissions", "fossilCarbonContent", "biogenicCarbonContent",
    "characterizationFactors", "ipccCharacterizationFactorsSources", "crossSectoralStandardsUsed",
    "boundaryProcessesDescription", "exemptedEmissionsPercent", "exemptedEmissionsDescription",
    "packagingEmissionsIncluded",
}  # fmt: skip
CARBON_FOOTPRINT_OPTIONAL = {"geographyCountry", "geographyRegionOrSubregion", "geographyCountrySubdivision"}
DECLARED_UNITS = {
    "liter",
    "kilogram",
    "cubic meter",
    "kilowatt hour",
    "megajoule",
    "ton kilometer",
    "square meter",
}
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
SPEC_VERSION = re.compile(r"^\d+\.\d+\.\d+(-\d{8})?$")
DATE_TIME_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")  # PACT's Decimal: a JSON string


def _footprint(**changes: object) -> pact_out.Footprint:
    passport = {**orjson.loads(EV.read_bytes()), **changes}
    return pact_out.to_footprint(passport, created=CREATED)


def test_the_export_writes_only_pact_properties_with_their_types() -> None:
    written = _footprint()
    doc = written.document
    assert doc is not None
    assert set(doc) <= PRODUCT_FOOTPRINT
    assert UUID4.match(str(doc["id"])) and SPEC_VERSION.match(str(doc["specVersion"]))
    assert doc["specVersion"] == "2.3.0" and doc["version"] == 0 and doc["status"] in ("Active", "Deprecated")
    assert DATE_TIME_UTC.match(str(doc["created"])) and doc["created"] == "2026-12-01T06:00:00Z"
    for key in ("companyName", "productNameCompany", "productDescription", "comment"):
        assert isinstance(doc[key], str) and doc[key], key
    ids = doc["productIds"]
    assert isinstance(ids, list) and len(ids) == len(set(ids)) >= 1
    pcf = doc["pcf"]
    assert isinstance(pcf, dict)
    assert set(pcf) <= CARBON_FOOTPRINT_REQUIRED | CARBON_FOOTPRINT_OPTIONAL
    assert pcf["declaredUnit"] in DECLARED_UNITS
    for key in ("unitaryProductAmount", "pCfExcludingBiogenic"):
        assert isinstance(pcf[key], str) and DECIMAL.match(pcf[key]), key
    assert Decimal(pcf["unitaryProductAmount"]) > 0 and Decimal(pcf["pCfExcludingBiogenic"]) >= 0
    assert re.match(r"^[A-Z]{2}$", str(pcf["geographyCountry"]))


def test_every_required_field_is_written_or_named_as_not_written() -> None:
    written = _footprint()
    doc = written.document
    assert doc is not None and isinstance(doc["pcf"], dict)
    named = {entry.split(" ")[0] for entry in written.not_written}
    present = set(doc) | {f"pcf.{key}" for key in doc["pcf"]}
    required = PRODUCT_FOOTPRINT_REQUIRED | {f"pcf.{key}" for key in CARBON_FOOTPRINT_REQUIRED}
    assert required - present == named & required  # nothing missing silently
    assert present & named == set()
    # The passport's own footprint terms PACT does not hold are named too.
    assert {"carbonFootprint.distribution", "carbonFootprint.endOfLife", "carbonFootprint.total"} <= named


def test_the_figure_is_cradle_to_gate_per_kwh_and_reads_back_the_same() -> None:
    doc = _footprint().document
    assert doc is not None and isinstance(doc["pcf"], dict)
    # ev-nmc811: raw material acquisition 42.1 + main production 18.3 kg CO2e per kWh.
    assert doc["pcf"]["pCfExcludingBiogenic"] == "60.4"
    assert doc["pcf"]["declaredUnit"] == "kilowatt hour" and doc["pcf"]["unitaryProductAmount"] == "1"
    again = pact.footprint_per_kwh(doc)
    assert again.value == pytest.approx(60.4) and again.source == doc["id"]
    assert doc["productIds"] == ["https://hdl.handle.net/88.100.1/BAT-EV-000001"]


def test_the_id_is_the_same_for_the_same_figure_and_another_for_another() -> None:
    first, again = _footprint().document, _footprint().document
    assert first is not None and again is not None and first["id"] == again["id"]
    passport: dict[str, Any] = orjson.loads(EV.read_bytes())
    passport["carbonFootprint"]["mainProduction"]["value"] = 20.0
    changed = pact_out.to_footprint(passport, created=CREATED).document
    assert changed is not None and changed["id"] != first["id"]


def test_a_passport_without_the_cradle_to_gate_stages_writes_nothing_and_says_why() -> None:
    written = _footprint(carbonFootprint=None)
    assert written.document is None
    assert written.not_written == (
        "carbonFootprint.rawMaterialAcquisition, carbonFootprint.mainProduction "
        "(a PACT footprint is cradle to gate: nothing written)",
    )
    assert export("pact", orjson.dumps({"id": "x"})).body == b""


def test_export_format_pact_from_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    lmt = ROOT / "examples" / "valid" / "lmt-ebike.jsonld"
    args = ["import", str(EV), str(lmt), "--store", store, "--workers", "1", "--json", "--no-progress"]
    assert passport_node(args) == 0
    capsys.readouterr()
    assert main(["export", "--store", store, "--format", "pact"]) == 0
    out, err = capsys.readouterr()
    footprints = [json.loads(line) for line in out.splitlines()]
    with_footprint = [
        orjson.loads(p.read_bytes()) for p in (EV, lmt) if "carbonFootprint" in orjson.loads(p.read_bytes())
    ]
    assert len(footprints) == len(with_footprint) >= 1
    assert "not written in pact (passports): carbonFootprint.distribution" in err
    assert "companyIds (PACT requires it; no passport data holds it)" in err
