"""A store that goes away: the node answers 503 problems, writes nothing half, and recovers."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Iterator

import aiohttp
import orjson
import pytest
import pytest_asyncio
import redis.asyncio as aioredis

from resolver.app import RunningNode
from resolver.config import default_config
from tests.integration.conftest import (
    AUTHORITY,
    CREDENTIALS,
    EXAMPLE_HANDLE,
    OPERATOR,
    bearer,
    new_handle,
    passport,
)
from tests.support.node import running_node
from tests.support.redis_server import RedisServer
from tests.support.waiting import until

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROBLEM = "application/problem+json"
LD = {"Content-Type": "application/ld+json"}


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    try:
        yield server
    finally:
        if server.process is not None and server.process.poll() is None:
            server.process.send_signal(signal.SIGCONT)
        server.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def redis_node(own_redis: RedisServer) -> AsyncIterator[RunningNode]:
    config = default_config(
        store=own_redis.url + "?timeout=0.5", credentials=CREDENTIALS, workers=1, chain=("local",)
    )
    async with running_node(config, demo=True) as node:
        yield node


async def _store_errors(http: aiohttp.ClientSession, node_url: str) -> float:
    """The node's count of failed store calls, from its /metrics."""
    async with http.get(node_url + "/metrics") as response:
        text = await response.text()
    lines = [line for line in text.splitlines() if line.startswith("passport_store_errors_total ")]
    return float(lines[0].split()[1]) if lines else 0.0


async def test_stopped_redis_gives_503_problems_and_the_node_recovers_when_it_is_back(
    redis_node: RunningNode, own_redis: RedisServer
) -> None:
    url = f"{redis_node.url}/{EXAMPLE_HANDLE}"
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as response:
            assert response.status == 200
        process = own_redis.process
        assert process is not None
        process.terminate()
        process.wait(5)
        # Public views read a moment ago are kept in process only while the store's change
        # feed can be followed: wait for the follower to notice and drop them.

        async def store_failure_seen() -> bool:
            async with http.get(url) as response:
                return response.status == 503

        await until(store_failure_seen, what="the node to answer 503 once the store is gone")
        errors_before = await _store_errors(http, redis_node.url)
        for method, target, body, headers in (
            ("GET", url, None, {}),
            ("GET", redis_node.url + "/healthz", None, {}),
            ("GET", f"{redis_node.url}/api/handles/{EXAMPLE_HANDLE}", None, {}),
            (
                "PUT",
                f"{redis_node.url}/{EXAMPLE_HANDLE}",
                passport(EXAMPLE_HANDLE),
                {**LD, **bearer(OPERATOR)},
            ),
        ):
            async with http.request(method, target, data=body, headers=headers) as response:
                assert response.status == 503, (method, target)
                assert response.headers["Content-Type"] == PROBLEM
                problem = orjson.loads(await response.read())
                assert problem["type"].endswith("/store-unavailable")
                assert "Traceback" not in problem["detail"]
        own_redis.restart(empty=True)  # same port, nothing kept
        async with http.get(redis_node.url + "/healthz") as response:
            assert response.status == 200
        async with http.get(url) as response:
            assert response.status == 404
        assert await _store_errors(http, redis_node.url) == errors_before + 4


async def test_store_that_stops_taking_writes_gives_503_and_never_a_mixed_record(
    redis_node: RunningNode, own_redis: RedisServer
) -> None:
    handle = new_handle()
    url = f"{redis_node.url}/{handle}"
    admin = aioredis.from_url(own_redis.url)
    async with aiohttp.ClientSession() as http:
        async with http.put(url, data=passport(handle), headers={**LD, **bearer(OPERATOR)}) as response:
            assert response.status == 201
        changed = passport(handle, **{'"cycleCount": 40': '"cycleCount": 77'})
        # Redis holds every write (the store's write script) and still answers reads: the node
        # reads the current record and validates, then its write waits past the store's timeout.
        await admin.client_pause(10_000, all=False)
        try:
            async with http.put(url, data=changed, headers={**LD, **bearer(OPERATOR)}) as response:
                status, body = response.status, await response.read()
            assert status == 503, body
            assert orjson.loads(body)["type"].endswith("/store-unavailable")
            # Still holding writes, so nothing can land while the record is read back.
            async with http.get(url, headers=bearer(AUTHORITY)) as full, http.get(url) as public:
                assert full.status == public.status == 200
                full_tag, public_tag = full.headers["ETag"], public.headers["ETag"]
                cycles = orjson.loads(await full.read())["cycleCount"]
        finally:
            await admin.client_unpause()
            await admin.aclose()
        # The refused write left the record as it was, every view of it at one version.
        assert full_tag.startswith('"v1.') and public_tag.startswith('"v1.')
        assert cycles == 40
