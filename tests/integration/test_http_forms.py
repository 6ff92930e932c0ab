"""Through a real node (SQLite and Redis): a passport PUT in any form is served to each tier with
exactly that tier's triples, whichever way it is read: JSON-LD, Turtle, N-Triples, ``?version=``,
the history's link and the Handle API's passport value."""

from __future__ import annotations

import functools
import random
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pyoxigraph
import pytest

from resolver.app import RunningNode
from resolver.profile import Profile
from resolver.tiers import Tier
from tests.integration.conftest import AUTHORITY, OPERATOR, REPAIRER, bearer, http, node
from tests.passport.forms import EXAMPLES, FORMS, expected_views, graph_of_jsonld, nquads, serialise
from tests.support.redis_server import redis_server, redis_url

__all__ = ["http", "node", "redis_server", "redis_url"]

pytestmark = pytest.mark.asyncio(loop_scope="module")

_TOKENS = {Tier.PUBLIC: None, Tier.LEGITIMATE_INTEREST: REPAIRER, Tier.AUTHORITY: AUTHORITY}
_LEAKY = next(p for p in EXAMPLES if p.name == "ev-nmc811.jsonld")  # holds legitimate-interest data
CASES = [(_LEAKY, form) for form in FORMS] + [(p, "flattened") for p in EXAMPLES if p != _LEAKY]


def _reidentified(path: Path, handle: str) -> dict[str, Any]:
    doc = orjson.loads(path.read_bytes())
    text = path.read_text(encoding="utf-8").replace(doc["id"], f"https://hdl.handle.net/{handle}")
    result: dict[str, Any] = orjson.loads(text)
    return result


async def _get(http: aiohttp.ClientSession, url: str, tier: Tier) -> bytes:
    token = _TOKENS[tier]
    async with http.get(url, headers=bearer(token) if token else {}) as response:
        assert response.status == 200, (url, tier, await response.text())
        return await response.read()


@functools.lru_cache(maxsize=64)
def _graph(body: bytes, fmt: str) -> str:
    """The canonical N-Quads of a response body. Kept by the body's bytes: a tier's view read
    ``?format=jsonld``, ``?version=``, by the history's link and through the Handle API is often
    the same bytes, and converting JSON-LD to RDF (pyld) is most of this module's CPU; each answer
    is still compared, and equal bytes make an equal graph."""
    if fmt == "jsonld":  # the passport's graph; the proof (issue 11) is not part of it
        return nquads(graph_of_jsonld({k: v for k, v in orjson.loads(body).items() if k != "proof"}))
    rdf_format = pyoxigraph.RdfFormat.TURTLE if fmt == "turtle" else pyoxigraph.RdfFormat.N_TRIPLES
    return nquads(q.triple for q in pyoxigraph.parse(body, format=rdf_format))


@pytest.mark.parametrize(("path", "form"), CASES, ids=[f"{p.stem}-{f}" for p, f in CASES])
async def test_a_passport_put_in_any_form_is_served_by_tier_every_way(
    node: RunningNode, http: aiohttp.ClientSession, path: Path, form: str
) -> None:
    handle = f"88.100.1/FORM-{uuid.uuid4().hex[:10].upper()}"
    doc = _reidentified(path, handle)
    expected = {tier: nquads(t) for tier, t in expected_views(graph_of_jsonld(doc), Profile.load()).items()}
    body, media_type = serialise(doc, form, random.Random(handle))
    headers = {**bearer(OPERATOR), "Content-Type": media_type}
    async with http.put(f"{node.url}/{handle}", data=body, headers=headers) as response:
        assert response.status == 201, await response.text()
        written = await response.json()
    base = f"{node.url}/{handle}"
    for tier in Tier:
        for fmt in ("jsonld", "turtle", "ntriples"):
            assert _graph(await _get(http, f"{base}?format={fmt}", tier), fmt) == expected[tier], (fmt, tier)
        by_version = await _get(http, f"{base}?version={written['version']}&format=jsonld", tier)
        assert _graph(by_version, "jsonld") == expected[tier], ("version", tier)
        history = orjson.loads(await _get(http, f"{base}/history", tier))
        linked = await _get(http, node.url + history["versions"][-1]["href"] + "&format=jsonld", tier)
        assert _graph(linked, "jsonld") == expected[tier], ("history", tier)
        handle_values = orjson.loads(await _get(http, f"{node.url}/api/handles/{handle}", tier))
        (value,) = [v for v in handle_values["values"] if v["index"] == 2]
        assert _graph(await _get(http, value["data"]["value"], tier), "jsonld") == expected[tier]


async def test_lost_values_and_foreign_encodings_are_refused_with_a_problem(
    node: RunningNode, http: aiohttp.ClientSession
) -> None:
    handle = f"88.100.1/FORM-{uuid.uuid4().hex[:10].upper()}"
    doc = _reidentified(_LEAKY, handle)
    url = f"{node.url}/{handle}"
    headers = {**bearer(OPERATOR), "Content-Type": "application/ld+json"}
    async with http.put(url, data=orjson.dumps(doc).decode().encode("utf-16"), headers=headers) as response:
        assert response.status == 400
        problem = await response.json()
        assert problem["detail"].startswith("the body is not UTF-8")
    doc["category"] = ["EV", "SLI"]
    async with http.put(url, data=orjson.dumps(doc), headers=headers) as response:
        assert response.status == 422
        assert response.content_type == "application/problem+json"
        problem = await response.json()
        assert (problem["term"], problem["dataPoints"]) == ("category", [6])
    async with http.get(url) as response:
        assert response.status == 404  # nothing half-written
