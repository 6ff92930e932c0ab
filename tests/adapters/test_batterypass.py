"""Battery Pass consortium payloads (GeneralProductInformation aspect, 1.2/1.3): read in UTF-8
and UTF-16 with or without a byte-order mark; the month and year the guidance asks for is kept;
impossible dates are refused with their path; what is not mapped is listed."""

from __future__ import annotations

import codecs
import copy
import json
import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver import jsonld
from resolver.adapters import batterypass
from resolver.adapters.formats import convert
from resolver.errors import DocumentError
from tests.support.cli import passport_node

ITEM = "https://id.gs1.org/01/09521234000013/21/BP-0001"
# Field names from the consortium's GeneralProductInformation aspect; the values are our own.
PAYLOAD: dict[str, Any] = orjson.loads(
    (Path(__file__).parent / "data" / "batterypass-general-product-information.json").read_bytes()
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_every_encoding_reads_the_same_passport(encoding: str) -> None:
    text = orjson.dumps(PAYLOAD).decode() + "\n"
    data = text.encode(encoding)
    if encoding == "utf-16":
        assert data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    converted = convert("batterypass", data)
    doc = orjson.loads(converted.body)
    assert doc["id"] == ITEM and doc["status"] == "re-used" and doc["category"] == "industrial"
    assert doc["manufacturingDate"] == {"@value": "2026-03", "@type": "xsd:gYearMonth"}
    assert doc["weight"] == {"value": 125.5, "unit": "KGM"}
    assert doc["operator"]["operatorIdentifier"] == "DE123456789"
    assert doc["manufacturingPlace"] == {"address": PAYLOAD["manufacturingPlace"]}
    assert set(converted.unmapped) == {
        "puttingIntoService",
        "warrentyPeriod",
        "manufacturerInformation.identifier",
    }
    expanded = jsonld.expand(doc)  # every term is one of our context's
    gym = "http://www.w3.org/2001/XMLSchema#gYearMonth"
    assert any(value.get("@type") == gym for node in expanded for values in node.values()
               if isinstance(values, list) for value in values if isinstance(value, dict))  # fmt: skip


def test_an_aspect_under_its_key_reads_and_the_other_aspects_are_listed() -> None:
    payload = {"generalProductInformation": PAYLOAD, "batteryTrace": {"trace": 64.0}}
    converted = batterypass.convert_with_notes(payload)
    assert converted.document["id"] == ITEM
    assert "batteryTrace.trace" in converted.unmapped
    assert "generalProductInformation.puttingIntoService" in converted.unmapped


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("manufacturingDate", "1538-20-83", r"is not a possible date \(month 20, day 83\)$"),
        ("manufacturingDate", "2026-00", r"is not a possible month and year \(month 0\)$"),
        ("puttingIntoService", "2026-02-30T00:00:00Z", r"is not a possible date \(month 2, day 30\)$"),
    ],
)
def test_impossible_dates_are_refused_with_their_path(field: str, value: str, reason: str) -> None:
    message = f"^{field}: '{re.escape(value)}' {reason}"
    payload = copy.deepcopy(PAYLOAD)
    payload[field] = value
    with pytest.raises(DocumentError, match=message):
        batterypass.convert_with_notes(payload)
    with pytest.raises(DocumentError, match=message.replace("^", "^generalProductInformation\\.")):
        batterypass.convert_with_notes({"generalProductInformation": payload})


def test_other_payloads_are_refused() -> None:
    with pytest.raises(DocumentError, match="not a Battery Pass payload"):
        batterypass.convert_with_notes({"specVersion": "urn:io.catenax.battery.battery_pass:6.1.0"})
    assert batterypass.is_batterypass(PAYLOAD) and not batterypass.is_batterypass({"a": 1})


def test_import_reads_a_pretty_printed_utf16_file_without_a_byte_order_mark(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps(PAYLOAD, indent=2, ensure_ascii=False)  # several lines
    (tmp_path / "bp.json").write_bytes(text.encode("utf-16-le"))
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    code = passport_node(["import", "--format", "batterypass", str(tmp_path / "bp.json"), "--store", store,
                         "--workers", "1", "--json", "--no-progress"])  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    # one passport, read and converted; it lacks mandatory points, so validation names them
    assert (code, summary["rejected"], summary["accepted"]) == (1, 1, 0), summary
    assert summary["rejections"][0]["reason"].startswith("does not conform"), summary
    assert set(next(iter(summary["unmapped"].values()))) >= {"puttingIntoService", "warrentyPeriod"}
