"""Batched SPARQL constraints (resolver/validation/sparql_batch.py, Engine.validate_many): the
same reports as validating each passport on its own, and queries rewritten only when their
shape allows it."""

from __future__ import annotations

import random

import orjson
import pyoxigraph
import pytest
import rdflib

from resolver.errors import ResolverError
from resolver.validation import pipeline, prepare_sync
from resolver.validation.sparql_batch import Call, batched_query, flagged
from tests.passport.forms import EXAMPLES
from tests.passport.test_differential import _mutant

INVALID = sorted((EXAMPLES[0].parents[1] / "invalid").glob("*.jsonld"))
MUTANTS = 120
BATCH = 16


def _bodies() -> list[bytes]:
    rng = random.Random(8)
    originals = [orjson.loads(path.read_bytes()) for path in EXAMPLES]
    mutants = [orjson.dumps(_mutant(rng.choice(originals), rng)) for _ in range(MUTANTS)]
    bodies = [*mutants, *(path.read_bytes() for path in INVALID), *(path.read_bytes() for path in EXAMPLES)]
    rng.shuffle(bodies)
    return bodies


def _result(item: object) -> object:
    if isinstance(item, ResolverError):
        return (type(item).__name__, item.detail)
    return (item.iri, item.digest, item.views, item.nquads, item.report.to_json())  # type: ignore[attr-defined]


def test_batches_give_the_reports_and_views_of_one_by_one() -> None:
    bodies = _bodies()
    alone = []
    for body in bodies:
        try:
            alone.append(_result(prepare_sync(body)))
        except ResolverError as err:
            alone.append(_result(err))
    together = [
        _result(item)
        for start in range(0, len(bodies), BATCH)
        for item in pipeline.prepare_many_sync(bodies[start : start + BATCH])
    ]
    assert together == alone
    verdicts = [r[4]["conforms"] for r in alone if isinstance(r, tuple) and len(r) == 5]
    assert any(verdicts) and not all(verdicts)  # both verdicts exercised, SPARQL rules among them
    assert any("wrong check digit" in str(r) for r in alone)  # a SPARQL rule's violation


QUERY = """PREFIX ex: <https://example.org/ns#>
SELECT $this ?path ?value WHERE { # a comment with a brace {
    { $this ex:p ?value . FILTER (?value > 10) BIND (ex:p AS ?path) } #
    UNION { BIND (STR($this) AS ?value) FILTER (STRENDS(?value, "bad")) BIND (ex:id AS ?path) } #
    UNION { $this a ex:Thing . FILTER NOT EXISTS { $this ex:q ?q } BIND (ex:q AS ?path) } #
}"""


def _quads(iri: str, value: int, *, q: bool) -> list[pyoxigraph.Quad]:
    node = pyoxigraph.NamedNode(iri)
    ns = "https://example.org/ns#"
    quads = [
        pyoxigraph.Quad(node, pyoxigraph.NamedNode(ns + "p"), pyoxigraph.Literal(str(value), datatype=_INT)),
        pyoxigraph.Quad(node, pyoxigraph.NamedNode(f"{_RDF}type"), pyoxigraph.NamedNode(ns + "Thing")),
    ]
    if q:
        quads.append(pyoxigraph.Quad(node, pyoxigraph.NamedNode(ns + "q"), pyoxigraph.Literal("x")))
    return quads


_INT = pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def test_each_branch_sees_its_own_passport_and_focus_node() -> None:
    passports = [
        _quads("https://example.org/ok", 5, q=True),
        _quads("https://example.org/big", 50, q=True),  # branch 1
        _quads("https://example.org/bad", 5, q=True),  # branch 2: $this only, in a BIND
        _quads("https://example.org/no-q", 5, q=False),  # branch 3: NOT EXISTS on its own graph
    ]
    focus = [
        "https://example.org/ok",
        "https://example.org/big",
        "https://example.org/bad",
        "https://example.org/no-q",
    ]
    calls = [Call(i, "rule", QUERY, {"this": rdflib.URIRef(iri)}) for i, iri in enumerate(focus)]

    def never(call: Call) -> bool:
        raise AssertionError(f"{call} was not batched")

    assert flagged(passports, calls, never) == {1, 2, 3}


@pytest.mark.parametrize(
    "query",
    [
        QUERY.replace("SELECT $this", "SELECT DISTINCT $this"),
        QUERY + " LIMIT 1",
        QUERY.replace("UNION { BIND (STR($this)", "UNION { { BIND (STR($this) AS ?x) } BIND (STR($this)"),
        QUERY.replace("ex:p ?value", "<p> ?value"),
        QUERY.replace('"bad"', '"""bad"""'),
        "SELECT $this WHERE { $this ?p ?o } ",  # one group, not a UNION of groups: as it is
    ],
)
def test_queries_of_another_shape_are_asked_one_by_one(query: str) -> None:
    assert batched_query(query, [("urn:x-passport-batch:0", "https://example.org/a")]) is None
    passports = [_quads("https://example.org/big", 50, q=True)]
    asked: list[Call] = []

    def one_by_one(call: Call) -> bool:
        asked.append(call)
        return True

    call = Call(0, "rule", query, {"this": rdflib.URIRef("https://example.org/big")})
    assert flagged(passports, [call], one_by_one) == {0}
    assert asked == [call]


def test_a_blank_focus_node_is_asked_one_by_one() -> None:
    call = Call(0, "rule", QUERY, {"this": rdflib.BNode("b0")})
    assert flagged([[]], [call], lambda c: False) == set()
