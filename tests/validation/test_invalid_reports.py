"""The engine's reports for invalid passports, where pyshacl runs only the (shape, focus node)
pairs the fast check could not clear (shacl_core.CoreChecker.diagnose), equal pyshacl's whole
run result for result: on a few hundred mutants of the examples (the differential test's
generator), one by one and in batches (Engine.validate_many), with and without the worker
speed-ups. Each mode runs in a spawned process: the speed-ups patch pyshacl process-wide.

Without the speed-ups (stock), the engine takes the paths of a process where they are not
installed (worker_patches.installed() is False: SPARQL constraints on rdflib, passports one by
one), with the one change the differential test's reference makes (tests/passport/reference.py):
rdflib keeps each parsed query text. Its pyparsing parse of the same few query texts, again for
each focus node, was ~90 % of the stock mode's CPU; rdflib still evaluates every query, and the
parsed query is the one ``prepareQuery`` returns, so no verdict or error changes.

The whole run's reports (the reference, ~half of each mode's CPU) are memoised like stock
pyshacl's verdicts (tests/passport/pyshacl_memo.py), one file per mode: keyed by the versions,
the profile's files, the code of the whole run (engine, report, patches, the functions of
jsonld that make its rdflib graph, the profile) and the passport's canonical N-Quads. The
passports are validated as the write path validates them, canonically labelled, so a report
names the same blank nodes on every run. A fixed sample is asked of the whole run again on
every run; a report the memo lacks is computed afresh and fails a test until
``make differential-memo`` rewrites the memo."""

from __future__ import annotations

import concurrent.futures
import hashlib
import multiprocessing
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import orjson
import pyoxigraph
import pytest

from resolver import jsonld
from resolver import profile as profile_module
from resolver.errors import ResolverError
from resolver.passport import canonical, graph, read
from resolver.passport.graph import Statement
from resolver.passport.vocabulary import ProfileVocabulary
from resolver.profile import PROFILE_ROOT, Profile
from resolver.validation import engine as engine_module
from resolver.validation import report as report_module
from resolver.validation import worker_patches
from resolver.validation.engine import Engine
from resolver.validation.report import ReportJSON, ValidationReport
from tests.passport import pyshacl_memo
from tests.passport.forms import EXAMPLES
from tests.passport.test_differential import _distinct_mutants

_SEED = 20261201
_MUTANTS = 240
_STOCK_MUTANTS = 12  # stock pyshacl runs SPARQL on rdflib: ~10 times slower (~1.5 CPU-s each)
_BATCH = 25
# Memoised whole-run reports asked again on every run, by mode (a stock whole run is ~10 times dearer).
_RECHECKED = {True: 8, False: 2}
_ABOUT = (
    "The engine's whole-run reports (pyshacl's whole run, report_of) for "
    "tests/validation/test_invalid_reports.py, keyed by SHA-256(environment digest || root and "
    "canonical N-Quads); see tests/passport/pyshacl_memo.py. Regenerate with `make differential-memo`."
)


def _mutants(count: int) -> list[bytes]:
    originals = [orjson.loads(path.read_bytes()) for path in EXAMPLES]
    return _distinct_mutants(originals, random.Random(_SEED), count)


@dataclass(frozen=True)
class Compared:
    read_in: int  # passports read
    invalid: int  # of which the whole run refuses
    mismatches: list[str]  # the engine's reports (single, batched) against the whole run's
    rechecked: list[tuple[object, object]]  # (memo, afresh) for the sample of memoised reports
    missing: int  # whole-run reports not in the memo
    fresh: dict[str, object]  # the reports computed afresh, by key (for a refresh)


def _memo_path(speedups: bool) -> Path:
    return (
        Path(__file__).resolve().parent
        / "data"
        / f"whole-run-reports-{'speedups' if speedups else 'stock'}.json"
    )


def _environment(speedups: bool) -> dict[str, str]:
    """What the whole run's report depends on besides the passport (pyshacl_memo.environment,
    with this mode's code and the profile's vocabulary)."""
    # Of resolver/jsonld.py, the functions that give pyshacl the passport (not the whole module,
    # whose reading the canonical N-Quads of the key cover).
    readers = (jsonld.rdflib_triples, jsonld._node, jsonld._exact, jsonld.graph_of, jsonld._fill_memory)
    code: list[object] = [engine_module, report_module, *readers, profile_module, _outcome, _whole]
    if speedups:
        code.append(worker_patches)
    else:
        code.append(worker_patches._cache_sparql_queries)
    vocab = hashlib.sha256()
    for path in sorted((PROFILE_ROOT / "vocab" / "eu-battery").glob("*")):
        if not path.is_file():  # a __pycache__ of parsed graphs (resolver/profile.py)
            continue
        vocab.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    env = pyshacl_memo.environment(code=code)
    return {**env, "vocab": vocab.hexdigest(), "mode": "speedups" if speedups else "stock"}


