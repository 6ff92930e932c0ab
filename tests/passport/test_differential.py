"""Differential test: 3,000 random mutants of the valid examples; whenever the node accepts one
(the verdict of its write path: strict reading, fast check, pyshacl fallback), pyshacl as
shipped must accept the graph pyld builds from it (tests/passport/reference.py). The other
direction is allowed: the node refuses more (unknown terms, lost values) than SHACL sees.

Mutants are cheap (one change to the compact document). The node's verdicts are computed on
every run. Stock pyshacl's verdicts on the accepted ones (a minority, ~600) come from a
committed memo keyed by the mutant's bytes and everything else the verdict depends on
(tests/passport/pyshacl_memo.py): a verdict the memo lacks is computed afresh, and a fixed
sample of the memo plus the planted invalid passports are asked of stock pyshacl on every run.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import random
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from resolver.errors import ResolverError
from resolver.validation import PreparedPassport, Validator
from tests.passport import pyshacl_memo
from tests.passport.forms import EXAMPLES
from tests.passport.reference import init_reference, reference_conforms

MUTANTS = 3000
INVALID = EXAMPLES[0].parents[1] / "invalid"
_PLANTED = ("capacity-not-a-number.jsonld", "carbon-footprint-stages-do-not-add-up.jsonld")
_BATCH = 50
_SEED = 20261130
_RECHECKED = 16  # memoised verdicts asked of stock pyshacl again on every run

_TERMS = sorted(
    k
    for k in orjson.loads((EXAMPLES[0].parents[2] / "vocab" / "eu-battery" / "context.jsonld").read_bytes())[
        "@context"
    ]
    if not k.startswith("@")
)
_SCALARS: list[Any] = [
    -1,
    0,
    0.5,
    1,
    100,
    100.5,
    101,
    1e6,
    -0.0,
    "",
    "x",
    "100",
    "2026-13-45",
    "2026-03",
    "1899-01-01",
    "2999-01-01",
    "2026-01-01T00:00:00Z",
    "https://example.org/x",
    "mailto:a@b.c",
    "EV",
    "LMT",
    "LFP",
    "Pb",
    "original",
    "waste",
    "classA",
    "Manufacturer",
    True,
    False,
]


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, child in value.items():
            if key not in ("@context", "id"):
                found.extend(_places(child, (*path, key)))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found.extend(_places(child, (*path, i)))
    return found


def _mutant(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    doc = orjson.loads(orjson.dumps(doc))
    *parent_path, last = rng.choice(_places(doc))
    parent: Any = doc
    for step in parent_path:
        parent = parent[step]
    kind = rng.randrange(5)
    if kind == 0 and isinstance(parent, dict):
        del parent[last]
    elif kind == 1 and isinstance(parent, dict):
        value = parent.pop(last)
        parent[rng.choice(_TERMS)] = value
    elif kind == 2:
        current = parent[last]
        parent[last] = [current, rng.choice(_SCALARS)] if not isinstance(current, list) else current[:1]
    else:
        parent[last] = rng.choice(_SCALARS)
    return doc


def _distinct_mutants(originals: list[dict[str, Any]], rng: random.Random, count: int) -> list[bytes]:
    """``count`` different mutants (a random change can repeat one already made: ~3 % do)."""
    bodies: dict[bytes, None] = {}
    while len(bodies) < count:
        bodies[orjson.dumps(_mutant(rng.choice(originals), rng))] = None
    return list(bodies)


async def _node_verdicts(bodies: list[bytes]) -> list[bool]:
    """The node's write verdicts, from its own worker pool (two spawned workers, in batches)."""
    # The pool's timeout guards against a stuck worker; what this test checks is the verdicts, and
    # a batch of 50 took over 60 s on a loaded machine (load 10 on 2 cores), so it gets the
    # test's own bound. One batch per worker in flight: the pool's timeout counts queueing.
    validator = Validator(workers=2, timeout=600.0)
    await validator.start()
    try:
        chunks = [bodies[i : i + _BATCH] for i in range(0, len(bodies), _BATCH)]
        in_flight = asyncio.Semaphore(validator.workers)

        async def one(chunk: list[bytes]) -> list[PreparedPassport | ResolverError]:
            async with in_flight:
                return await validator.prepare_batch(chunk)

        results = await asyncio.gather(*(one(chunk) for chunk in chunks))
    finally:
        await validator.aclose()
    return [isinstance(r, PreparedPassport) and r.report.conforms for chunk in results for r in chunk]


@dataclass(frozen=True)
class Outcome:
    bodies: list[bytes]
    accepted: list[bytes]
    reference: list[bool]  # stock pyshacl's verdict on each accepted mutant (memo or afresh)
    planted: list[bool]  # its verdict on the planted invalid passports (always afresh)
    rechecked: list[tuple[bool, bool]]  # (memo, afresh) for the sample of memoised verdicts
    missing: int  # accepted mutants whose verdict was not in the memo


