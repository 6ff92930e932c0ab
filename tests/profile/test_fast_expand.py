"""The fast expansion of documents plainly in our context (resolver/jsonld.py) gives exactly
pyld's expanded form, and leaves to pyld what it does not handle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from pyld import jsonld as pyld

from resolver import jsonld
from tools import examples

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(ROOT.glob("examples/*/*.jsonld"))
CONTEXT = jsonld.CONTEXT_URL


def _pyld(doc: Any) -> bytes:
    return orjson.dumps(pyld.expand(doc, jsonld._OPTIONS), option=orjson.OPT_SORT_KEYS)


def _fast(doc: Any) -> bytes | None:
    expanded = jsonld._expand_plain(doc)
    return None if expanded is None else orjson.dumps(expanded, option=orjson.OPT_SORT_KEYS)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_expands_as_pyld_expands_it(path: Path) -> None:
    doc = orjson.loads(path.read_bytes())
    fast = _fast(doc)
    assert fast is None or fast == _pyld(doc)


def test_generated_passports_take_the_fast_expansion_and_match_pyld() -> None:
    docs = list(examples.generate(60, seed=21))
    assert [_fast(doc) for doc in docs] == [_pyld(doc) for doc in docs]


@pytest.mark.parametrize(
    "extra",
    [
        {"bp:somethingNew": "x"},  # a compact IRI key
        {"https://example.org/p": [1, 2.5, True, "s"]},  # an absolute IRI key, mixed values
        {"model": {"id": "https://example.org/node"}},  # a node reference
        {"model": []},  # an empty array
        {"type": ["BatteryPassport", "gs1:Product"]},
        {"manufacturer": {"type": "urn:x:y", "organizationName": "O"}},
    ],
    ids=repr,
)
def test_variants_the_fast_expansion_handles_match_pyld(extra: dict[str, Any]) -> None:
    doc = {"@context": CONTEXT, "id": "https://hdl.handle.net/88.100.1/X", "type": "BatteryPassport", **extra}
    assert _fast(doc) is not None
    assert _fast(doc) == _pyld(doc)


@pytest.mark.parametrize(
    "doc",
    [
        {"@context": CONTEXT, "id": "relative/id", "model": "M"},  # relative @id
        {"@context": CONTEXT, "id": "https://e.org/b", "unknownTerm": 1},  # pyld drops the key
        {"@context": CONTEXT, "id": "https://e.org/b", "category": "NotATerm"},  # unknown @vocab value
        {"@context": CONTEXT, "id": "https://e.org/b", "model": None},
        {"@context": CONTEXT, "id": "https://e.org/b", "model": {"@value": "M", "@language": "en"}},
        {"@context": CONTEXT, "id": "https://e.org/b", "model": [["nested"]]},
        {"@context": [CONTEXT, {"x": "https://e.org/x"}], "id": "https://e.org/b", "x": 1},
        {"@context": CONTEXT, "@graph": [{"id": "https://e.org/b"}]},
        {"@context": CONTEXT, "id": "https://e.org/b"},  # nothing but an @id
        {"@context": CONTEXT, "id": "https://e.org/b", "model": "M", "eubat:batteryModelIdentifier": "N"},
    ],
    ids=repr,
)
def test_what_the_fast_expansion_does_not_handle_goes_to_pyld(doc: dict[str, Any]) -> None:
    assert jsonld._expand_plain(doc) is None
    assert orjson.dumps(jsonld.expand(doc), option=orjson.OPT_SORT_KEYS) == _pyld(doc)
