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
