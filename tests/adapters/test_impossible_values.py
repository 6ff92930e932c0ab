"""A Catena-X value that is there but is no number (or no text) is refused with its field's
path, never dropped (issue 16: every adapter rejects impossible values with the field's path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from resolver.adapters.formats import convert
from resolver.errors import DocumentError

EXCERPT = Path(__file__).parent / "data" / "catenax-BatteryPass-5.0.0-excerpt.json"


def _payload(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = json.loads(EXCERPT.read_text(encoding="utf-8"))
    operation = doc["operation"]
    assert isinstance(operation, dict)
    operation["intoServiceDate"] = "2026-01-05"  # the published excerpt's own date is impossible
    for dotted, value in changes.items():
        node = doc
        *parents, last = dotted.split("__")
        for key in parents:
            inner = node[key]
            assert isinstance(inner, dict)
            node = inner
        node[last] = value
    return doc


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("characteristics__physicalDimension__weight__value", "heavy",
         "characteristics.physicalDimension.weight.value: 'heavy' is not a number"),
        ("characteristics__physicalDimension__weight__unit", "stone",
         "characteristics.physicalDimension.weight.unit: 'stone' is not a unit of mass"),
        ("performance__rated__capacity__value", "4 Ah",
         "performance.rated.capacity.value: '4 Ah' is not a number"),
        ("performance__rated__temperature__lower", True,
         "performance.rated.temperature.lower: True is not a number"),
    ],
)  # fmt: skip
def test_a_value_that_is_no_number_is_refused_with_its_path(field: str, value: object, message: str) -> None:
    with pytest.raises(DocumentError) as refused:
        convert("catenax", json.dumps(_payload(**{field: value})).encode())
    assert message in refused.value.detail


def test_the_excerpt_with_a_possible_date_converts() -> None:
    assert convert("catenax", json.dumps(_payload()).encode()).body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("identification__chemistry", {"n": 1}, "identification.chemistry: {'n': 1} is not text"),
        ("identification__category", ["SLI"], "identification.category: ['SLI'] is not text"),
        ("sustainability__status", False, "sustainability.status: False is not text"),
    ],
)  # fmt: skip
def test_a_value_that_is_no_text_is_refused_with_its_path(field: str, value: object, message: str) -> None:
    with pytest.raises(DocumentError) as refused:
        convert("catenax", json.dumps(_payload(**{field: value})).encode())
    assert message in refused.value.detail


def test_a_number_where_text_is_read_is_kept_as_its_digits() -> None:
    doc = _payload(identification__identification__type__manufacturerPartId=1230740)
    assert b'"1230740"' in convert("catenax", json.dumps(doc).encode()).body
