"""PACT ProductFootprint v2/v3 to kg CO2e per kWh: each declared unit, and the refusals."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.adapters.pact import STAGE, apply, footprint_per_kwh, read
from resolver.errors import DocumentError
from tests.support.cli import passport_node


def v2(unit: str, amount: str, footprint: str) -> dict[str, Any]:
    return {
        "id": "urn:uuid:3a7f1e2c-0000-4000-8000-000000000001",
        "specVersion": "2.2.0",
        "pcf": {"declaredUnit": unit, "unitaryProductAmount": amount, "pCfExcludingBiogenic": footprint},
    }


def v3(unit: str, amount: str, footprint: str) -> dict[str, Any]:
    return {
        "id": "urn:uuid:3a7f1e2c-0000-4000-8000-000000000002",
        "specVersion": "3.0.0",
        "pcf": {
            "declaredUnitOfMeasurement": unit,
            "declaredUnitAmount": amount,
            "pcfExcludingBiogenicUptake": footprint,
        },
    }


def test_per_kwh_is_divided_by_the_amount() -> None:
    result = footprint_per_kwh(v2("kilowatt hour", "10", "650"))
    assert result.value == 65.0 and result.as_passport_value() == {"value": 65.0, "unit": "kgCO2e/kWh"}
    assert footprint_per_kwh(v3("kWh", "1", "61.5")).value == 61.5


def test_per_megajoule_is_times_3_6() -> None:
    assert footprint_per_kwh(v2("megajoule", "1", "20")).value == pytest.approx(72.0)


def test_per_kilogram_needs_the_specific_energy() -> None:
    with pytest.raises(DocumentError, match="needs the product's specific energy"):
        footprint_per_kwh(v3("kg", "1", "12"))
    assert footprint_per_kwh(v3("kg", "1", "12"), kwh_per_kg=0.2).value == pytest.approx(60.0)


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        (v2("liter", "1", "3"), "declared per 'liter', which cannot be converted"),
        (v2("kilowatt hour", "0", "3"), "pcf.unitaryProductAmount: '0' is not a possible value"),
        (v2("kilowatt hour", "1", "-3"), "pcf.pCfExcludingBiogenic: '-3' is not a possible value"),
        (v2("kilowatt hour", "1", "three"), "pcf.pCfExcludingBiogenic: 'three' is not a number"),
        ({"specVersion": "1.0.0", "pcf": {}}, "PACT ProductFootprint 2.x or 3.x"),
        ({"id": "x"}, "no pcf object"),
    ],
)
def test_impossible_inputs_are_refused_naming_the_field(payload: dict[str, Any], says: str) -> None:
    with pytest.raises(DocumentError, match=says.replace("(", "\\(").replace(")", "\\)")):
        footprint_per_kwh(payload)


# --- import --format pact: whole footprints feed the passports they name -----------------------

DATA = Path(__file__).parent / "data"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "valid" / "ev-nmc811.jsonld"
HANDLE = "88.100.1/BAT-EV-000001"


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    code = passport_node(["import", *args, "--store", store, "--workers", "1", "--json", "--no-progress"])
    return code, json.loads(capsys.readouterr().out)


def _stored(tmp_path: Path) -> dict[str, Any]:
    from resolver.integrity.served import split_signed
    from resolver.stores import open_store
    from resolver.tiers import Tier

    async def read() -> dict[str, Any]:
        store = await open_store(f"sqlite:///{tmp_path}/p.sqlite3")
        try:
            view = await store.get_view(HANDLE, Tier.AUTHORITY)
            assert view is not None
            document: dict[str, Any] = orjson.loads(split_signed(view.body)[0])
            return document
        finally:
            await store.aclose()

    return asyncio.run(read())


def test_a_supplier_footprint_feeds_the_passport_it_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, capsys, str(EXAMPLE))[0] == 0
    code, summary = _run(tmp_path, capsys, "--format", "pact", str(DATA / "pact-v2-cell-footprint.json"))
    assert (code, summary["replaced"], summary["rejected"]) == (0, 1, 0), summary
    footprint = _stored(tmp_path)["carbonFootprint"]
    # 2619 kg CO2e per 90 kWh of cells: 29.1 per kWh, the raw-material stage; the total summed again
    assert footprint["rawMaterialAcquisition"] == {"value": 29.1, "unit": "kgCO2e/kWh"}
    assert footprint["total"] == {"value": pytest.approx(29.1 + 18.3 + 1.2 + 2.4), "unit": "kgCO2e/kWh"}
    unmapped = summary["unmapped"][str(DATA / "pact-v2-cell-footprint.json")]
    assert "companyName" in unmapped and "pcf.fossilGhgEmissions" in unmapped


def test_a_footprint_per_kilogram_needs_the_energy_per_kilogram(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, capsys, str(EXAMPLE))[0] == 0
    source = str(DATA / "pact-v3-material-footprint.json")
    code, summary = _run(tmp_path, capsys, "--format", "pact", source)
    assert (code, summary["rejected"]) == (1, 1)
    assert "needs the product's specific energy" in summary["rejections"][0]["reason"]
    code, summary = _run(tmp_path, capsys, "--format", "pact", "--kwh-per-kg", "0.8", source)
    assert (code, summary["replaced"]) == (0, 1), summary
    assert _stored(tmp_path)["carbonFootprint"]["rawMaterialAcquisition"]["value"] == pytest.approx(31.5)


def test_the_published_catenax_pcf_is_read_as_pact_2_and_refused_for_its_unit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Catena-X PCF 7.0.0's generated example (CC-BY-4.0): the PACT 2 data model, declared per
    litre: no kWh to convert to, so it is refused, saying why."""
    payload = orjson.loads((DATA / "catenax-Pcf-7.0.0.json").read_bytes())
    with pytest.raises(DocumentError, match="declared per 'liter', which cannot be converted to per kWh"):
        read(payload)
    code, summary = _run(tmp_path, capsys, "--format", "pact", str(DATA / "catenax-Pcf-7.0.0.json"))
    assert (code, summary["rejected"]) == (1, 1)
    assert "declared per 'liter'" in summary["rejections"][0]["reason"]


