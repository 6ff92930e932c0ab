"""engine.report_graph builds the report graph of the pairs pyshacl runs (validate_pairs) itself,
without pyshacl's text and prefixes: it must hold the same triples (blank nodes aside) as
pyshacl's own create_validation_report on the same results, and give the same report; and
report_of_results, which validate_pairs uses, reads that report from the results without
building the graph."""

from __future__ import annotations

import importlib
import random
import warnings
from typing import Any

import orjson
import pytest
import rdflib
from pyshacl import Validator
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from resolver.profile import Profile
from resolver.validation import pipeline
from resolver.validation.report import ValidationReport, report_of
from tests.passport.forms import EXAMPLES
from tests.passport.test_differential import INVALID, _distinct_mutants


def test_the_report_graph_is_pyshacls(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = importlib.import_module("resolver.validation.engine")  # the package names a function so
    shapes = pipeline.engine()._shacl.shacl_graph
    seen: list[tuple[rdflib.Graph, rdflib.Graph, ValidationReport]] = []
    ours = engine.report_graph
    direct = engine.report_of_results

    def both(results: Any, profile: Profile) -> ValidationReport:
        # validate_pairs's verdict (report_of reads none): no result of the severity Violation
        conforms = all(o != SH.Violation for _, _, triples in results for _, _, o in triples)
        theirs, _ = Validator.create_validation_report(shapes, conforms, results)
        made: rdflib.Graph = ours(conforms, results)
        report: ValidationReport = direct(results, profile)
        seen.append((made, theirs, report))
        return report

    monkeypatch.setattr(engine, "report_of_results", both)
    originals = [orjson.loads(path.read_bytes()) for path in EXAMPLES]
    bodies = [path.read_bytes() for path in sorted(INVALID.glob("*.jsonld"))]
    bodies += _distinct_mutants(originals, random.Random(7), 150)
    list(pipeline.prepare_many_sync(bodies))
    assert len(seen) > 50  # the invalid passports' reports were made here
    profile = pipeline.engine().profile
    for made, theirs, report in seen:
        assert len(made) == len(theirs)
        with warnings.catch_warnings():  # its hashing writes ill-typed literals ("fourteen"^^xsd:double)
            warnings.simplefilter("ignore")
            assert isomorphic(made, theirs)  # the same triples, blank nodes aside (clones are new)
        assert report_of(made, profile) == report_of(theirs, profile) == report
