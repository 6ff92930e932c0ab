"""After a Redis restart that lost or reset the change feed, kept public views are dropped."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import cast

import pytest

from resolver.stages.local import PublicViews
from resolver.stores import Store, open_store
from resolver.tiers import Tier
from tests.support.redis_server import RedisServer

H = "88.100.1/FEED-1"
OTHER = "88.100.1/FEED-2"


async def _read_once(store: Store) -> None:
    # As a node process does all the time: the hot-read connection then notices a Redis
    # restart, and the store drops its pooled connections before the next write (a write is
    # never retried, since it may have run).
    await store.get_view(H, Tier.PUBLIC)


async def test_a_feed_that_went_back_after_a_redis_restart_drops_every_kept_view() -> None:
    with RedisServer() as server:
        reader = await open_store(server.url)  # the node process that keeps views
        writer = await open_store(server.url)  # another process writing to the same Redis
        views = PublicViews(reader, max_bytes=1 << 20)
        try:
            await _read_once(writer)
            for n in range(3):
                await writer.put(OTHER, {Tier.PUBLIC: b"other %d" % n})
            await writer.put(H, {Tier.PUBLIC: b"v1"})
            await views.catch_up()
            first = await reader.get_view(H, Tier.PUBLIC)
            assert first is not None
            views.put(H, first, views.epoch)
            assert views.get(H) == first

            # Redis comes back without its data: its sequence restarts at 1, below the 4 seen.
            await asyncio.to_thread(server.restart, empty=True)
            await writer.put(H, {Tier.PUBLIC: b"v1 again, another passport"})
            await views.catch_up()
            assert views.get(H) is None

            # Followed again from the new start: the next write is seen as usual.
            again = await reader.get_view(H, Tier.PUBLIC)
            assert again is not None and again.body == b"v1 again, another passport"
            views.put(H, again, views.epoch)
            assert views.get(H) == again
            await writer.put(H, {Tier.PUBLIC: b"v2"}, expected_version=1)
            await views.catch_up()
            assert views.get(H) is None
        finally:
            await views.aclose()
            await reader.aclose()
            await writer.aclose()


async def test_a_feed_reset_and_refilled_past_the_last_seen_sequence_is_noticed() -> None:
    with RedisServer() as server:
        reader = await open_store(server.url)
        writer = await open_store(server.url)
        views = PublicViews(reader, max_bytes=1 << 20)
        try:
            await _read_once(writer)
            await writer.put(H, {Tier.PUBLIC: b"v1"})
            await views.catch_up()
            first = await reader.get_view(H, Tier.PUBLIC)
            assert first is not None
            views.put(H, first, views.epoch)
            await asyncio.to_thread(server.restart, empty=True)
            # Refilled beyond the one change seen: the entry at seq 1 names another handle.
            for n in range(3):
                await writer.put(f"{OTHER}-{n}", {Tier.PUBLIC: b"x"})
            await views.catch_up()
            assert views.get(H) is None
        finally:
            await views.aclose()
            await reader.aclose()
            await writer.aclose()


async def test_an_outage_then_a_reset_feed_says_views_dropped_once(caplog: pytest.LogCaptureFixture) -> None:
    # The follower logs the outage (views dropped) and then the reset; the reset must not
    # claim a second drop, as `serve` used to log for one Redis restart.
    with RedisServer() as server:
        reader = await open_store(server.url)
        writer = await open_store(server.url)
        views = PublicViews(reader, max_bytes=1 << 20)
        try:
            await _read_once(writer)
            await writer.put(H, {Tier.PUBLIC: b"v1"})
            await views.follow_once()
            with caplog.at_level(logging.WARNING, logger="resolver.stages.local"):
                await asyncio.to_thread(server.kill, hard=True)
                await views.follow_once()
                await asyncio.to_thread(server.restart, empty=True)
                await views.follow_once()
            messages = [r.getMessage() for r in caplog.records if r.name == "resolver.stages.local"]
            assert len(messages) == 2, messages
            assert "unavailable" in messages[0] and "views dropped" in messages[0]
            assert "was reset" in messages[1] and "views dropped" not in messages[1]
        finally:
            await views.aclose()
            await reader.aclose()
            await writer.aclose()


async def test_a_redis_restart_that_kept_its_data_keeps_following_without_a_reset() -> None:
    with RedisServer() as server:
        reader = await open_store(server.url)
        writer = await open_store(server.url)
        views = PublicViews(reader, max_bytes=1 << 20)
        try:
            await _read_once(writer)
            await writer.put(H, {Tier.PUBLIC: b"v1"})
            await writer.put(OTHER, {Tier.PUBLIC: b"o1"})
            await views.catch_up()
            kept = await reader.get_view(OTHER, Tier.PUBLIC)
            assert kept is not None
            views.put(OTHER, kept, views.epoch)
            await asyncio.to_thread(server.restart)  # appendfsync always: nothing lost
            await writer.put(H, {Tier.PUBLIC: b"v2"}, expected_version=1)
            await views.catch_up()
            assert views.get(OTHER) == kept  # not named by the feed since: still kept
        finally:
            await views.aclose()
            await reader.aclose()
            await writer.aclose()


async def test_a_view_newer_than_the_last_change_seen_is_not_kept(tmp_path: Path) -> None:
    # Else a write the follower never read could be lost by a feed reset and its view kept on.
    store = await open_store(f"sqlite:///{tmp_path}/s.sqlite3")
    views = PublicViews(store, max_bytes=1 << 20)
    try:
        await store.put(OTHER, {Tier.PUBLIC: b"o"})
        await views.catch_up()
        await store.put(H, {Tier.PUBLIC: b"v1"})  # not read by the follower yet
        fresh = await store.get_view(H, Tier.PUBLIC)
        assert fresh is not None
        views.put(H, fresh, views.epoch)
        assert views.get(H) is None
        await views.catch_up()
        views.put(H, fresh, views.epoch)
        assert views.get(H) == fresh
    finally:
        await views.aclose()
        await store.aclose()


async def test_a_process_starts_following_at_the_feed_end_and_sees_the_next_write() -> None:
    """A long feed is not read at start (one change per partition), and a write by another
    process after it is still seen: its view is dropped at the next pass."""

    class Counting:
        def __init__(self, inner: Store) -> None:
            self.inner = inner
            self.read = 0

        async def changes(self, *, since: int = 0, limit: int = 1000, partition: int = 0) -> object:
            found = await self.inner.changes(since=since, limit=limit, partition=partition)
            self.read += len(found)
            return found

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

    with RedisServer() as server:
        reader = await open_store(server.url)
        writer = await open_store(server.url)
        counting = Counting(reader)
        views = PublicViews(cast(Store, counting), max_bytes=1 << 20)
        try:
            for n in range(200):
                await writer.put(f"{OTHER}-{n}", {Tier.PUBLIC: b"x"})
            await writer.put(H, {Tier.PUBLIC: b"v1"})
            await views.catch_up()
            assert counting.read <= reader.partitions  # the last change of each, not 201
            first = await reader.get_view(H, Tier.PUBLIC)
            assert first is not None
            views.put(H, first, views.epoch)
            assert views.get(H) == first
            await writer.put(H, {Tier.PUBLIC: b"v2"}, expected_version=1)
            await views.catch_up()
            assert views.get(H) is None
        finally:
            await views.aclose()
            await reader.aclose()
            await writer.aclose()