def test_impossible_values_and_unknown_products_are_refused_with_their_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, capsys, str(EXAMPLE))[0] == 0
    good = orjson.loads((DATA / "pact-v2-cell-footprint.json").read_bytes())
    bad_date = good | {"created": "2026-02-30T08:00:00Z"}
    negative = good | {"pcf": good["pcf"] | {"pCfExcludingBiogenic": "-5"}}
    elsewhere = good | {"productIds": ["urn:pact:example-cell-works:cell:P811-228"]}
    missing = good | {"productIds": ["https://hdl.handle.net/88.100.1/NO-SUCH"]}
    (tmp_path / "list.json").write_bytes(orjson.dumps({"data": [bad_date, negative, elsewhere, missing]}))
    code, summary = _run(tmp_path, capsys, "--format", "pact", str(tmp_path / "list.json"))
    reasons = {r["source"].rsplit(":", 1)[-1]: r["reason"] for r in summary["rejections"]}
    assert code == 1 and summary["accepted"] == 0
    assert "created: '2026-02-30T08:00:00Z' is not a possible date" in reasons["data[0]"]
    assert reasons["data[1]"] == "pcf.pCfExcludingBiogenic: '-5' is not a possible value"
    assert reasons["data[2]"].startswith("productIds: none names a passport of this node")
    assert reasons["data[3]"] == "productIds: there is no passport 88.100.1/NO-SUCH to feed"


def test_a_passport_without_a_carbon_footprint_is_not_fed() -> None:
    supplied = read(orjson.loads((DATA / "pact-v2-cell-footprint.json").read_bytes()))
    with pytest.raises(DocumentError, match="has no carbon footprint"):
        apply({"id": "x"}, supplied)
    one_stage: dict[str, Any] = {"mainProduction": {"value": 1, "unit": "kgCO2e/kWh"}}
    fed = apply({"id": "x", "carbonFootprint": one_stage}, supplied)
    assert fed["carbonFootprint"] == one_stage | {STAGE: {"value": 29.1, "unit": "kgCO2e/kWh"}}  # no total
