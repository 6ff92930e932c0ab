"""The batch's SPARQL store loaded from N-Quads lines (sparql_batch.flagged with ``lines``) gives
the verdicts of the store built from the quads."""

from __future__ import annotations

import pyoxigraph
import rdflib

from resolver.passport import canonical
from resolver.validation.sparql_batch import Call, flagged
from tests.validation.test_sparql_batch import QUERY, _quads


def test_lines_and_quads_flag_the_same_passports() -> None:
    passports = [
        _quads("https://example.org/ok", 5, q=True),
        _quads("https://example.org/big", 50, q=True),
        _quads("https://example.org/bad", 5, q=True),
        _quads("https://example.org/no-q", 5, q=False),
    ]
    blank = pyoxigraph.BlankNode("b1")
    passports[0].append(
        pyoxigraph.Quad(pyoxigraph.NamedNode("https://example.org/ok"), pyoxigraph.NamedNode("urn:p"), blank)
    )
    passports[0].append(pyoxigraph.Quad(blank, pyoxigraph.NamedNode("urn:v"), pyoxigraph.Literal('a "b"\nc')))
    lines = [canonical.canonical_form(quads)[1] for quads in passports]
    focus = [
        "https://example.org/ok",
        "https://example.org/big",
        "https://example.org/bad",
        "https://example.org/no-q",
    ]
    calls = [Call(i, "rule", QUERY, {"this": rdflib.URIRef(iri)}) for i, iri in enumerate(focus)]

    def never(call: Call) -> bool:
        raise AssertionError(f"{call} was not batched")

    assert flagged(passports, calls, never, lines) == flagged(passports, calls, never) == {1, 2, 3}


def test_rdflib_terms_read_from_lines_are_those_of_the_quads() -> None:
    from resolver import jsonld

    subject, predicate = pyoxigraph.NamedNode("urn:a"), pyoxigraph.NamedNode("urn:p")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    objects: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.Literal] = [
        pyoxigraph.Literal('a "q" \\ b\nc\td'),
        pyoxigraph.Literal("x y", language="en-GB"),
        pyoxigraph.Literal("ünï €"),
        pyoxigraph.Literal("100", datatype=pyoxigraph.NamedNode(xsd + "boolean")),
        pyoxigraph.Literal(" 1.0E1 ", datatype=pyoxigraph.NamedNode(xsd + "double")),
        pyoxigraph.Literal('"', datatype=pyoxigraph.NamedNode("urn:dt")),
        pyoxigraph.Literal("\u0001\u007f"),
        pyoxigraph.BlankNode("b0"),
        pyoxigraph.NamedNode("urn:x%20y"),
    ]
    labelled, lines = canonical.canonical_form([pyoxigraph.Quad(subject, predicate, o) for o in objects])

    def key(triple: tuple[object, ...]) -> tuple[object, ...]:
        return tuple(
            (type(t).__name__, str(t), getattr(t, "datatype", None), getattr(t, "language", None))
            for t in triple
        )

    with_quads = sorted(map(key, jsonld.rdflib_triples(labelled)))
    assert sorted(map(key, jsonld.rdflib_triples_of_lines(lines))) == with_quads
    assert sorted(map(key, jsonld.rdflib_triples_of_lines(lines))) == with_quads  # from the token cache
