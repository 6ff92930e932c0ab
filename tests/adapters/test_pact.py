"""PACT ProductFootprint v2/v3 to kg CO2e per kWh: each declared unit, and the refusals."""

from __future__ import annotations

from typing import Any

import pytest

from resolver.adapters.pact import footprint_per_kwh
from resolver.errors import DocumentError


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
