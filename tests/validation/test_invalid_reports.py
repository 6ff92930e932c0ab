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
parsed query is the one ``prepareQuery`` returns, so no verdict or error changes."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import random
from collections.abc import Sequence

import orjson
import pyoxigraph
import pytest

from resolver import jsonld
from resolver.errors import ResolverError
from resolver.passport import graph, read
from resolver.passport.graph import Statement
from resolver.passport.vocabulary import ProfileVocabulary
from resolver.profile import Profile
from resolver.validation import worker_patches
from resolver.validation.engine import Engine
from resolver.validation.report import ValidationReport
from tests.passport.forms import EXAMPLES
from tests.passport.test_differential import _distinct_mutants

_SEED = 20261201
_MUTANTS = 240
_STOCK_MUTANTS = 12  # stock pyshacl runs SPARQL on rdflib: ~10 times slower (~1.5 CPU-s each)
_BATCH = 25


def _mutants(count: int) -> list[bytes]:
    originals = [orjson.loads(path.read_bytes()) for path in EXAMPLES]
    return _distinct_mutants(originals, random.Random(_SEED), count)


def _compare(bodies: list[bytes], speedups: bool) -> tuple[int, int, list[str]]:
    """(passports read, of which invalid, mismatches) of the engine against pyshacl's whole run."""
    if not speedups:
        worker_patches._cache_sparql_queries()  # rdflib's parse only (see the module's docstring)
        assert not worker_patches.installed()
    profile = Profile.load(name="eu-battery")
    vocabulary = ProfileVocabulary(profile, jsonld.context_terms(profile.context_url))
    engine = Engine(profile, speedups=speedups)
    assert engine.runs_pairs  # else this compares the whole run with itself
    whole = Engine(profile, speedups=speedups, fast=False)
    passports = []
    for body in bodies:
        try:
            triples = read.read_triples(body, "application/ld+json", vocabulary, profile.context_url)
            root = graph.find_root(triples, None)
        except ResolverError:
            continue
        passports.append((triples, root))
    expected = [_outcome(whole, triples, root) for triples, root in passports]
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
    return len(passports), invalid, mismatches


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
        read_in, invalid, mismatches = pool.submit(_compare, bodies, speedups).result()
    assert invalid > read_in // 4  # the mutants exercise the invalid path
    assert read_in - invalid > 0
    assert mismatches == []
