"""The readiness of a cn-battery passport: judged by the cn-battery shapes, and for the EU and
GBA markets read through the cn -> eu mapping (docs/cn-profile.md)."""

from __future__ import annotations

import datetime
from pathlib import Path

import orjson

from resolver import jsonld
from resolver.readiness.assess import assess
from resolver.readiness.report import Readiness
from resolver.validation import validate_sync

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "cn-battery" / "pack-lfp.jsonld"
ON = datetime.date(2027, 3, 1)
CN = "cn-battery"


def report(market: str, **changes: object) -> Readiness:
    doc = orjson.loads(EXAMPLE.read_bytes())
    doc.update(changes)
    body = orjson.dumps(doc)
    expanded = jsonld.expand(jsonld.parse_json(body))
    return assess(market, expanded, validate_sync(body, profile=CN), ON, profile=CN)


def status(readiness: Readiness, key: str) -> tuple[str, str]:
    found = next(x for x in readiness.lines if x.key == key)
    return found.status, found.reason


def test_a_cn_passport_is_ready_for_china_when_its_shapes_pass() -> None:
    r = report("cn")
    assert r.ready and r.profile == CN and not r.translated
    assert {x.status for x in r.lines} == {"valid"}


def test_a_cn_line_fails_with_the_cn_shapes_reason() -> None:
    r = report("cn", mass={"value": -1, "unit": "KGM"})
    assert status(r, "cn-mass") == (
        "failing",
        "cn-mass (mass) must be a quantity with one number and the unit KGM",
    )
    assert status(r, "cn-capacity")[0] == "valid" and not r.ready


def test_the_eu_report_reads_a_cn_passport_through_the_mapping() -> None:
    r = report("eu")
    assert r.translated and r.category == "EV"  # a GB/T 34014 traction battery
    assert status(r, "dp1")[0] == "valid"  # the identifier
    assert status(r, "dp7")[0] == "valid"  # the code, as the serial number
    assert status(r, "dp12")[0] == "valid"  # battery type B (LFP) -> LiIonLFP
    assert status(r, "dp10")[0] == "valid"  # mass: a shared IRI, no translation
    assert status(r, "art8-cobalt-2031")[0] == "not-applicable"  # LFP holds no cobalt
    assert status(r, "dp13")[0] == "missing" and not r.ready  # China does not ask for it
    assert "read through the cn-battery to eu-battery mapping" in r.to_table()


def test_a_cn_violation_fails_the_eu_data_point_it_maps_to() -> None:
    r = report("eu", mass={"value": -1, "unit": "KGM"}, batteryType="supercapacitor")
    assert status(r, "dp10") == (
        "failing",
        "cn-mass (mass) must be a quantity with one number and the unit KGM",
    )
    assert status(r, "dp12")[0] == "missing"  # a supercapacitor has no eu-battery chemistry


def test_the_json_report_names_the_profile() -> None:
    data = report("gba").to_json()
    assert data["profile"] == CN and data["mapped"] is True and data["market"] == "gba"
