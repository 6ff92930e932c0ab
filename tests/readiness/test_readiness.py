"""The readiness report per market and date, on the example passports."""

from __future__ import annotations

import datetime
import functools
import json
from pathlib import Path

import pytest

from resolver import jsonld
from resolver.jsontypes import JSONObject
from resolver.readiness.assess import assess
from resolver.readiness.report import Readiness, parse_date
from resolver.tiers import Tier
from resolver.validation import validate_sync

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
D = datetime.date


@functools.cache
def _read(name: str) -> tuple[bytes, list[JSONObject]]:
    body = (EXAMPLES / name).read_bytes()
    return body, jsonld.expand(jsonld.parse_json(body))


def report(
    name: str, market: str, on: D, visible: Tier = Tier.AUTHORITY, body: bytes | None = None
) -> Readiness:
    original, expanded = _read(name)
    if body is not None:
        expanded = jsonld.expand(jsonld.parse_json(body))
    return assess(market, expanded, validate_sync(body or original), on, visible=visible)


def line(readiness: Readiness, key: str) -> tuple[str, str | None, str]:
    found = next(x for x in readiness.lines if x.key == key)
    return found.status, found.due, found.reason


def test_a_complete_ev_passport_is_ready_when_the_passport_becomes_mandatory() -> None:
    r = report("valid/ev-nmc811.jsonld", "eu", D(2027, 2, 18))
    assert r.ready and r.category == "EV"
    assert line(r, "dp1")[0] == "valid"
    assert {x.key for x in r.lines if x.key.startswith("dp")} == {f"dp{n}" for n in range(1, 72)}
    assert line(r, "dp19")[:2] == ("later", "set by an act not yet adopted")  # pending in the guidance
    assert line(r, "dp62")[0] == "not-applicable"  # EV: remaining capacity is not to be filled
    every = {x.key: x for x in r.lines}
    assert every["dp10"].source == "BR Annex VI A (5)" and every["dp10"].tier == "public"
    assert every["dp50"].tier == "authority"


def test_a_missing_mandatory_point_is_missing_from_the_date_and_later_before() -> None:
    body = (EXAMPLES / "invalid/missing-weight.jsonld").read_bytes()
    on_time = report("invalid/missing-weight.jsonld", "eu", D(2027, 2, 18), body=body)
    assert line(on_time, "dp10")[0] == "missing" and not on_time.ready
    early = report("invalid/missing-weight.jsonld", "eu", D(2026, 11, 30), body=body)
    assert line(early, "dp10")[:2] == ("later", "2027-02-18")


def test_a_present_point_that_breaks_a_rule_fails_with_the_reason() -> None:
    r = report("invalid/recycled-cobalt-over-100.jsonld", "eu", D(2027, 3, 1))
    status, _, reason = line(r, "dp20")
    assert status == "failing" and "the value given is not" in reason


@pytest.mark.parametrize(
    ("on", "lithium_2031", "lithium_2036"),
    [
        (D(2027, 2, 18), "later", "later"),
        (D(2031, 8, 17), "later", "later"),
        (D(2031, 8, 18), "failing", "later"),  # 4 % declared, 6 % required from 18 August 2031
        (D(2036, 8, 18), "failing", "failing"),
    ],
)
def test_article_8_minimums_apply_from_their_dates(on: D, lithium_2031: str, lithium_2036: str) -> None:
    r = report("valid/ev-lfp.jsonld", "eu", on)
    assert line(r, "art8-lithium-2031")[0] == lithium_2031
    assert line(r, "art8-lithium-2036")[0] == lithium_2036
    assert line(r, "art8-cobalt-2031")[0] == "not-applicable"  # LFP holds no cobalt


def test_nmc_meets_2031_but_not_2036() -> None:
    r = report("valid/ev-nmc811.jsonld", "eu", D(2036, 9, 1))
    assert line(r, "art8-cobalt-2031") == ("valid", None, "declared 16 %")
    status, _, reason = line(r, "art8-cobalt-2036")
    assert status == "failing" and "below 26 %" in reason
    assert line(r, "art8-lead-2036")[0] == "not-applicable"
    early = report("valid/ev-nmc811.jsonld", "eu", D(2030, 1, 1))
    assert line(early, "art8-nickel-2036")[1] == "2036-08-18"


def test_points_above_the_view_read_are_hidden_not_missing() -> None:
    name = "invalid/missing-dismantling-documents.jsonld"  # data point 48, legitimate interest
    assert line(report(name, "eu", D(2027, 3, 1)), "dp48")[0] == "missing"
    public = report(name, "eu", D(2027, 3, 1), visible=Tier.PUBLIC)
    assert line(public, "dp48") == ("hidden", None, "not in the public view read")
    cathode = report("invalid/missing-cathode-material.jsonld", "eu", D(2027, 3, 1))
    assert line(cathode, "dp45")[0] == "failing"  # anode and electrolyte given, cathode not


def test_cn_market_reads_the_platform_items() -> None:
    r = report("valid/ev-lfp.jsonld", "cn", D(2027, 2, 18))
    assert line(r, "cn-code")[0] == "missing"  # a GS1 identifier, no GB/T 34014 code
    assert line(r, "cn-capacity")[0] == "valid"
    assert line(r, "cn-vin")[0] == "conditional"
    assert line(r, "cn-code")[0] == "missing" and not r.ready
    assert line(report("valid/ev-lfp.jsonld", "cn", D(2018, 1, 1)), "cn-code")[:2] == ("later", "2018-08-01")


def test_cn_market_takes_the_code_from_the_identifier() -> None:
    body, _ = _read("valid/ev-nmc811.jsonld")
    code = "04QCE32A0001JBL7B0000123"
    renamed = body.replace(b"BAT-EV-000001", code.encode())
    r = report("valid/ev-nmc811.jsonld", "cn", D(2027, 2, 18), body=renamed)
    assert line(r, "cn-code")[0] == "valid" and code in line(r, "cn-code")[2]
    assert r.ready


def test_gba_market_lists_the_public_indicators() -> None:
    r = report("valid/ev-nmc811.jsonld", "gba", D(2027, 2, 18))
    assert [x.key for x in r.lines] == ["gba-ghg", "gba-child-labour", "gba-human-rights"]
    assert line(r, "gba-ghg")[0] == "valid"


def test_renderings() -> None:
    r = report("invalid/missing-weight.jsonld", "eu", D(2027, 2, 18))
    data = json.loads(json.dumps(r.to_json()))
    assert data["ready"] is False and data["counts"]["missing"] >= 1 and data["on"] == "2027-02-18"
    table = r.to_table()
    assert "NOT ready" in table and "dp10" in table and "BR Annex VI A (5)" in table
    page = r.to_html()
    assert page.startswith("<!doctype html>") and '<tr class="missing"><td>dp10</td>' in page


def test_dates() -> None:
    today = D(2026, 11, 30)
    assert parse_date(None, today) == today
    assert parse_date("2027-02", today) == D(2027, 2, 1)
    with pytest.raises(ValueError, match="not a date"):
        parse_date("1538-20-83", today)
