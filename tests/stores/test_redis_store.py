"""What only the Redis store has: its pipelined hot-read connection, databases, key layout."""

from __future__ import annotations

import asyncio
import uuid
from typing import cast

import pytest
import redis
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster

from resolver.errors import StoreUnavailable
from resolver.stores import open_store
from resolver.stores.redis import DEFAULT_PARTITIONS, HotReads, SlotReads, partition_of
from resolver.tiers import Tier
from tests.support.redis_cluster import RedisCluster
from tests.support.redis_server import RedisServer


async def test_a_cancelled_read_does_not_shift_the_answers_of_later_reads(redis_url: str) -> None:
    store = await open_store(redis_url)
    try:
        for name in ("A", "B", "C"):
            await store.put(f"88.100.1/{name}", {Tier.PUBLIC: name.encode()})
        first = asyncio.ensure_future(store.get_view("88.100.1/A", Tier.PUBLIC))
        await asyncio.sleep(0)  # the command is on the wire
        first.cancel()
        views = await asyncio.gather(*(store.get_view(f"88.100.1/{n}", Tier.PUBLIC) for n in "BCAB"))
        assert [v.body if v else None for v in views] == [b"B", b"C", b"A", b"B"]
    finally:
        await store.aclose()


async def test_the_database_in_the_url_is_the_one_read_and_written(
    redis_server: RedisServer, redis_url: str
) -> None:
    store = await open_store(redis_url.rsplit("/", 1)[0] + "/3")
    try:
        await store.put("88.100.1/DB", {Tier.PUBLIC: b"three"})
        view = await store.get_view("88.100.1/DB", Tier.PUBLIC)
        assert view is not None and view.body == b"three"
    finally:
        await store.aclose()
    with (
        redis.Redis(port=redis_server.port, db=0) as zero,
        redis.Redis(port=redis_server.port, db=3) as three,
    ):
        assert zero.dbsize() == 0
        partition = partition_of("88.100.1/DB", DEFAULT_PARTITIONS)
        assert three.exists(f"bp:{{p{partition}}}:h:88.100.1/DB") == 1


async def test_reads_fail_cleanly_while_redis_is_down_and_recover_when_it_is_back() -> None:
    with RedisServer() as server:
        store = await open_store(server.url)
        try:
            await store.put("88.100.1/X", {Tier.PUBLIC: b"x"})
            server.kill()
            with pytest.raises(StoreUnavailable):
                await store.get_view("88.100.1/X", Tier.PUBLIC)
            with pytest.raises(StoreUnavailable):
                await store.get_view("88.100.1/X", Tier.PUBLIC)
            await asyncio.to_thread(server.restart)
            # The restarted server read back its append-only file: an answer, not an error.
            kept = await store.get_view("88.100.1/X", Tier.PUBLIC)
            assert kept is not None and kept.body == b"x"
            await store.put("88.100.1/X", {Tier.PUBLIC: b"y"})
            view = await store.get_view("88.100.1/X", Tier.PUBLIC)
            assert view is not None and view.body == b"y"
        finally:
            await store.aclose()


async def test_a_store_made_with_one_number_of_partitions_refuses_another(redis_url: str) -> None:
    store = await open_store(redis_url + "?partitions=4")
    try:
        await store.put("88.100.1/PART", {Tier.PUBLIC: b"p"})
        assert store.partitions == 4
    finally:
        await store.aclose()
    with pytest.raises(StoreUnavailable, match="partitions=4"):
        await open_store(redis_url + "?partitions=8")
    again = await open_store(redis_url + "?partitions=4")
    try:
        view = await again.get_view("88.100.1/PART", Tier.PUBLIC)
        assert view is not None and view.body == b"p"
    finally:
        await again.aclose()


