"""Every form of every valid example, written through the one write path into SQLite and a real
Redis, is stored as the same canonical document, and every tier's view (as JSON-LD, Turtle,
N-Triples, from the history and by version) holds exactly that tier's triples.

The expected triples come from pyld's reading of the original example and an independent tier
rule (tests/passport/forms.py); hypothesis picks the example, the form, the key order and which
nodes are hoisted into @graph.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from pathlib import Path
from typing import Any

import orjson
import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolver import render
from resolver.profile import Profile
from resolver.stores import open_store
from resolver.tiers import Tier
from resolver.validation import prepare_sync
from resolver.write import import_prepared
from tests.passport.forms import EXAMPLES, FORMS, expected_views, graph_of_jsonld, nquads, serialise
from tests.support.redis_server import redis_server, redis_url

__all__ = ["redis_server", "redis_url"]

_EXPECTED: dict[Path, tuple[dict[Tier, str], bytes]] = {}
# A stored document or view read back, by its bytes: the forms of one example are stored as the
# same canonical bytes (asserted), and each way of reading bytes back is a function of the bytes
# alone, so each distinct document or view is read back once per pytest process and compared
# with what its tier expects every time it is served.
_READ_BACK: dict[bytes, dict[str, str]] = {}
_GRAPHS: dict[bytes, str] = {}


def _graph(body: bytes) -> str:
    """The canonical N-Quads of a stored document or view, as pyld reads it."""
    found = _GRAPHS.get(body)
    if found is None:
        found = _GRAPHS[body] = nquads(graph_of_jsonld(orjson.loads(body)))
    return found


def _expected(path: Path) -> tuple[dict[Tier, str], bytes]:
    """Per tier, the canonical N-Quads the views must hold; and the stored canonical document."""
    found = _EXPECTED.get(path)
    if found is None:
        doc = orjson.loads(path.read_bytes())
        views = expected_views(graph_of_jsonld(doc), Profile.load())
        canonical = prepare_sync(path.read_bytes()).document
        found = _EXPECTED[path] = ({tier: nquads(t) for tier, t in views.items()}, canonical)
    return found


def _ways_out(body: bytes) -> dict[str, str]:
    """The graph of a stored view read back each way it is served (once per distinct bytes)."""
    found = _READ_BACK.get(body)
    if found is not None:
        return found
    out = _READ_BACK[body] = {"jsonld": _graph(body)}
    for fmt in ("turtle", "ntriples"):
        rendered = render.render(body, fmt)
        rdf_format = render.FORMATS[fmt]
        out[fmt] = nquads(q.triple for q in pyoxigraph.parse(rendered, format=rdf_format))
    return out


async def _write_and_read(store_url: str, handle: str, prepared: Any) -> list[tuple[str, Tier, bytes]]:
    store = await open_store(store_url)
    try:
        await import_prepared(store, handle, prepared)
        served: list[tuple[str, Tier, bytes]] = []
        for tier in Tier:
            view = await store.get_view(handle, tier)
            assert view is not None
            served.append(("current", tier, view.body))
        current = await store.get(handle)
        assert current is not None and current.digest == prepared.digest
        by_version = await store.get(handle, version=current.version)
        history = await store.history(handle)
        for tier in Tier:
            assert by_version is not None
            served.append(("version", tier, by_version.views[tier]))
            served.append(("history", tier, history[-1].views[tier]))
        return served
    finally:
        await store.aclose()


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "redis":
        return str(request.getfixturevalue("redis_url"))
    return f"sqlite:///{tmp_path}/passports.sqlite3"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(EXAMPLES),
    form=st.sampled_from(FORMS),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_every_form_is_stored_canonically_and_served_by_tier(
    store_url: str, path: Path, form: str, seed: int
) -> None:
    expected, canonical = _expected(path)
    body, media_type = serialise(orjson.loads(path.read_bytes()), form, random.Random(seed))
    prepared = prepare_sync(body, media_type=media_type)
    assert prepared.report.conforms, prepared.report.to_json()
    # Same graph, same bytes: the stored document does not depend on the form it came in.
    assert prepared.document == canonical
    # Validated graph = stored graph.
    assert _graph(prepared.document) == expected[Tier.AUTHORITY]
    served = asyncio.run(_write_and_read(store_url, f"88.100.1/F-{uuid.uuid4().hex[:12]}", prepared))
    for way, tier, view in served:
        assert view == prepared.views[tier], f"{way} {tier.label} view is not what was prepared"
        for how, graph in _ways_out(view).items():
            assert graph == expected[tier], f"{path.name} as {form}: {way} {tier.label} view as {how}"


@pytest.mark.parametrize("form", FORMS)
def test_each_form_of_each_example_gives_the_canonical_document(form: str) -> None:
    for path in EXAMPLES:
        expected, canonical = _expected(path)
        body, media_type = serialise(orjson.loads(path.read_bytes()), form, random.Random(7))
        prepared = prepare_sync(body, media_type=media_type)
        assert prepared.document == canonical, (path.name, form)
        for tier in Tier:
            assert _graph(prepared.views[tier]) == expected[tier], (
                path.name,
                form,
                tier,
            )
