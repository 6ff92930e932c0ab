"""The adapters compact what ``jsonld.expand`` gave them without pyld expanding it again; every
writer's output is the same as with a full ``compact``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from resolver import jsonld
from resolver.adapters import aas, batterypass_out, catenax_out, openepcis_out, untp

EXAMPLES = sorted((Path(__file__).parents[2] / "examples" / "valid").glob("*.jsonld"))
WRITERS: dict[str, Callable[[object], object]] = {
    "aas": aas.to_environment,
    "untp": untp.to_credential,
    "batterypass": batterypass_out.to_payload,
    "catenax": catenax_out.to_payload,
    "openepcis": openepcis_out.to_passport,
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_each_writer_gives_what_a_full_compact_gives(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(EXAMPLES) >= 10
    write = WRITERS[name]
    docs = [orjson.loads(path.read_bytes()) for path in EXAMPLES]
    skipping = [write(doc) for doc in docs]
    monkeypatch.setattr(jsonld, "compact_expanded", jsonld.compact)
    assert [write(doc) for doc in docs] == skipping


def test_an_expanded_passport_compacts_alike_in_every_served_context() -> None:
    contexts = [jsonld.CONTEXT_URL, *jsonld.PROFILE_CONTEXTS.values(), openepcis_out.CONTEXTS]
    for path in EXAMPLES:
        expanded = jsonld.expand(orjson.loads(path.read_bytes()))
        for context in contexts:
            assert jsonld.compact_expanded(expanded, context) == jsonld.compact(expanded, context), path.name