def _whole(whole: Engine, triples: Sequence[Statement], root: pyoxigraph.NamedNode) -> object:
    """The whole run's outcome as the memo keeps it (a report's JSON, or the error's text)."""
    found = _outcome(whole, triples, root)
    return found if isinstance(found, str) else found.to_json()


def _from_memo(value: object) -> ValidationReport | str:
    if isinstance(value, str):
        return value
    assert isinstance(value, dict)
    return ValidationReport.from_json(cast(ReportJSON, value))


def _compare(bodies: list[bytes], speedups: bool) -> Compared:
    """The engine against pyshacl's whole run (memoised but for a sample)."""
    if not speedups:
        worker_patches._cache_sparql_queries()  # rdflib's parse only (see the module's docstring)
        assert not worker_patches.installed()
    profile = Profile.load(name="eu-battery")
    vocabulary = ProfileVocabulary(profile, jsonld.context_terms(profile.context_url))
    engine = Engine(profile, speedups=speedups)
    assert engine.runs_pairs  # else this compares the whole run with itself
    whole = Engine(profile, speedups=speedups, fast=False)
    passports = []
    keys = []
    env = _environment(speedups)
    for body in bodies:
        try:
            triples = read.read_triples(body, "application/ld+json", vocabulary, profile.context_url)
            root = graph.find_root(triples, None)
        except ResolverError:
            continue
        labelled, lines = canonical.canonical_form(triples)  # as the write path validates them
        passports.append((labelled, root))
        keys.append(pyshacl_memo.key(env, str(root).encode() + b"\n" + b"".join(lines)))
    memo = {} if pyshacl_memo.refreshing() else pyshacl_memo.load_values(_memo_path(speedups))
    known = [i for i, key in enumerate(keys) if key in memo]
    sample = known[:: max(1, len(known) // _RECHECKED[speedups])][: _RECHECKED[speedups]]
    fresh = {
        i: _whole(whole, *passports[i])
        for i in (*(i for i, key in enumerate(keys) if key not in memo), *sample)
    }
    expected = [_from_memo(memo[key] if key in memo else fresh[i]) for i, key in enumerate(keys)]
    single = [_outcome(engine, triples, root) for triples, root in passports]
    # Without the speed-ups validate_many is validate one by one.
    batched: list[ValidationReport | str] = []
    for start in range(0, len(passports), _BATCH if speedups else len(passports)):
        part = passports[start : start + _BATCH]
        batched.extend(engine.validate_many(part) if speedups else single)
    mismatches = [
        f"{kind} {index}: {got} != {want}"
        for kind, reports in (("single", single), ("batched", batched))
        for index, (got, want) in enumerate(zip(reports, expected, strict=True))
        if got != want
    ]
    invalid = sum(not isinstance(r, ValidationReport) or not r.conforms for r in expected)
    return Compared(
        read_in=len(passports),
        invalid=invalid,
        mismatches=mismatches,
        rechecked=[(memo[keys[i]], fresh[i]) for i in sample],
        missing=sum(key not in memo for key in keys),
        fresh={keys[i]: value for i, value in fresh.items() if keys[i] not in memo},
    )


def _outcome(
    engine: Engine, triples: Sequence[Statement], root: pyoxigraph.NamedNode
) -> ValidationReport | str:
    """The report, or the error pyshacl raised (stock rdflib's SPARQL fails on some mutants)."""
    try:
        return engine.validate(triples, root)
    except Exception as err:
        return f"raised {type(err).__name__}: {err}"


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("speedups", [True, False], ids=["speedups", "stock"])
def test_reports_of_mutants_equal_pyshacls_whole_run(speedups: bool) -> None:
    bodies = _mutants(_MUTANTS if speedups else _STOCK_MUTANTS)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        compared = pool.submit(_compare, bodies, speedups).result()
    if pyshacl_memo.refreshing():
        pyshacl_memo.save(_environment(speedups), compared.fresh, _memo_path(speedups), _ABOUT)
    assert compared.invalid > compared.read_in // 4  # the mutants exercise the invalid path
    assert compared.read_in - compared.invalid > 0
    assert compared.mismatches == []
    if not pyshacl_memo.refreshing():
        # The sample of the memo, asked of the whole run again, gets the same reports.
        wanted = min(_RECHECKED[speedups], compared.read_in)
        assert len(compared.rechecked) == wanted, "run `make differential-memo`"
        assert [memo for memo, _ in compared.rechecked] == [fresh for _, fresh in compared.rechecked]
        # A passport, the profile, the code or a version changed: the reports were computed
        # afresh (the comparison above used them), but the memo is out of date.
        assert compared.missing == 0, (
            f"{compared.missing} reports not in the memo: run `make differential-memo`"
        )
