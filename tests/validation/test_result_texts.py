"""The worker speed-up that leaves out pyshacl's text of each result (worker_patches.
_skip_result_texts) changes no report: the invalid examples and mutants of the examples give
the same reports, documents and errors with pyshacl's own text-writing method back."""

from __future__ import annotations

import random

import orjson
import pytest
from pyshacl.constraints.constraint_component import ConstraintComponent

from resolver.errors import ResolverError
from resolver.validation import ValidationReport, pipeline, worker_patches
from tests.passport.forms import EXAMPLES
from tests.passport.test_differential import INVALID, _distinct_mutants


def _outcomes(bodies: list[bytes]) -> list[tuple[str, object, bytes]]:
    return [
        (type(item).__name__, item.detail, b"")
        if isinstance(item, ResolverError)
        else (item.iri, item.report, item.document)
        for start in range(0, len(bodies), 25)
        for item in pipeline.prepare_many_sync(bodies[start : start + 25])
    ]


def test_reports_are_the_same_with_pyshacls_result_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline.engine()  # installs the speed-ups in this process
    assert worker_patches.installed()
    skipped = ConstraintComponent.make_v_result_description
    assert getattr(skipped, "_skipped", False)
    originals = [orjson.loads(path.read_bytes()) for path in EXAMPLES]
    bodies = [path.read_bytes() for path in sorted(INVALID.glob("*.jsonld"))]
    bodies += _distinct_mutants(originals, random.Random(3), 100)
    without = _outcomes(bodies)
    texts: list[str] = []
    original = skipped.original  # type: ignore[attr-defined]

    def described(self: ConstraintComponent, *args: object, **kwargs: object) -> str:
        text: str = original(self, *args, **kwargs)
        texts.append(text)
        return text

    monkeypatch.setattr(ConstraintComponent, "make_v_result_description", described)
    assert _outcomes(bodies) == without
    assert len(texts) > 100 and all("Severity:" in text for text in texts)  # pyshacl wrote them
    refused = [r for _, r, _ in without if isinstance(r, ValidationReport) and not r.conforms]
    assert len(refused) > 30  # the invalid path was exercised
