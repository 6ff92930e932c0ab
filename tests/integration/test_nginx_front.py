"""The shipped nginx configuration (deploy/nginx/) in front of a real node: what it may keep.

nginx runs from Debian's package on a free port with temp dirs; the node answers with a short
max-age (1 s), so the freshness bound is checked without long waits. nginx's cache clock has
a resolution of one second, which the bounds below allow for.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
import pytest_asyncio
from multidict import CIMultiDict

from resolver.app import RunningNode
from resolver.config import default_config
from tests.integration.conftest import AUTHORITY, CREDENTIALS, OPERATOR, bearer, new_handle, passport
from tests.support.nginx import NGINX, Nginx
from tests.support.node import running_node
from tests.support.waiting import until

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (make system-deps)"),
]

MAX_AGE = 1
CLOCK_STEP = 1.0  # nginx keeps cache validity in whole seconds


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningNode]:
    store = f"sqlite:///{tmp_path_factory.mktemp('nginx-node')}/passports.sqlite3"
    config = default_config(
        store=store, credentials=CREDENTIALS, workers=1, chain=("local",), max_age=MAX_AGE
    )
    async with running_node(config) as running:
        yield running


@pytest.fixture(scope="module")
def front(node: RunningNode) -> Iterator[Nginx]:
    nginx = Nginx(node.url.removeprefix("http://")).start()
    try:
        yield nginx
    finally:
        nginx.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def _get(http: aiohttp.ClientSession, url: str, **headers: str) -> tuple[int, CIMultiDict[str], bytes]:
    async with http.get(url, headers=headers) as response:
        return response.status, response.headers.copy(), await response.read()


async def _create(http: aiohttp.ClientSession, node: RunningNode) -> str:
    handle = new_handle()
    async with http.put(
        node.url + "/" + handle,
        data=passport(handle),
        headers={"Content-Type": "application/ld+json", **bearer(OPERATOR)},
    ) as response:
        assert response.status == 201, await response.text()
    return "/" + handle


async def test_a_tiered_answer_is_never_served_from_the_cache(
    node: RunningNode, front: Nginx, http: aiohttp.ClientSession
) -> None:
    path = await _create(http, node)
    for _ in range(3):  # credentials: always to the node, never stored
        status, headers, body = await _get(http, front.url + path, **bearer(AUTHORITY))
        assert (status, headers["X-Cache-Status"], headers["Passport-Tier"]) == (200, "BYPASS", "authority")
        assert headers["Cache-Control"].startswith("private")
    tiered = body
    # Nobody else gets it: the anonymous caller's first answer comes from the node, then the cache.
    _, first, public = await _get(http, front.url + path)
    _, second, again = await _get(http, front.url + path)
    assert (first["X-Cache-Status"], second["X-Cache-Status"]) == ("MISS", "HIT")
    assert first["Passport-Tier"] == second["Passport-Tier"] == "public"
    assert public == again != tiered
    # A credentialed caller asking for the public tier still bypasses, and is not stored.
    _, lowered, _ = await _get(http, front.url + path, **bearer(AUTHORITY), **{"Passport-Tier": "public"})
    assert lowered["X-Cache-Status"] == "BYPASS" and lowered["Cache-Control"].startswith("private")
    # The public tier asked for explicitly is its own cache entry, filled from the node.
    _, explicit, _ = await _get(http, front.url + path, **{"Passport-Tier": "public"})
    assert explicit["X-Cache-Status"] == "MISS" and explicit["Passport-Tier"] == "public"


async def test_a_public_answer_after_a_patch_is_at_most_max_age_old(
    node: RunningNode, front: Nginx, http: aiohttp.ClientSession
) -> None:
    path = await _create(http, node)
    _, cached, _ = await _get(http, front.url + path)
    fetched = time.monotonic()  # the cached copy is at most this old
    _, hit, _ = await _get(http, front.url + path)
    assert hit["X-Cache-Status"] == "HIT" and hit["ETag"] == cached["ETag"]
    patch = b'{"cycleCount": 120}'
    async with http.patch(
        front.url + path,  # through the front: Authorization makes it bypass the cache
        data=patch,
        headers={"Content-Type": "application/merge-patch+json", **bearer(OPERATOR)},
    ) as response:
        assert response.status == 200, await response.text()
        written = response.headers["ETag"]
    assert written.startswith('"v2.')

    async def fresh() -> bool:
        _, headers, _ = await _get(http, front.url + path)
        if headers["ETag"] == cached["ETag"]:  # still the old version: only within max-age
            assert time.monotonic() - fetched <= MAX_AGE + CLOCK_STEP + 0.5, "stale past max-age"
            return False
        assert headers["ETag"].startswith('"v2.public.')
        return True

    await until(fresh, what="the patched public view through nginx", bound=MAX_AGE + CLOCK_STEP + 2)


async def test_a_revalidation_costs_the_node_no_render(
    node: RunningNode, front: Nginx, http: aiohttp.ClientSession
) -> None:
    path = await _create(http, node)
    renders = node.node.metrics.counter("passport_renders_total", "", ["format"])
    before = renders.get("turtle")
    _, first, body = await _get(http, front.url + path, Accept="text/turtle")
    assert first["X-Cache-Status"] == "MISS" and renders.get("turtle") == before + 1

    async def revalidated() -> bool:
        _, headers, again = await _get(http, front.url + path, Accept="text/turtle")
        assert again == body
        # REVALIDATED: nginx asked with If-None-Match and the node answered 304 (no body).
        return headers["X-Cache-Status"] == "REVALIDATED"

    await until(revalidated, what="nginx to revalidate the expired entry", bound=MAX_AGE + CLOCK_STEP + 2)
    assert renders.get("turtle") == before + 1
