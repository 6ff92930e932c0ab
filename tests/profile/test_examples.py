"""The example passports: every valid one conforms, and every invalid one fails naming exactly
the data point its manifest entry expects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from resolver.errors import LostValue
from resolver.identifiers import parse_identifier
from resolver.validation import prepare_sync, validate_sync
from tests.support.validators import shared_validator

ROOT = Path(__file__).resolve().parents[2]
VALID_DIR = ROOT / "examples" / "valid"
INVALID_DIR = ROOT / "examples" / "invalid"
VALID = sorted(VALID_DIR.glob("*.jsonld"))
MANIFEST: dict[str, dict[str, Any]] = orjson.loads((INVALID_DIR / "manifest.json").read_bytes())


def _load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads(path.read_bytes())
    return doc


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    if isinstance(value, dict):
        out: dict[tuple[Any, ...], Any] = {}
        for key, item in value.items():
            out.update(_leaves(item, (*path, key)))
        return out
    if isinstance(value, list):
        out = {}
        for index, item in enumerate(value):
            out.update(_leaves(item, (*path, index)))
        return out
    return {path: value}


def _changed_places(before: Any, after: Any) -> set[tuple[Any, ...]]:
    a, b = _leaves(before), _leaves(after)
    changed = {p for p in a.keys() | b.keys() if a.get(p, ...) != b.get(p, ...)}
    # A removed object counts once, at the key that was removed.
    return {p[: _first_difference(p, before, after)] for p in changed}


def _first_difference(path: tuple[Any, ...], before: Any, after: Any) -> int:
    for depth, key in enumerate(path, start=1):
        try:
            before, after = before[key], after[key]
        except (KeyError, IndexError, TypeError):
            return depth
    return len(path)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_each_valid_example_conforms_to_the_profile(path: Path) -> None:
    report = validate_sync(path.read_bytes())
    assert report.conforms, orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2).decode()


def test_the_examples_cover_every_category_status_and_identifier_kind() -> None:
    docs = [_load(p) for p in VALID]
    assert len(docs) >= 12
    assert {d["category"] for d in docs} == {"EV", "LMT", "industrial", "stationary"}
    assert {d["status"] for d in docs} == {"original", "repurposed", "re-used", "remanufactured", "waste"}
    assert {d["chemistry"] for d in docs} >= {"NMC811", "LFP", "NCA", "Pb", "NaIon"}
    kinds = {parse_identifier(d["id"]).kind for d in docs}
    prefixes = {parse_identifier(d["id"]).prefix for d in docs}
    assert kinds == {"handle", "gs1"}
    assert "88.100.1" in prefixes and len(prefixes) >= 4
    # An industrial battery without a BMS carries no usage data at all.
    forklift = _load(VALID_DIR / "industrial-forklift-pb-no-bms.jsonld")
    assert not {"cycleCount", "stateOfCharge", "capacityFade", "stateOfCertifiedEnergy"} & forklift.keys()


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_each_example_is_identified_by_the_iri_of_its_identifier(path: Path) -> None:
    doc = _load(path)
    assert parse_identifier(doc["id"]).iri == doc["id"] == doc["passportIdentifier"]


def test_repurposed_and_remanufactured_examples_link_to_example_passports() -> None:
    by_id = {_load(p)["id"]: _load(p) for p in VALID}
    repurposed = _load(VALID_DIR / "stationary-repurposed-from-ev.jsonld")
    remanufactured = _load(VALID_DIR / "ev-remanufactured.jsonld")
    assert [by_id[i]["category"] for i in repurposed["predecessor"]] == ["EV"]
    assert len(remanufactured["predecessor"]) == 2
    assert all(by_id[i]["model"] == remanufactured["model"] for i in remanufactured["predecessor"])


def test_every_invalid_example_is_in_the_manifest_and_there_are_at_least_20() -> None:
    files = {p.name for p in INVALID_DIR.glob("*.jsonld")}
    assert files == set(MANIFEST)
    assert len(files) >= 20


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_invalid_example_changes_one_place_of_a_valid_example(name: str) -> None:
    entry = MANIFEST[name]
    before = _load(ROOT / "examples" / entry["basedOn"])
    after = _load(INVALID_DIR / name)
    # The manifest says when one change shows in more places ("why": the identifier is written twice).
    assert len(_changed_places(before, after)) == entry.get("placesChanged", 1), entry.get("why")


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_each_invalid_example_fails_naming_exactly_its_data_point(name: str) -> None:
    entry = MANIFEST[name]
    report = validate_sync((INVALID_DIR / name).read_bytes())
    severity = entry.get("severity", "Violation")
    # A warning (a data point not to be filled) is reported, and the passport still conforms.
    assert report.conforms == (severity == "Warning")
    assert report.results and {r.severity for r in report.results} == {severity}
    named = [r for r in report.results if (entry["dataPoint"],) == r.data_points]
    assert named == list(report.results), [r.data_points for r in report.results]
    messages = [r.message for r in report.results]
    assert any(entry["messageContains"] in m for m in messages), messages
    assert all(m.startswith("Data point ") for m in messages), messages


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_the_manifest_says_which_invalid_examples_the_strict_reader_refuses(name: str) -> None:
    """A value JSON-LD would drop never reaches SHACL: the write path refuses it as LostValue
    (422), naming the same data point; the manifest marks those entries ``refusedBy: reader``."""
    entry = MANIFEST[name]
    body = (INVALID_DIR / name).read_bytes()
    if entry.get("refusedBy") == "reader":
        with pytest.raises(LostValue) as caught:
            prepare_sync(body)
        assert caught.value.extensions["dataPoints"] == [entry["dataPoint"]]
        assert entry["messageContains"] in caught.value.detail
    else:
        assert not prepare_sync(body).report.conforms or entry.get("severity") == "Warning"


async def test_the_worker_pool_gives_the_same_verdicts_as_in_process_validation() -> None:
    validator = await shared_validator(1)  # a worker pool like any other, started once a process
    for path in VALID[:3]:
        assert (await validator.validate(path.read_bytes())).conforms
    for name in [n for n in sorted(MANIFEST) if "severity" not in MANIFEST[n]][:3]:
        report = await validator.validate((INVALID_DIR / name).read_bytes())
        assert not report.conforms
        assert all(MANIFEST[name]["dataPoint"] in r.data_points for r in report.results)
