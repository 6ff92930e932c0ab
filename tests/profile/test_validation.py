"""Validation and preparation of passports: reports that name data points, the worker pool, and
agreement with plain pyshacl despite the speed-ups."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from rdflib.compare import to_canonical_graph

from resolver import jsonld
from resolver.errors import ContextRefused, InputError, ResolverError
from resolver.tiers import Tier
from resolver.validation import ValidationReport, Validator, prepare_sync, validate_sync
from tests.passport import pyshacl_memo
from tests.support.validators import shared_validator

ROOT = Path(__file__).resolve().parents[2]
VALID = sorted((ROOT / "examples" / "valid").glob("*.jsonld"))
EV = ROOT / "examples" / "valid" / "ev-nmc811.jsonld"
EV_IRI = "https://hdl.handle.net/88.100.1/BAT-EV-000001"


def _ev(**changes: Any) -> bytes:
    doc = orjson.loads(EV.read_bytes())
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return orjson.dumps(doc)


def test_a_complete_ev_passport_is_prepared_with_a_view_per_tier() -> None:
    prepared = prepare_sync(EV.read_bytes(), expected_iri=EV_IRI)
    assert prepared.report == ValidationReport(conforms=True, results=())
    assert prepared.iri == EV_IRI
    assert set(prepared.views) == set(Tier)
    for tier, body in prepared.views.items():
        view = orjson.loads(body)
        assert view["@context"] == jsonld.CONTEXT_URL, tier
        assert view["id"] == EV_IRI
    document = orjson.loads(prepared.document)
    assert document["@context"] == jsonld.CONTEXT_URL
    assert document["stateOfCharge"] == {"value": 64, "unit": "P1"}


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_every_valid_example_conforms(path: Path) -> None:
    report = validate_sync(path.read_bytes())
    assert report.conforms, orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2).decode()


def test_a_wrong_datatype_is_reported_with_its_data_point_and_value() -> None:
    report = validate_sync(_ev(expectedLifetimeCycles="a great many"))
    assert not report.conforms
    matching = [
        r
        for r in report.results
        if r.path == "https://ref.openepcis.io/extensions/eu/battery/expectedNumberOfCycles"
    ]
    assert matching, report.to_json()
    assert all(31 in r.data_points for r in matching)
    assert any(r.value == "a great many" for r in matching)
    assert all(r.severity == "Violation" and r.message for r in matching)
    assert matching[0].focus_node == EV_IRI


def test_a_missing_mandatory_data_point_is_named() -> None:
    report = validate_sync(_ev(ratedCapacity=None))
    assert not report.conforms
    assert any(11 in r.data_points or 25 in r.data_points for r in report.results), report.to_json()


def test_a_passport_without_its_type_is_invalid_not_vacuously_valid() -> None:
    report = validate_sync(_ev(type=None))
    assert not report.conforms
    assert report.results[0].data_points == (1,)
    assert "BatteryPassport" in report.results[0].message


def test_an_invalid_passport_is_prepared_without_views() -> None:
    prepared = prepare_sync(_ev(expectedLifetimeCycles="a great many"))
    assert not prepared.report.conforms
    assert prepared.views == {}
    assert orjson.loads(prepared.document)["id"] == EV_IRI


def test_the_report_json_is_what_a_client_reads() -> None:
    report = validate_sync(_ev(expectedLifetimeCycles="a great many"))
    as_json = report.to_json()
    assert as_json["conforms"] is False
    first = as_json["results"][0]
    assert set(first) == {"focusNode", "path", "dataPoints", "severity", "message", "value"}
    orjson.dumps(as_json)  # JSON-ready


# One data graph per line of stdin (N-Triples, as a JSON string); one verdict line out for each.
_PLAIN = """
import json, sys, pyshacl, rdflib
from rdflib.namespace import SH
shapes = rdflib.Graph()
for path in sys.argv[1:]:
    shapes.parse(path, format="turtle")
for line in sys.stdin:
    data = rdflib.Graph().parse(data=json.loads(line), format="nt")
    conforms, results, _ = pyshacl.validate(data, shacl_graph=shapes)
    print(int(conforms), len(set(results.objects(None, SH.result))))
