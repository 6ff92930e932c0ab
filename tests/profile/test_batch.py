"""Validator.prepare_batch: several passports in one worker call, each with its own outcome."""

from __future__ import annotations

import orjson

from resolver.errors import ContextRefused, DocumentError
from resolver.validation import PreparedPassport
from tests.support.validators import shared_validator
from tools import examples


async def test_a_batch_prepares_each_passport_and_returns_each_unusable_one_as_its_error() -> None:
    good, other = (orjson.dumps(doc) for doc in examples.generate(2, seed=5))
    broken = orjson.loads(other)
    broken["expectedLifetimeCycles"] = "a great many"
    refused_body = b'{"@context": "https://evil.example/c", "@id": "x:y"}'
    bodies = [good, b"{not json", orjson.dumps(broken), refused_body]
    validator = await shared_validator(1)  # a worker pool like any other, started once a process
    results = await validator.prepare_batch(bodies)
    first, bad_json, invalid, refused = results
    assert isinstance(first, PreparedPassport) and first.report.conforms and first.views
    assert first.iri == orjson.loads(good)["id"]
    assert isinstance(bad_json, DocumentError) and "not valid JSON" in bad_json.detail
    assert isinstance(invalid, PreparedPassport) and not invalid.report.conforms and not invalid.views
    assert isinstance(refused, ContextRefused) and refused.problem()["context"] == "https://evil.example/c"