async def test_a_hot_read_fails_once_the_watchdog_finds_redis_silent_twice() -> None:
    # A misbehaving peer: accepts the connection and never answers.
    held: list[asyncio.StreamWriter] = []
    received = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.readuntil(b"\r\n")  # the read's command arrived
        received.set()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    hot = HotReads(f"redis://127.0.0.1:{port}/0", timeout=60.0)  # the timer never fires here
    try:
        read = asyncio.ensure_future(hot.hget(b"bp:{p0}:h:88.100.1/X", b"c"))
        await asyncio.wait_for(received.wait(), 5)
        pipe = hot.pipe
        assert pipe is not None
        pipe.look()  # the first look finds a read waiting: it may yet be answered
        assert not read.done() and pipe.alive
        pipe.look()  # still no reply: the connection is dropped, the read fails
        with pytest.raises(StoreUnavailable, match=r"did not answer within 60\.0 s"):
            await asyncio.wait_for(read, 5)
        assert hot.losses == 1
    finally:
        hot.close()
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_the_watchdog_keeps_a_connection_that_answers(redis_url: str) -> None:
    store = await open_store(redis_url)
    hot = HotReads(redis_url, timeout=60.0)
    try:
        await store.put("88.100.1/W", {Tier.PUBLIC: b"w"})
        key = f"bp:{{p{partition_of('88.100.1/W', DEFAULT_PARTITIONS)}}}:h:88.100.1/W".encode()
        assert (await hot.hget(key, b"c") or b"").endswith(b"\nw")  # connected
        pipe = hot.pipe
        assert pipe is not None
        for _ in range(3):  # each look finds a read waiting, but a reply came since the last one
            read = asyncio.ensure_future(hot.hget(key, b"c"))
            await asyncio.sleep(0)  # the read is queued
            pipe.look()
            assert (await read or b"").endswith(b"\nw")
        assert hot.pipe is pipe and pipe.alive and hot.losses == 0
    finally:
        hot.close()
        await store.aclose()


async def test_slot_reads_ask_each_slots_master_and_the_cluster_client_when_it_moved(
    redis_cluster: RedisCluster,
) -> None:
    url = redis_cluster.url.replace("redis+cluster://", "redis://")
    client = AsyncRedisCluster.from_url(url)
    slots = SlotReads(client, url, 2.0)
    try:
        await client.initialize()
        # 4 keys on each of the 3 masters (12 random keys all miss one master 2% of the time)
        keys: list[bytes] = []
        per_master: dict[str, int] = {}
        while len(keys) < 12:
            key = f"{{slot-reads-{uuid.uuid4().hex}}}:h".encode()
            master = client.nodes_manager.get_node_from_slot(client.keyslot(key)).name
            if per_master.get(master, 0) < 4:
                per_master[master] = per_master.get(master, 0) + 1
                keys.append(key)
        for n, key in enumerate(keys):
            await client.hset(key, "f", str(n))
        assert [await slots.hget(key, b"f") for key in keys] == [str(n).encode() for n in range(12)]
        masters = {slots.for_key(key) for key in keys}
        assert len(masters) == 3  # one pipelined connection per master, 12 keys spread over them

        # A slot map gone stale (slots moved): the master asked answers MOVED, the client follows.
        right = client.nodes_manager.get_node_from_slot(client.keyslot(keys[0]))
        wrong = next(n for n in client.get_primaries() if n.name != right.name)
        elsewhere = HotReads(f"redis://{wrong.host}:{wrong.port}/0", 2.0)

        class Stale(SlotReads):
            def for_key(self, key: str | bytes) -> HotReads | None:
                return elsewhere if key == keys[0] else super().for_key(key)

        try:
            assert await Stale(client, url, 2.0).hget(keys[0], b"f") == b"0"
            with pytest.raises(StoreUnavailable, match="MOVED"):
                await elsewhere.hget(keys[0], b"f")  # what the fallback answered for
        finally:
            elsewhere.close()
    finally:
        slots.close()
        await client.aclose()


