"""report_of_results, which validate_pairs uses, reads the report of the pairs pyshacl runs from
their results without building a report graph: it must give the report that report_of reads in
the graph pyshacl's own create_validation_report makes of the same results."""

from __future__ import annotations

import importlib
import random
from typing import Any

import orjson
import pytest
import rdflib
from pyshacl import Validator
from rdflib.namespace import SH

from resolver.profile import Profile
from resolver.validation import pipeline
from resolver.validation.report import ValidationReport, report_of
from tests.passport.forms import EXAMPLES
from tests.passport.test_differential import INVALID, _distinct_mutants


def test_the_report_read_from_results_is_the_one_of_pyshacls_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = importlib.import_module("resolver.validation.engine")  # the package names a function so
    shapes = pipeline.engine()._shacl.shacl_graph
    seen: list[tuple[rdflib.Graph, ValidationReport]] = []
    direct = engine.report_of_results

    def both(results: Any, profile: Profile) -> ValidationReport:
        # validate_pairs's verdict (report_of reads none): no result of the severity Violation
        conforms = all(o != SH.Violation for _, _, triples in results for _, _, o in triples)
        theirs, _ = Validator.create_validation_report(shapes, conforms, results)
        report: ValidationReport = direct(results, profile)
        seen.append((theirs, report))
        return report

    monkeypatch.setattr(engine, "report_of_results", both)
    originals = [orjson.loads(path.read_bytes()) for path in EXAMPLES]
    bodies = [path.read_bytes() for path in sorted(INVALID.glob("*.jsonld"))]
    bodies += _distinct_mutants(originals, random.Random(7), 150)
    list(pipeline.prepare_many_sync(bodies))
    assert len(seen) > 50  # the invalid passports' reports were made here
    profile = pipeline.engine().profile
    for theirs, report in seen:
        assert report_of(theirs, profile) == report
