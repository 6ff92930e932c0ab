"""The cn-battery profile in process: its example conforms, bad data points are named, tiers
filter its views, its code pattern agrees with the GB/T 34014 parser, and the configuration
chooses it per prefix (refusing an unknown profile by its key)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from rdflib.namespace import SH

from resolver import jsonld
from resolver.cn.gbt34014 import parse_code
from resolver.config import ConfigError, default_config, load_config
from resolver.errors import InvalidIdentifier
from resolver.profile import Profile
from resolver.readiness.assess import assess
from resolver.tiers import Tier
from resolver.validation import pipeline
from tests.cn.test_gbt34014 import codes

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "cn-battery" / "pack-lfp.jsonld"
CN = "cn-battery"
BAD_VIN = "cn-vin (vehicle identification number) must be"
VIN = "https://w3id.org/battery-passport/cn-battery#vehicleIdentificationNumber"


def _example(**changes: object) -> dict[str, object]:
    doc: dict[str, object] = orjson.loads(EXAMPLE.read_bytes())
    for key, value in changes.items():
        if value is None:
            del doc[key]
        else:
            doc[key] = value
    return doc


def _messages(doc: dict[str, object]) -> list[str]:
    report = pipeline.validate_sync(orjson.dumps(doc), profile=CN)
    assert not report.conforms
    return [r.message for r in report.results]


def test_the_example_conforms_and_keeps_its_context() -> None:
    prepared = pipeline.prepare_sync(EXAMPLE.read_bytes(), profile=CN)
    assert prepared.report.conforms, prepared.report.results
    served = orjson.loads(prepared.views[Tier.PUBLIC])
    assert served["@context"] == "https://w3id.org/battery-passport/cn-battery/v1"
    assert served["batteryCode"] == "X9KPB1ANB51234T3E0000042"


def test_tiers_filter_a_cn_passport() -> None:
    prepared = pipeline.prepare_sync(EXAMPLE.read_bytes(), profile=CN)
    views = {tier: orjson.loads(view) for tier, view in prepared.views.items()}
    for tier in (Tier.PUBLIC, Tier.LEGITIMATE_INTEREST):
        assert "vehicleIdentificationNumber" not in views[tier]
        assert "transferEvents" not in views[tier]
        assert views[tier]["mass"] == {"value": 412.5, "unit": "KGM"}
    authority = views[Tier.AUTHORITY]
    assert authority["vehicleIdentificationNumber"] == "LFV2A21K5N3000042"
    assert [e["transferKind"] for e in authority["transferEvents"]] == ["sold", "installed"]
    assert Profile.load(name=CN).tier_of(VIN) == Tier.AUTHORITY


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"batteryCode": "X9KXB1ANB51234T3E0000042"}, "cn-code (GB/T 34014 battery code) must be"),
        ({"batteryCode": None}, "cn-code (GB/T 34014 battery code) is required"),
        ({"mass": None}, "cn-mass (mass) is required"),
        ({"ratedVoltage": {"value": 358.4, "unit": "AMH"}}, "cn-voltage (rated voltage) must be"),
        ({"vehicleIdentificationNumber": "LFV2A21K5N300004I"}, BAD_VIN),
        ({"vehicleIdentificationNumber": "LFV2A21K5N30042"}, BAD_VIN),
        ({"transferEvents": [{"transferKind": "sold", "transferDate": "2026-04-02"}]}, "cn-transfers"),
    ],
)
def test_a_bad_data_point_is_named(changes: dict[str, object], named: str) -> None:
    assert any(m.startswith(named) for m in _messages(_example(**changes)))


def test_an_unknown_transfer_kind_is_refused_with_the_kinds() -> None:
    party = {"organizationName": "X"}
    event = {"transferKind": "stolen", "transferDate": "2026-04-02", "receivingParty": party}
    messages = _messages(_example(transferEvents=[event]))
    assert "'stolen' is not one of sold, installed, repaired, retired, recycled" in messages[0]


def test_a_term_of_another_profile_is_refused_naming_the_cn_context() -> None:
    messages = _messages(_example(weight={"value": 1.0, "unit": "KGM"}))
    assert "not defined by the cn-battery context" in messages[0]


def _code_pattern() -> re.Pattern[str]:
    shapes = Profile.load(name=CN).shapes
    patterns = [str(p) for p in shapes.objects(None, SH.pattern) if str(p).startswith("^[0-9A-Z]{3}")]
    assert len(patterns) == 1
    return re.compile(patterns[0])


@given(codes)
def test_the_shape_accepts_every_code_the_parser_accepts(text: str) -> None:
    assert _code_pattern().fullmatch(text)


@pytest.mark.parametrize(
    "text", ["X9KXB1ANB51234T3E0000042", "X9KPH1ANB51234T3E0000042", "X9KPB1ANB51234T3E000004"]
)
def test_the_shape_refuses_codes_the_parser_refuses(text: str) -> None:
    with pytest.raises(InvalidIdentifier):
        parse_code(text)
    assert not _code_pattern().fullmatch(text)


def test_the_configuration_chooses_the_profile_per_prefix(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text('prefixes = ["88.100.1", "88.300.1"]\n[profiles]\n"88.300.1" = "cn-battery"\n')
    config = load_config(path)
    assert config.profile_for("88.300.1") == CN
    assert config.profile_for("88.100.1") == "eu-battery"


def test_an_unknown_profile_is_refused_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text('prefixes = ["88.300.1"]\n[profiles]\n"88.300.1" = "jp-battery"\n')
    with pytest.raises(ConfigError, match=r"'profiles\.\"88\.300\.1\"' is 'jp-battery', not a known profile"):
        load_config(path)


def test_a_profile_for_a_prefix_the_node_does_not_hold_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"'profiles\.\"88\.999\"' names a prefix the node does not hold"):
        default_config(profiles={"88.999": CN})


def test_the_cn_readiness_lines_read_a_cn_passport() -> None:
    body = EXAMPLE.read_bytes()
    expanded = jsonld.expand(jsonld.parse_json(body))
    readiness = assess("cn", expanded, pipeline.validate_sync(body, profile=CN), datetime.date(2027, 2, 18))
    assert {line.key: line.status for line in readiness.lines} == dict.fromkeys(
        [
            "cn-code",
            "cn-maker",
            "cn-date",
            "cn-type",
            "cn-capacity",
            "cn-voltage",
            "cn-mass",
            "cn-vin",
            "cn-transfers",
        ],
        "valid",
    )
    assert readiness.ready