def _reference(bodies: list[bytes]) -> list[bool]:
    """Stock pyshacl's verdicts (tests/passport/reference.py), in spawned processes: the
    reference installs a memo of rdflib's query parse, which this process must not see."""
    context = multiprocessing.get_context("spawn")
    workers = 1 if len(bodies) < 64 else 2  # a second process costs more than it saves below that
    with concurrent.futures.ProcessPoolExecutor(
        workers, mp_context=context, initializer=init_reference
    ) as pool:
        return list(pool.map(reference_conforms, bodies, chunksize=16))


# ~3,000 node verdicts (~60 CPU-s); stock pyshacl's verdicts come from the memo
# (tests/passport/pyshacl_memo.py) but for a sample, the planted passports and any the memo lacks.
@pytest.fixture(scope="module")
def outcome() -> Outcome:
    rng = random.Random(_SEED)
    originals = [orjson.loads(path.read_bytes()) for path in EXAMPLES]
    bodies = _distinct_mutants(originals, rng, MUTANTS)
    verdicts = asyncio.run(_node_verdicts(bodies))
    accepted = [body for body, ok in zip(bodies, verdicts, strict=True) if ok]
    env = pyshacl_memo.environment()
    memo = {} if pyshacl_memo.refreshing() else pyshacl_memo.load()
    keys = [pyshacl_memo.key(env, body) for body in accepted]
    missing = [body for body, key in zip(accepted, keys, strict=True) if key not in memo]
    known = [(body, memo[key]) for body, key in zip(accepted, keys, strict=True) if key in memo]
    sample = known[:: max(1, len(known) // _RECHECKED)][:_RECHECKED]
    # Planted: passports pyshacl rejects (a plain shape, a SPARQL rule), asked with the rest. The
    # reference must say so, or the check could not fail.
    planted = [(INVALID / name).read_bytes() for name in _PLANTED]
    answers = _reference([*missing, *(body for body, _ in sample), *planted])
    afresh = dict(zip(missing, answers, strict=False))
    if pyshacl_memo.refreshing():
        pyshacl_memo.save(env, {pyshacl_memo.key(env, body): ok for body, ok in afresh.items()})
    reference = [
        afresh[body] if body in afresh else memo[key] for body, key in zip(accepted, keys, strict=True)
    ]
    return Outcome(
        bodies=bodies,
        accepted=accepted,
        reference=reference,
        planted=answers[len(answers) - len(planted) :],
        rechecked=[(ok, fresh) for (_, ok), fresh in zip(sample, answers[len(missing) :], strict=False)],
        missing=0 if pyshacl_memo.refreshing() else len(missing),
    )


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_node_never_accepts_a_mutant_that_pyshacl_rejects(outcome: Outcome) -> None:
    assert 0 < len(outcome.accepted) < len(outcome.bodies)  # the mutants exercise both verdicts
    assert outcome.planted == [False] * len(_PLANTED)
    disagreements = [
        orjson.loads(body) for body, ok in zip(outcome.accepted, outcome.reference, strict=True) if not ok
    ]
    assert disagreements == [], f"{len(disagreements)} accepted by the node, rejected by pyshacl"


def test_memoised_verdicts_are_stock_pyshacls(outcome: Outcome) -> None:
    """A sample of the memo, asked again on every run, gets the same verdicts."""
    if pyshacl_memo.refreshing():
        pytest.skip("the memo was just rewritten from verdicts computed afresh")
    assert outcome.rechecked, "no memoised verdict to recheck: run `make differential-memo`"
    assert [memo for memo, _ in outcome.rechecked] == [fresh for _, fresh in outcome.rechecked]


def test_the_memo_holds_every_verdict(outcome: Outcome) -> None:
    """A mutant, the shapes, the contexts, the reference or a version changed: the verdicts were
    computed afresh (the differential check above used them), but the memo is out of date."""
    assert outcome.missing == 0, (
        f"{outcome.missing} of {len(outcome.accepted)} pyshacl verdicts not in {pyshacl_memo.MEMO.name} "
        f"(environment now {pyshacl_memo.environment()}): run `make differential-memo`"
    )


def test_a_memo_key_changes_with_the_mutant_and_with_each_input_of_the_verdict() -> None:
    env = pyshacl_memo.environment()
    assert set(env) == {"pyshacl", "rdflib", "pyld", "shapes", "contexts", "reference"}
    body = (INVALID / _PLANTED[0]).read_bytes()
    key = pyshacl_memo.key(env, body)
    assert pyshacl_memo.key(env, body + b" ") != key
    for name in env:
        assert pyshacl_memo.key({**env, name: env[name] + "x"}, body) != key, name
