"""Two nodes on one Redis: readings taken by either, each warning delivered exactly once."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import aiohttp
import orjson
import pytest

from resolver.tiers import Tier
from tests.integration.lifecycle.conftest import OPERATOR, REPAIRER, FakeClock, bearer, lifecycle_node
from tests.integration.lifecycle.test_warnings import Receiver, negative_event
from tests.support.redis_server import RedisServer

JSON = {"Content-Type": "application/json"}


@pytest.mark.asyncio
async def test_two_nodes_on_one_redis_deliver_each_warning_once(redis_server: RedisServer) -> None:
    store = f"{redis_server.url}?namespace=two-{uuid.uuid4().hex[:8]}"
    clock = FakeClock(1_796_040_000.0)  # 2026-11-30T12:00:00Z
    receiver = Receiver()
    hook = aiohttp.web.Application()
    hook.router.add_post("/hook", receiver.handle)
    runner = aiohttp.web.AppRunner(hook)
    await runner.setup()
    await aiohttp.web.TCPSite(runner, "127.0.0.1", 0).start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        async with (
            lifecycle_node(store, clock=clock, node_id="a") as a,
            lifecycle_node(store, clock=clock, node_id="b") as b,
            aiohttp.ClientSession() as http,
        ):
            handle = await a.new_passport()
            assert await b.node.store.get_view(handle, Tier.PUBLIC) is not None  # one store
            body = {
                "filter": {"prefixes": ["88.100.1"]},
                "delivery": {"kind": "webhook", "url": receiver.url},
            }
            async with http.post(
                f"{a.url}/subscriptions", data=orjson.dumps(body), headers={**JSON, **bearer(REPAIRER)}
            ) as response:
                assert response.status == 201

            async def post(url: str) -> Any:
                async with http.post(
                    f"{url}/{handle}/events",
                    data=orjson.dumps([negative_event(day=d) for d in (10, 11)]),
                    headers={**JSON, **bearer(OPERATOR)},
                ) as response:
                    assert response.status == 201
                    return (await response.json())["warnings"]

            raised = await asyncio.gather(*(post(node.url) for node in (a, b, a, b, a, b)))
            warnings = {w for batch in raised for w in batch}
            assert len(warnings) == 12
            await receiver.wait_for(12)
            for node in (a, b):
                assert node.lifecycle.dispatcher is not None
                await node.lifecycle.dispatcher.drained()
            namespace = store.split("namespace=")[1]
            with redis_server.client() as client:
                assert client.xpending(f"{namespace}:lc:feed", "deliverers")["pending"] == 0
                consumers = client.xinfo_consumers(f"{namespace}:lc:feed", "deliverers")
            assert {c["name"].decode()[:2] for c in consumers} == {"a-", "b-"}
            delivered = [w["id"] for w in receiver.warnings()]
            assert sorted(delivered) == sorted(warnings)  # each once, none twice
    finally:
        await runner.cleanup()


@pytest.mark.asyncio
async def test_warnings_a_dead_process_claimed_are_taken_over_and_delivered_once(
    redis_server: RedisServer,
) -> None:
    from resolver.config.lifecycle import LifecycleSettings
    from resolver.lifecycle.delivery import Dispatcher
    from resolver.lifecycle.eventstore import Warning
    from resolver.lifecycle.feed import Subscription
    from resolver.lifecycle.redis_feed import RedisWarningFeed

    namespace = f"reclaim-{uuid.uuid4().hex[:8]}"
    receiver = Receiver()
    hook = aiohttp.web.Application()
    hook.router.add_post("/hook", receiver.handle)
    runner = aiohttp.web.AppRunner(hook)
    await runner.setup()
    await aiohttp.web.TCPSite(runner, "127.0.0.1", 0).start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    feed = await RedisWarningFeed.open(redis_server.url, namespace=namespace)
    try:
        await feed.add_subscription(
            Subscription("s-1", "repairer", "webhook", url=receiver.url, secret="a-secret-of-enough-length")
        )
        warning = Warning("w-1", "88.100.1/X", "negative-event", "warning", 1.0, 1.0, "negative event")
        await feed.publish([warning])
        (claimed,) = (await feed.claim("dead-process", wait=0)).entries  # it dies before delivering
        async with aiohttp.ClientSession() as http:
            settings = LifecycleSettings(delivery_reclaim_seconds=0, allowed_webhook_hosts=("127.0.0.1",))
            alive = Dispatcher(feed, http, settings, clock=lambda: 1.0, consumer="alive")
            assert (await feed.claim("alive", wait=0)).entries == []  # a group read does not see it again
            assert await alive.reclaim() == 1
            await alive.drained()
        assert [w["id"] for w in receiver.warnings()] == ["w-1"]
        with redis_server.client() as client:
            assert client.xpending(f"{namespace}:lc:feed", "deliverers")["pending"] == 0
        assert claimed[1].id == "w-1"
    finally:
        await feed.aclose()
        await runner.cleanup()
