"""The warning feed in Redis, shared by every process of a node.

    {ns}:lc:feed        stream  one entry per warning (field w: its JSON)
    {ns}:lc:subs        hash    subscription id -> JSON
    {ns}:lc:dead:{SID}  hash    feed id -> dead letter JSON

Delivery reads through the consumer group ``deliverers``: each entry goes to one consumer, so
two processes never deliver the same warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from resolver.errors import InputError, StoreUnavailable
from resolver.lifecycle.eventstore import Warning
from resolver.lifecycle.feed import Claim, DeadLetter, Entry, Subscription

__all__ = ["RedisWarningFeed", "feed_key"]

GROUP = "deliverers"
_SOCKET_TIMEOUT = 5.0
_MAX_BLOCK = 2.0  # seconds a blocking read waits, well under the socket timeout


def feed_key(namespace: str) -> str:
    """The feed's stream (the event store appends to it too, in its warnings script)."""
    return f"{namespace}:lc:feed"


class RedisWarningFeed:
    def __init__(self, client: aioredis.Redis, *, namespace: str) -> None:
        self._client = client
        self._feed = feed_key(namespace)
        self._subs = f"{namespace}:lc:subs"
        self._dead = f"{namespace}:lc:dead:"

    @classmethod
    async def open(cls, url: str, *, namespace: str = "bp") -> RedisWarningFeed:
        client = aioredis.Redis.from_url(url, socket_timeout=_SOCKET_TIMEOUT, socket_connect_timeout=2.0)
        return await cls.attach(client, namespace=namespace)

    @classmethod
    async def attach(cls, client: Any, *, namespace: str) -> RedisWarningFeed:
        """The feed on an open client (a ``RedisCluster`` too, with every key in one slot)."""
        feed = cls(client, namespace=namespace)
        try:
            await client.xgroup_create(feed._feed, GROUP, id="$", mkstream=True)
        except ResponseError as err:
            if "BUSYGROUP" not in str(err):  # another process made it first
                await client.aclose()
                raise StoreUnavailable(f"warning feed: {err}") from err
        except RedisError as err:
            await client.aclose()
            raise StoreUnavailable(f"warning feed: Redis does not answer: {err}") from err
        return feed

    async def _run(self, call: Any) -> Any:
        try:
            return await call
        except ResponseError as err:
            if "Invalid stream ID" in str(err):
                raise InputError("Last-Event-ID is not an id this node gave") from err
            raise StoreUnavailable(f"warning feed: Redis refused: {err}") from err
        except RedisError as err:
            raise StoreUnavailable(f"warning feed: Redis failed: {err}") from err

    async def publish(self, warnings: Sequence[Warning]) -> list[str]:
        async with self._client.pipeline(transaction=True) as pipe:
            for warning in warnings:
                pipe.xadd(self._feed, {"w": warning.to_json()})
            ids = await self._run(pipe.execute())
        return [i.decode() for i in ids]

    async def read(self, after: str | None, *, limit: int = 100, wait: float = 0.0) -> list[Entry]:
        block = int(min(wait, _MAX_BLOCK) * 1000) if wait > 0 else None
        found = await self._run(self._client.xread({self._feed: after or "0-0"}, count=limit, block=block))
        return _entries(found)

    async def last_id(self) -> str:
        found = await self._run(self._client.xrevrange(self._feed, "+", "-", count=1))
        return found[0][0].decode() if found else ""

    async def claim(self, consumer: str, *, limit: int = 100, wait: float = 1.0) -> Claim:
        block = int(min(wait, _MAX_BLOCK) * 1000) if wait > 0 else None
        # One round trip: Redis answers a connection's commands in order, so HVALS runs when the
        # blocked XREADGROUP returns, and sees every subscription stored before those entries.
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.xreadgroup(GROUP, consumer, {self._feed: ">"}, count=limit, block=block)
            pipe.hvals(self._subs)
            found, subs = await self._run(pipe.execute())
        return Claim(_entries(found), _subscriptions(subs))

    async def reclaim(self, consumer: str, *, idle: float, limit: int = 100) -> list[Entry]:
        found = await self._run(
            self._client.xautoclaim(
                self._feed, GROUP, consumer, int(idle * 1000), start_id="0-0", count=limit
            )
        )
        claimed = found[1] if found else []
        return [
            (entry_id.decode(), Warning.from_json(fields[b"w"])) for entry_id, fields in claimed if fields
        ]

    async def done(self, entry_ids: Sequence[str]) -> None:
        if entry_ids:
            await self._run(self._client.xack(self._feed, GROUP, *entry_ids))

    async def add_subscription(self, subscription: Subscription) -> None:
        await self._run(self._client.hset(self._subs, subscription.id, subscription.to_json()))

    async def subscription(self, sid: str) -> Subscription | None:
        raw = await self._run(self._client.hget(self._subs, sid))
        return Subscription.from_json(raw) if raw is not None else None

    async def subscriptions(self) -> list[Subscription]:
        return _subscriptions(await self._run(self._client.hvals(self._subs)))

    async def add_dead_letter(self, letter: DeadLetter) -> None:
        await self._run(self._client.hset(self._dead + letter.subscription, letter.id, letter.to_json()))

    async def dead_letters(self, sid: str) -> list[DeadLetter]:
        raw = await self._run(self._client.hvals(self._dead + sid))
        letters = [DeadLetter.from_json(r) for r in raw]
        letters.sort(key=lambda d: tuple(int(p) for p in d.id.split("-")))
        return letters

    async def remove_dead_letter(self, sid: str, entry_id: str) -> DeadLetter | None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hget(self._dead + sid, entry_id)
            pipe.hdel(self._dead + sid, entry_id)
            raw, _ = await self._run(pipe.execute())
        return DeadLetter.from_json(raw) if raw is not None else None

    async def aclose(self) -> None:
        await self._client.aclose()


def _entries(found: Any) -> list[Entry]:
    entries: list[Entry] = []
    for _stream, items in found or []:
        for entry_id, fields in items:
            entries.append((entry_id.decode(), Warning.from_json(fields[b"w"])))
    return entries


def _subscriptions(raw: list[bytes] | None) -> list[Subscription]:
    return sorted((Subscription.from_json(r) for r in raw or ()), key=lambda s: s.id)
