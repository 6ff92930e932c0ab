"""Plausibility rules and messages of the eu-battery shapes (issue 8, part 3), as `validate` reports
them: each names one data point, says whether a value is missing or wrong, and the fast check
gives pyshacl's verdict."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson

from resolver import jsonld
from resolver.validation import _engine, _SparqlRunner, prepare_sync, validate_sync

VALID = Path(__file__).resolve().parents[2] / "examples" / "valid"


def _doc(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads((VALID / name).read_bytes())
    return doc


def _both_verdicts(doc: dict[str, Any]) -> tuple[bool, bool]:
    engine = _engine()
    assert engine._core is not None
    triples, quads = jsonld.triples_and_quads(jsonld.expand(doc))
    fast = engine._core.conforms(triples, _SparqlRunner(quads))
    slow = engine.validate_graph(jsonld.graph_of(triples), quads=quads).conforms
    return fast, slow


def test_a_manufacturing_month_given_as_gyearmonth_is_accepted_by_both_checks() -> None:
    doc = _doc("ev-nmc811.jsonld")
    doc["manufacturingDate"] = {"@value": "2026-03", "@type": "xsd:gYearMonth"}
    assert validate_sync(orjson.dumps(doc)).conforms
    assert _both_verdicts(doc) == (True, True)


def test_a_plain_month_is_an_ill_typed_date_and_names_data_point_9() -> None:
    doc = _doc("ev-nmc811.jsonld")
    doc["manufacturingDate"] = "2026-03"  # the context makes it "2026-03"^^xsd:date
    report = validate_sync(orjson.dumps(doc))
    assert not report.conforms
    assert {r.data_points for r in report.results} == {(9,)}
    assert any("xsd:gYearMonth" in r.message for r in report.results)


def test_a_month_in_the_future_is_refused() -> None:
    doc = _doc("ev-nmc811.jsonld")
    doc["manufacturingDate"] = {"@value": "2999-03", "@type": "xsd:gYearMonth"}
    report = validate_sync(orjson.dumps(doc))
    assert [r.message for r in report.results] == [
        "Data point 9 (date of manufacturing): 2999-03 is in the future"
    ]


def test_a_missing_rated_capacity_names_data_point_11_alone() -> None:
    doc = _doc("ev-nmc811.jsonld")
    del doc["ratedCapacity"]
    report = validate_sync(orjson.dumps(doc))
    assert [r.data_points for r in report.results] == [(11,)]
    assert report.results[0].message.startswith("Data point 11 (rated capacity): required")


def test_a_value_that_is_present_but_out_of_range_is_not_called_missing() -> None:
    doc = _doc("ev-nmc811.jsonld")
    doc["renewableContentShare"] = 140.0
    report = validate_sync(orjson.dumps(doc))
    messages = [r.message for r in report.results]
    assert messages == [
        "Data point 24 (renewable content share): the value given is not a percentage between 0 and 100"
    ]
    del doc["renewableContentShare"]
    missing = validate_sync(orjson.dumps(doc))
    assert [r.message.split(":")[1].strip().split(",")[0] for r in missing.results] == ["required"]


def test_valid_gtins_of_8_13_and_14_digits_pass_the_check_digit_rule() -> None:
    for gtin in ("96385074", "4006381333931", "09521234010012"):
        doc = _doc("ev-lfp.jsonld")
        doc["id"] = doc["passportIdentifier"] = f"https://id.gs1.org/01/{gtin}/21/LFP-2026-000042"
        assert validate_sync(orjson.dumps(doc)).conforms, gtin


def test_a_handle_with_a_01_segment_is_not_read_as_a_gtin() -> None:
    doc = _doc("ev-nmc811.jsonld")
    doc["id"] = doc["passportIdentifier"] = "https://hdl.handle.net/88.100.1/01/12345670"
    assert validate_sync(orjson.dumps(doc)).conforms


def test_a_remaining_power_in_percent_above_100_is_refused_naming_data_point_63() -> None:
    doc = _doc("lmt-ebike.jsonld")
    doc["remainingPowerCapability"] = {"value": 101, "unit": "P1"}
    report = validate_sync(orjson.dumps(doc))
    assert [(r.data_points, r.message) for r in report.results] == [
        (
            (63,),
            "Data point 63 (remaining power capability): 101 % is out of range: "
            "a percentage is between 0 and 100",
        )
    ]


def test_a_passport_with_a_warning_is_prepared_with_its_views() -> None:
    doc = _doc("ev-nmc811.jsonld")
    doc["remainingCapacity"] = {"value": 220, "unit": "AMH"}
    prepared = prepare_sync(orjson.dumps(doc))
    assert prepared.report.conforms and prepared.views
    assert [(r.severity, r.data_points) for r in prepared.report.results] == [("Warning", (62,))]


def test_an_event_an_hour_ago_written_with_a_positive_offset_is_not_in_the_future() -> None:
    # Its clock time is ahead of UTC: only a comparison as times (not as text) sees it is past.
    zone = dt.timezone(dt.timedelta(hours=5))
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).astimezone(zone).replace(microsecond=0)
    doc = _doc("ev-nmc811-second.jsonld")
    doc["negativeEvents"][0]["eventDate"] = when.isoformat()
    assert validate_sync(orjson.dumps(doc)).conforms
    doc["negativeEvents"][0]["eventDate"] = (when + dt.timedelta(hours=2)).isoformat()
    report = validate_sync(orjson.dumps(doc))
    assert [r.data_points for r in report.results] == [(69,)]
    assert report.results[0].message.endswith("is in the future")
