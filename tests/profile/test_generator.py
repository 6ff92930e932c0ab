"""The seeded passport generator: valid, varied and repeatable output, and its command line."""

from __future__ import annotations

from pathlib import Path

import orjson

from resolver.identifiers import parse_identifier
from resolver.validation import validate_sync
from tools.examples import generate, main


def test_generated_passports_are_valid() -> None:
    for doc in generate(12, seed=11):
        report = validate_sync(orjson.dumps(doc))
        assert report.conforms, (doc["id"], report.to_json())


def test_the_same_seed_gives_the_same_passports() -> None:
    assert list(generate(5, seed=3)) == list(generate(5, seed=3))


def test_another_seed_gives_other_passports_with_other_identifiers() -> None:
    first, second = list(generate(5, seed=3)), list(generate(5, seed=4))
    assert first != second
    assert not {d["id"] for d in first} & {d["id"] for d in second}


def test_generated_passports_vary_in_category_chemistry_status_and_values() -> None:
    docs = list(generate(60, seed=1))
    assert {d["category"] for d in docs} == {"EV", "LMT", "industrial", "stationary"}
    assert len({d["chemistry"] for d in docs}) >= 6
    assert {"original", "repurposed", "remanufactured"} <= {d["status"] for d in docs}
    assert len({d["ratedCapacity"]["value"] for d in docs}) >= 30
    for doc in docs:
        if doc["status"] in ("repurposed", "remanufactured"):
            assert doc["predecessor"]


def test_generated_identifiers_use_the_prefix_and_are_unique() -> None:
    docs = list(generate(20, seed=2, prefix="21.11101"))
    ids = [parse_identifier(d["id"]) for d in docs]
    assert {i.prefix for i in ids} == {"21.11101"}
    assert len({i.key for i in ids}) == 20
    assert all(i.iri == d["id"] for i, d in zip(ids, docs, strict=True))


def test_the_command_writes_one_file_per_passport(tmp_path: Path) -> None:
    assert main(["3", "--seed", "5", "--out", str(tmp_path / "out")]) == 0
    files = sorted((tmp_path / "out").glob("*.jsonld"))
    assert [orjson.loads(f.read_bytes()) for f in files] == list(generate(3, seed=5))