"""


def _graphs(bodies: list[bytes]) -> list[str]:
    """Each body's graph (jsonld.to_graph's) as the N-Triples stock pyshacl reads: with rdflib's
    canonical blank node labels, in sorted lines, so the same graph is the same text (the memo's key)."""
    out = []
    for body in bodies:
        graph = to_canonical_graph(jsonld.to_graph(jsonld.expand(orjson.loads(body))))
        out.append("".join(sorted(graph.serialize(format="nt").splitlines(keepends=True))))
    return out


def _plain_pyshacl(graphs: list[str]) -> list[tuple[bool, int]]:
    """What stock pyshacl says of each graph, in a fresh interpreter that has none of our
    speed-ups loaded (one for all: each interpreter start and shapes parse costs seconds)."""
    shape_files = [
        str(p)
        for p in sorted((ROOT / "shapes" / "eu-battery").glob("*.ttl"))
        if not p.name.startswith("tier-")
    ]
    done = subprocess.run(
        [sys.executable, "-c", _PLAIN, *shape_files],
        input="".join(orjson.dumps(graph).decode() + "\n" for graph in graphs),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    verdicts = [line.split() for line in done.stdout.splitlines()]
    assert len(verdicts) == len(graphs), done.stderr
    return [(conforms == "1", int(count)) for conforms, count in verdicts]


def _footprint_off() -> bytes:
    doc = orjson.loads(EV.read_bytes())
    doc["carbonFootprint"]["total"]["value"] = 90.0  # the stages add up to 64.0
    return orjson.dumps(doc)


_AGAINST_PLAIN = [
    (EV.read_bytes(), set()),
    (_ev(expectedLifetimeCycles="a great many", ratedCapacity=None), {11, 31}),
    (_footprint_off(), {17}),  # SPARQL constraint
    (_ev(manufacturingDate="2999-01-01"), {9}),  # SPARQL constraint
    (_ev(passportIdentifier="https://hdl.handle.net/88.100.1/SOMEONE-ELSE"), {1}),  # SPARQL
    (_ev(expectedLifetimeCycles=None), {31}),  # required by category (SPARQL)
]


_IDS = ["valid", "datatype-and-missing", "footprint-sum", "future-date", "identifier", "category"]
# Stock pyshacl's verdicts are memoised (tests/passport/pyshacl_memo.py): its run of all six in a
# fresh interpreter was ~7.5 CPU-s, most of it rdflib parsing the SPARQL constraints again for
# each focus node. These are asked of it again on every run: a SPARQL one and a plain one.
_PLAIN_MEMO = Path(__file__).resolve().parent / "data" / "plain-pyshacl-verdicts.json"
_RECHECKED = ("footprint-sum", "datatype-and-missing")
_ABOUT = (
    "Stock pyshacl's (conforms, result count) for test_the_engine_agrees_with_plain_pyshacl in "
    "tests/profile/test_validation.py, keyed by SHA-256(environment digest || N-Triples); see "
    "tests/passport/pyshacl_memo.py. Regenerate with `make differential-memo`."
)


@dataclass(frozen=True)
class Plain:
    verdicts: dict[bytes, tuple[bool, int]]  # by body: the memo's, or afresh where it has none
    rechecked: list[tuple[tuple[bool, int], tuple[bool, int]]]  # (memo, afresh) for _RECHECKED
    missing: int  # verdicts not in the memo


@pytest.fixture(scope="module")
def plain() -> Plain:
    bodies = [body for body, _ in _AGAINST_PLAIN]
    graphs = _graphs(bodies)
    env = pyshacl_memo.environment(code=(_PLAIN,))
    keys = [pyshacl_memo.key(env, graph.encode()) for graph in graphs]
    memo = {} if pyshacl_memo.refreshing() else pyshacl_memo.load_values(_PLAIN_MEMO)
    missing = [i for i, key in enumerate(keys) if key not in memo]
    sample = [_IDS.index(name) for name in _RECHECKED if keys[_IDS.index(name)] in memo]
    asked = [*missing, *sample]
    answers = dict(zip(asked, _plain_pyshacl([graphs[i] for i in asked]), strict=True))
    if pyshacl_memo.refreshing():
        pyshacl_memo.save(env, {keys[i]: answers[i] for i in missing}, _PLAIN_MEMO, _ABOUT)
    verdicts = {
        body: answers[i] if i in missing else (bool(memo[keys[i]][0]), int(memo[keys[i]][1]))
        for i, body in enumerate(bodies)
    }
    return Plain(
        verdicts=verdicts,
        rechecked=[(verdicts[bodies[i]], answers[i]) for i in sample],
        missing=0 if pyshacl_memo.refreshing() else len(missing),
    )


def test_memoised_plain_verdicts_are_stock_pyshacls(plain: Plain) -> None:
    """The sample of the memo, asked again on every run, gets the same verdicts."""
    if pyshacl_memo.refreshing():
        pytest.skip("the memo was just rewritten from verdicts computed afresh")
    assert len(plain.rechecked) == len(_RECHECKED), "run `make differential-memo`"
    assert [memo for memo, _ in plain.rechecked] == [fresh for _, fresh in plain.rechecked]


def test_the_plain_memo_holds_every_verdict(plain: Plain) -> None:
    """A graph, the shapes, the script or a version changed: the verdicts were computed afresh
    (the comparison below used them), but the memo is out of date."""
    assert plain.missing == 0, (
        f"{plain.missing} verdicts not in {_PLAIN_MEMO.name}: run `make differential-memo`"
    )


@pytest.mark.parametrize(
    ("body", "points"),
    _AGAINST_PLAIN,
    ids=_IDS,
)
def test_the_engine_agrees_with_plain_pyshacl(body: bytes, points: set[int], plain: Plain) -> None:
    conforms, count = plain.verdicts[body]
    report = validate_sync(body)
    assert report.conforms == conforms
    assert {p for r in report.results for p in r.data_points} >= points
    # Our report folds results that repeat the same message for the same node and value.
    assert 0 < len(report.results) <= count if not conforms else report.results == ()


async def test_the_worker_pool_prepares_and_carries_errors_across(tmp_path: Path) -> None:
    # The test process's started one-worker pool, the one its in-process nodes validate on
    # (tests/support/validators.py): a pool start is ~1 CPU-s. The tests that break a pool
    # (kill, timeout) start their own.
    validator = await shared_validator(1)
    prepared = await validator.prepare(EV.read_bytes(), expected_iri=EV_IRI)
    assert prepared.report.conforms
    assert set(prepared.views) == set(Tier)
    report = await validator.validate(_ev(expectedLifetimeCycles="a great many"))
    assert not report.conforms
    with pytest.raises(ContextRefused) as caught:
        await validator.prepare(b'{"@context": "https://evil.example/c", "@id": "https://example.org/b"}')
    assert caught.value.problem()["context"] == "https://evil.example/c"
    with pytest.raises(InputError):
        await validator.prepare(EV.read_bytes(), expected_iri="https://hdl.handle.net/88.100.1/OTHER")


async def test_the_event_loop_keeps_running_while_workers_validate() -> None:
    validator = await shared_validator(1)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    task = asyncio.create_task(ticker())
    try:
        await asyncio.gather(*(validator.prepare(EV.read_bytes()) for _ in range(4)))
    finally:
        task.cancel()
    assert ticks > 4


# The two tests that break a pool break the test process's shared one (a pool start is ~1.5 CPU-s,
# and its replacement costs another): each leaves it replaced and working, which it checks.


async def test_a_killed_worker_fails_one_call_and_the_pool_recovers() -> None:
    validator = await shared_validator(1)
    assert (await validator.prepare(EV.read_bytes())).report.conforms  # its workers are up
    pool = validator._pool
    assert pool is not None and pool._processes
    for process in list(pool._processes.values()):
        process.kill()
    with pytest.raises(ResolverError, match="stopped unexpectedly"):
        await validator.prepare(EV.read_bytes())
    assert validator._pool is not pool  # replaced
    prepared = await validator.prepare(EV.read_bytes())
    assert prepared.report.conforms


async def test_a_call_over_the_timeout_is_stopped_and_the_pool_recovers() -> None:
    validator = await shared_validator(1)
    timeout, validator.timeout = validator.timeout, 0.001
    try:
        with pytest.raises(ResolverError, match="longer than"):
            await validator.prepare(EV.read_bytes())
    finally:
        validator.timeout = timeout
    assert (await validator.prepare(EV.read_bytes())).report.conforms


async def test_prepare_before_start_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="start"):
        await Validator(workers=1).prepare(EV.read_bytes())


def test_a_json_number_typed_decimal_becomes_a_well_formed_decimal_literal() -> None:
    doc = {
        "@context": {
            "x": {"@id": "https://example.org/x", "@type": "http://www.w3.org/2001/XMLSchema#decimal"}
        },
        "@id": "https://example.org/b",
        "x": [97.5, 1e-7, 3],
    }
    graph = jsonld.to_graph(jsonld.expand(doc))
    lexicals = sorted(str(o) for o in graph.objects())
    assert lexicals == ["0.0000001", "3", "97.5"]
    assert all(o.ill_typed is False for o in graph.objects())  # type: ignore[attr-defined]


_KILLED_PARENT = """
import asyncio, sys
from resolver.validation import Validator

async def main():
    validator = Validator(workers=1)
    await validator.start()
    print(*validator._pool._processes, flush=True)
    await asyncio.sleep(120)

if __name__ == "__main__":
    asyncio.run(main())
"""


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\\nState:\\tZ" not in status  # a zombie has exited


def test_workers_exit_when_the_node_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "node.py"
    script.write_text(_KILLED_PARENT)
    parent = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert workers and all(_alive(pid) for pid in workers)
    finally:
        parent.kill()
        parent.wait(timeout=30)
        if parent.stdout is not None:
            parent.stdout.close()
    deadline = time.monotonic() + 20
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)
