"""A node whose store is a Redis Cluster (3 masters, 1 replica each): it starts (the lifecycle
stores included), writes, reads, and its public-view cache follows every feed partition."""

from __future__ import annotations

import aiohttp
import pytest

from resolver.config import default_config
from tests.integration.conftest import CREDENTIALS, OPERATOR, bearer, new_handle, passport
from tests.support.node import running_node
from tests.support.redis_cluster import redis_cluster, redis_cluster_url
from tests.support.waiting import until

__all__ = ["redis_cluster", "redis_cluster_url"]

pytestmark = pytest.mark.asyncio


async def test_a_node_on_a_redis_cluster_writes_and_reads(redis_cluster_url: str) -> None:
    config = default_config(store=redis_cluster_url, credentials=CREDENTIALS, workers=1, chain=("local",))
    async with running_node(config) as node, aiohttp.ClientSession() as http:
        handles = [new_handle() for _ in range(6)]  # several, so several partitions
        for handle in handles:
            async with http.put(
                node.url + "/" + handle,
                data=passport(handle),
                headers={"Content-Type": "application/ld+json", **bearer(OPERATOR)},
            ) as response:
                assert response.status == 201, await response.text()
        store = node.node.store
        assert len({store.partition_of(h) for h in handles}) > 1
        for handle in handles:
            async with http.get(node.url + "/" + handle) as response:
                assert response.status == 200 and response.headers["ETag"].startswith('"v1.public.')
        views = node.node.stages[0].views  # type: ignore[attr-defined]

        async def kept() -> bool:  # the follower caught up with every partition
            for handle in handles:
                async with http.get(node.url + "/" + handle):
                    pass
            return all(views.get(h) is not None for h in handles)

        await until(kept, what="public views kept after the feed follower caught up")
        async with http.get(node.url + "/healthz") as response:
            assert response.status == 200 and (await response.json())["passports"] == len(handles)
