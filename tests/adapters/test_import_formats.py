"""`passport-node import --format F`: conversion before validation, unmapped fields in the
summary, impossible values and undecodable input rejected with the reason."""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.adapters.formats import convert, to_utf8
from resolver.errors import DocumentError
from tests.support.cli import passport_node

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
EXAMPLE = ROOT / "examples" / "valid" / "ev-nmc811.jsonld"


def _import(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    store = f"sqlite:///{tmp_path}/p.sqlite3"
    code = passport_node(["import", *args, "--store", store, "--workers", "1", "--json", "--no-progress"])
    return code, json.loads(capsys.readouterr().out)


def test_utf16_and_bom_inputs_are_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    (tmp_path / "utf16.jsonld").write_bytes(text.encode("utf-16"))  # with its byte-order mark
    code, summary = _import(tmp_path, capsys, str(tmp_path / "utf16.jsonld"))
    assert (code, summary["created"]) == (0, 1), summary
    assert to_utf8(codecs.BOM_UTF8 + b"{}") == b"{}"


def test_utf16_without_a_byte_order_mark_is_read() -> None:
    text = '{"a": "é \U0001f50b"}'  # a battery emoji, outside the BMP: a surrogate pair in UTF-16
    for codec in ("utf-16-le", "utf-16-be"):
        assert to_utf8(text.encode(codec)) == text.encode("utf-8")


def test_undecodable_input_is_named(tmp_path: Path) -> None:
    lone_surrogate = b"{\x00\x00\xd8}\x00"
    with pytest.raises(
        DocumentError, match=r"UTF-16 \(little-endian, no byte-order mark\) but not valid UTF-16: byte 2"
    ):
        to_utf8(lone_surrogate)
    with pytest.raises(DocumentError, match=r"not UTF-8 \(nor UTF-16\): byte 1"):
        to_utf8(b"{\xff}")


def test_catenax_import_lists_unmapped_fields_and_rejects_impossible_dates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = orjson.loads((DATA / "catenax-BatteryPass-5.0.0-excerpt.json").read_bytes())
    (tmp_path / "published.json").write_bytes(orjson.dumps(payload))
    payload["operation"]["intoServiceDate"] = "2024-01-31"
    (tmp_path / "fixed.json").write_bytes(orjson.dumps(payload))
    code, summary = _import(
        tmp_path,
        capsys,
        "--format",
        "catenax",
        str(tmp_path / "published.json"),
        str(tmp_path / "fixed.json"),
    )
    assert code == 1
    reasons = {r["source"].rsplit("/", 1)[-1]: r["reason"] for r in summary["rejections"]}
    assert (
        reasons["published.json"]
        == "operation.intoServiceDate: '9169-71-53' is not a possible date (month 71, day 53)"
    )
    assert reasons["fixed.json"].startswith("does not conform")  # the excerpt lacks mandatory points
    unmapped = next(fields for source, fields in summary["unmapped"].items() if source.endswith("fixed.json"))
    assert "identification.idDmc" in unmapped and "operation.intoServiceDate" in unmapped


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(DocumentError, match="unknown format 'xml'"):
        convert("xml", b"{}")


def test_auto_tells_each_format() -> None:
    from resolver.adapters import untp
    from resolver.adapters.formats import detect

    example = orjson.loads(EXAMPLE.read_bytes())
    catenax_payload = orjson.loads((DATA / "catenax-BatteryPass-5.0.0-excerpt.json").read_bytes())
    batterypass_payload = orjson.loads((DATA / "batterypass-general-product-information.json").read_bytes())
    operational = orjson.loads((DATA / "openepcis-battery-product.operational-excerpt.jsonld").read_bytes())
    assert detect(example) == "jsonld"
    assert detect(catenax_payload) == "catenax"
    assert detect(untp.to_credential(example)) == "untp"
    assert detect(operational) == "openepcis"
    assert detect({"submodels": []}) == "aas"
    assert detect(batterypass_payload) == "batterypass"
    utf16 = orjson.dumps(batterypass_payload).decode().encode("utf-16-le")
    assert orjson.loads(convert("auto", utf16).body)["status"] == "re-used"