async def test_a_public_view_brings_its_log_index_in_the_same_round_trip(redis_url: str) -> None:
    """Two store clients on one Redis (two processes of a node): the reader's view is the
    writer's latest at once, and carries what the log's index says of that very version."""
    import redis.asyncio as aioredis

    from resolver.parts.integrity import LogIndexes
    from resolver.stores.redis import RedisStore
    from resolver.translog.base import LogBackend
    from resolver.translog.entry import LogEntry
    from resolver.translog.log import TransparencyLog
    from resolver.translog.redis import RedisLog
    from tests.translog.conftest import sign

    writer, reader = await open_store(redis_url), await open_store(redis_url)
    client = aioredis.Redis.from_url(redis_url)
    log = TransparencyLog(RedisLog(client, namespace="translog-bp"), signer=sign)

    class Unread:  # the indexes must answer from what the store's reads told them
        async def index_of(self, identifier: str, version: int) -> int | None:
            raise AssertionError(f"the log was read for version {version} of {identifier}")

    unread = TransparencyLog(cast(LogBackend, Unread()), signer=sign)
    indexes = LogIndexes(unread, clock=lambda: 1e12)  # every version "stored long ago"
    told: list[tuple[str, int, int | None]] = []

    def sink(handle: str, version: int, index: int | None, modified: float) -> None:
        told.append((handle, version, index))
        indexes.learn(handle, version, index, modified)

    def entry(version: int) -> LogEntry:
        return LogEntry.of_views("88.100.1/L", version, "2026-12-01T00:00:00Z", {"public": b"x"})

    try:
        assert isinstance(reader, RedisStore) and isinstance(log.backend, RedisLog)
        assert reader.link_log_index(log.backend.index_key, sink)
        await log.append(LogEntry.of_views("88.100.1/OTHER", 1, "2026-12-01T00:00:00Z", {"public": b""}))
        await writer.put("88.100.1/L", {Tier.PUBLIC: b"one"})
        view = await reader.get_view("88.100.1/L", Tier.PUBLIC)
        assert view is not None and view.body == b"one" and told == [("88.100.1/L", 1, None)]
        assert await log.append(entry(1)) == 1
        await reader.get_view("88.100.1/L", Tier.PUBLIC)
        assert told == [("88.100.1/L", 1, None), ("88.100.1/L", 1, 1)]
        await writer.put("88.100.1/L", {Tier.PUBLIC: b"two"}, expected_version=1)
        view = await reader.get_view("88.100.1/L", Tier.PUBLIC)
        assert view is not None and view.body == b"two" and told[2] == ("88.100.1/L", 2, None)
        await client.script_flush()  # the script travels with each read: nothing to reload
        assert await log.append(entry(2)) == 2
        view = await reader.get_view("88.100.1/L", Tier.PUBLIC)
        assert view is not None and view.version == 2 and told[-1] == ("88.100.1/L", 2, 2)
        assert await indexes.of("88.100.1/L", 1) == 1 and await indexes.of("88.100.1/L", 2) == 2
        assert await reader.get_view("88.100.1/NONE", Tier.PUBLIC) is None and len(told) == 4
    finally:
        await writer.aclose()
        await reader.aclose()
        await client.aclose()


async def test_a_fresh_unlogged_version_costs_its_reader_one_round_trip(redis_url: str) -> None:
    """A version stored a moment ago and not (yet) in the log: the index read with its view
    answers the reader's own ``of`` at once; a later ``of`` asks the log again (it may come)."""
    import redis.asyncio as aioredis

    from resolver.parts.integrity import LogIndexes
    from resolver.stores.redis import RedisStore
    from resolver.translog.base import LogBackend
    from resolver.translog.entry import LogEntry
    from resolver.translog.log import TransparencyLog
    from resolver.translog.redis import RedisLog
    from tests.translog.conftest import sign

    reader = await open_store(redis_url)
    client = aioredis.Redis.from_url(redis_url)
    log = TransparencyLog(RedisLog(client, namespace="translog-bp"), signer=sign)

    class Counting:  # the log's index, counting the reads made of it
        asked = 0

        async def index_of(self, identifier: str, version: int) -> int | None:
            Counting.asked += 1
            return await log.backend.index_of(identifier, version)

    now = [0.0]
    indexes = LogIndexes(TransparencyLog(cast(LogBackend, Counting()), signer=sign), clock=lambda: now[0])
    handle = f"88.100.1/FRESH-{uuid.uuid4().hex[:8]}"
    try:
        assert isinstance(reader, RedisStore) and isinstance(log.backend, RedisLog)
        assert reader.link_log_index(log.backend.index_key, indexes.told)
        await reader.put(handle, {Tier.PUBLIC: b"one"})
        view = await reader.get_view(handle, Tier.PUBLIC)
        assert view is not None
        now[0] = view.modified + 1  # stored a second ago: not settled
        assert await indexes.of(handle, 1, modified=view.modified) is None and Counting.asked == 0
        assert not indexes.settled(handle, 1)
        await log.append(LogEntry.of_views(handle, 1, "2026-12-01T00:00:00Z", {"public": b"x"}))
        assert await indexes.of(handle, 1, modified=view.modified) is not None and Counting.asked == 1
        assert indexes.settled(handle, 1)
    finally:
        await reader.aclose()
        await client.aclose()
