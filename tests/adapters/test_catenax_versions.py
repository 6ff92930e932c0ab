"""Catena-X BatteryPass 5.0.0/6.0.0/6.1.0: the version from the shape, impossible dates refused
with their path, every unmapped field listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.adapters import catenax
from resolver.errors import DocumentError

DATA = Path(__file__).parent / "data"


def _v5() -> dict[str, Any]:
    payload: dict[str, Any] = orjson.loads((DATA / "catenax-BatteryPass-5.0.0-excerpt.json").read_bytes())
    return payload


def test_the_published_5_0_0_example_is_refused_naming_its_impossible_date() -> None:
    assert catenax.detect_version(_v5()) == "5.0.0"
    with pytest.raises(
        DocumentError, match=r"^operation\.intoServiceDate: '9169-71-53' is not a possible date"
    ):
        catenax.convert(_v5())


def test_a_5_0_0_payload_converts_and_lists_what_it_did_not_map() -> None:
    payload = _v5()
    payload["operation"]["intoServiceDate"] = "2024-02-29"
    converted = catenax.convert_with_notes(payload)
    assert converted.version == "5.0.0"
    document = converted.document
    assert document["id"] == "urn:uuid:550e8400-e29b-41d4-a716-446655440000"
    assert document["sparePartNumbers"] == ["123-0.740-3434-A"]  # 5.0.0 keeps them under spareParts
    assert document["nominalVoltage"] == {"value": 3.7, "unit": "VLT"}
    unmapped = set(converted.unmapped)
    # Read but not ours to keep, so named: nothing is dropped silently.
    assert {
        "operation.intoServiceDate",
        "identification.idDmc",
        "characteristics.warranty.lifeValue",
    } <= unmapped
    assert "metadata.passportIdentifier" not in unmapped and "identification.chemistry" not in unmapped


def test_without_spec_version_a_6_x_shape_is_6_0_0() -> None:
    payload: dict[str, object] = {
        "metadata": {},
        "identification": {},
        "performance": {},
        "handling": {"content": {}},
    }
    assert catenax.detect_version(payload) == "6.0.0"
    assert catenax.detect_version({"metadata": {}}) is None
    assert catenax.detect_version({"specVersion": "urn:io.catenax.battery.battery_pass:6.1.0"}) == "6.1.0"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("1538-20-83", "is not a possible date"),
        ("31/01/2024", "is not a date"),
        ("2023-02-29", "is not a possible date \\(month 2, day 29\\)"),
    ],
)
def test_impossible_dates_are_refused_with_their_path(value: str, says: str) -> None:
    payload = _v5()
    payload["operation"]["intoServiceDate"] = "2024-01-01"
    payload["operation"]["manufacturer"]["manufacturingDate"] = value
    with pytest.raises(DocumentError, match=f"operation.manufacturer.manufacturingDate: '{value}' {says}"):
        catenax.convert(payload)
