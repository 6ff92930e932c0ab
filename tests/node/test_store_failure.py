"""A store that goes away: the node answers 503 problems, writes nothing half, and recovers."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator

import aiohttp
import orjson
import pytest
import pytest_asyncio

from resolver.app import RunningNode
from resolver.config import default_config
from tests.node.conftest import AUTHORITY, CREDENTIALS, EXAMPLE_HANDLE, OPERATOR, bearer, new_handle, passport
from tests.support.node import running_node
from tests.support.redis_server import RedisServer

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
        # feed can be followed: give the follower one poll to notice.
        await asyncio.sleep(0.5)
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
        async with http.get(redis_node.url + "/metrics") as response:
            assert "passport_store_errors_total 4" in await response.text()


async def test_store_frozen_during_a_write_gives_503_and_never_a_mixed_record(
    redis_node: RunningNode, own_redis: RedisServer
) -> None:
    handle = new_handle()
    url = f"{redis_node.url}/{handle}"
    process = own_redis.process
    assert process is not None
    async with aiohttp.ClientSession() as http:
        async with http.put(url, data=passport(handle), headers={**LD, **bearer(OPERATOR)}) as response:
            assert response.status == 201
        changed = passport(handle, **{'"cycleCount": 40': '"cycleCount": 77'})
        write = asyncio.create_task(http.put(url, data=changed, headers={**LD, **bearer(OPERATOR)}))
        await asyncio.sleep(0.03)  # the write has read the current record and is validating
        process.send_signal(signal.SIGSTOP)
        try:
            response = await asyncio.wait_for(write, 10)
            status, body = response.status, await response.read()
            response.release()
        finally:
            process.send_signal(signal.SIGCONT)
        # Frozen store: either the write finished before the freeze, or it failed with a problem.
        assert status in (200, 503), body
        if status == 503:
            assert orjson.loads(body)["type"].endswith("/store-unavailable")
        await asyncio.sleep(0.5)
        async with http.get(url, headers=bearer(AUTHORITY)) as full, http.get(url) as public:
            assert full.status == public.status == 200
            version = full.headers["ETag"].split(".")[0]
            # Every view of the record belongs to one version: no mix of old and new.
            assert public.headers["ETag"].split(".")[0] == version
            cycles = orjson.loads(await full.read())["cycleCount"]
            assert (version, cycles) in (('"v1', 40), ('"v2', 77))
