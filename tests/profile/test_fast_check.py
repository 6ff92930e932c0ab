"""The fast conformance check (resolver/shacl_core.py) gives pyshacl's verdict: it accepts every
passport pyshacl accepts here and never one that pyshacl reports."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from resolver import jsonld
from resolver.validation import _engine, _SparqlRunner, prepare_sync
from tools import examples

ROOT = Path(__file__).resolve().parents[2]
VALID = sorted((ROOT / "examples" / "valid").glob("*.jsonld"))
INVALID_DIR = ROOT / "examples" / "invalid"
MANIFEST = orjson.loads((INVALID_DIR / "manifest.json").read_bytes())
INVALID = sorted(INVALID_DIR.glob("*.jsonld"))
GENERATED = [orjson.dumps(doc) for doc in examples.generate(40, seed=11)]


def _verdicts(body: bytes) -> tuple[bool, bool]:
    """(fast check, pyshacl) on the same graph."""
    engine = _engine()
    assert engine._core is not None, "the profile's shapes should be within the fast check's reach"
    # The terms the node's fast check gets (jsonld.rdflib_triples: literals as they were read,
    # never rewritten by rdflib), which the rules' direct walks compare as the queries do.
    quads = jsonld.triples_and_quads(jsonld.expand(jsonld.parse_json(body)))[1]
    triples = jsonld.rdflib_triples(quads)
    fast = engine._core.conforms(triples, _SparqlRunner(quads))
    slow = engine.validate_graph(jsonld.graph_of(triples), quads=quads).conforms
    return fast, slow


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_the_fast_check_never_accepts_an_invalid_example(path: Path) -> None:
    fast, slow = _verdicts(path.read_bytes())
    # A warning leaves the passport conforming, but it is a result: the fast check leaves it to pyshacl.
    warning = MANIFEST[path.name].get("severity") == "Warning"
    assert (fast, slow) == (False, warning)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_the_fast_check_accepts_every_valid_example(path: Path) -> None:
    assert _verdicts(path.read_bytes()) == (True, True)


def test_the_fast_check_agrees_with_pyshacl_on_generated_passports() -> None:
    assert [_verdicts(body) for body in GENERATED] == [(True, True)] * len(GENERATED)


def test_a_broken_generated_passport_is_reported_by_pyshacl_with_its_data_point() -> None:
    doc = orjson.loads(GENERATED[0])
    doc["weight"] = {"value": "heavy", "unit": "KGM"}
    fast, slow = _verdicts(orjson.dumps(doc))
    assert (fast, slow) == (False, False)
    report = prepare_sync(orjson.dumps(doc)).report
    assert not report.conforms
    assert [result.data_points for result in report.results] == [(10,)]
