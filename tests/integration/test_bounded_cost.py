"""Bounded cost per caller: token-bucket rate limits, and /validate's smaller body limit and own pool."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest
import pytest_asyncio

from resolver.config import Limits, default_config
from resolver.errors import TooManyRequests
from resolver.ratelimit import Rate, RateLimiter
from tests.integration.conftest import CREDENTIALS, EXAMPLE_HANDLE, OPERATOR, bearer, new_handle, passport
from tests.support.node import running_node


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refuses_until_time_refills_it() -> None:
    clock = _Clock()
    limits = RateLimiter(anonymous=Rate(2.0, 3), credentialed=Rate(0.0, 0), clock=clock)
    for _ in range(3):
        limits.take("192.0.2.1", anonymous=True)
    with pytest.raises(TooManyRequests) as caught:
        limits.take("192.0.2.1", anonymous=True)
    assert caught.value.status == 429 and caught.value.extensions["retry_after"] == 1
    assert "send credentials" in caught.value.detail
    limits.take("192.0.2.2", anonymous=True)  # another address has its own bucket
    for _ in range(50):
        limits.take("maker", anonymous=False)  # credentials: no limit configured
    clock.now += 0.5  # one token back at 2/s
    limits.take("192.0.2.1", anonymous=True)
    with pytest.raises(TooManyRequests):
        limits.take("192.0.2.1", anonymous=True)


def test_the_least_recently_seen_clients_are_forgotten_past_the_bound() -> None:
    clock = _Clock()
    limits = RateLimiter(anonymous=Rate(1.0, 1), credentialed=Rate(0.0, 0), clock=clock, max_clients=2)
    limits.take("a", anonymous=True)
    limits.take("b", anonymous=True)
    limits.take("c", anonymous=True)  # "a" is forgotten: its bucket starts full again
    limits.take("a", anonymous=True)
    with pytest.raises(TooManyRequests):
        limits.take("c", anonymous=True)


async def test_a_node_answers_429_with_retry_after_to_an_anonymous_caller_over_its_limit() -> None:
    config = default_config(
        credentials=CREDENTIALS,
        workers=1,
        chain=("local",),
        limits=Limits(anonymous_per_second=1, anonymous_burst=2, credentialed_per_second=100),
    )
    async with running_node(config, demo=True) as node, aiohttp.ClientSession() as http:
        url = f"{node.url}/{EXAMPLE_HANDLE}"
        statuses = []
        for _ in range(3):
            async with http.get(url) as response:
                statuses.append(response.status)
                if response.status == 429:
                    retry = response.headers["Retry-After"]
                    problem = orjson.loads(await response.read())
        assert statuses == [200, 200, 429]
        assert int(retry) >= 1 and problem["type"].endswith("/too-many-requests")
        async with http.get(url, headers=bearer(OPERATOR)) as response:
            assert response.status == 200  # credentials have their own, higher limit
        async with http.get(node.url + "/healthz") as response:
            assert response.status == 200  # the node's own endpoints are not limited
        async with http.post(
            node.url + "/validate",
            data=passport(new_handle()),
            headers={"Content-Type": "application/ld+json"},
        ) as response:
            assert response.status == 429  # /validate counts too


async def test_validate_takes_a_smaller_body_than_a_write(node_small_validate: str) -> None:
    handle = new_handle()
    big = orjson.loads(passport(handle))
    big["hazardousSubstances"] = [
        {"name": f"S{i}", "casNumber": "21324-40-3", "concentration": 1.2, "location": "electrolyte"}
        for i in range(150)
    ]
    body = orjson.dumps(big)
    assert 8 * 1024 < len(body) < 64 * 1024
    headers = {"Content-Type": "application/ld+json"}
    async with aiohttp.ClientSession() as http:
        async with http.post(node_small_validate + "/validate", data=body, headers=headers) as response:
            assert response.status == 413
            assert "8192" in (await response.json(content_type=None))["detail"]
        async with http.put(
            f"{node_small_validate}/{handle}", data=body, headers={**headers, **bearer(OPERATOR)}
        ) as response:
            assert response.status == 201, await response.text()
        small = passport(new_handle())
        async with http.post(node_small_validate + "/validate", data=small, headers=headers) as response:
            assert response.status == 200 and (await response.json())["conforms"] is True


@pytest_asyncio.fixture
async def node_small_validate() -> AsyncIterator[str]:
    config = default_config(
        credentials=CREDENTIALS, workers=1, chain=("local",), limits=Limits(validate_body_bytes=8192)
    )
    async with running_node(config) as node:
        yield node.url
