"""Announcements of successors kept in the lifecycle store until acknowledged: SQLite and Redis
keep them across a reopen (a restarted node), one per (successor, predecessor)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from resolver.lifecycle.announcements import Announcement
from resolver.lifecycle.eventstore import EventStore
from resolver.lifecycle.redis_events import RedisEventStore
from resolver.lifecycle.sqlite_events import SQLiteEventStore
from tests.support.redis_server import RedisServer, redis_server

__all__ = ["redis_server"]

Opener = Callable[[], Awaitable[EventStore]]


@pytest.fixture(params=["sqlite", "redis"])
async def opener(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Opener]:
    if request.param == "sqlite":

        async def sqlite() -> EventStore:
            return await SQLiteEventStore.open(tmp_path / "events.sqlite3")

        yield sqlite
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    namespace = f"ann-{uuid.uuid4().hex[:8]}"

    async def redis() -> EventStore:
        return await RedisEventStore.open(server.url, namespace=namespace)

    yield redis


@pytest.mark.asyncio
async def test_an_announcement_outlives_a_reopen_until_it_is_ended(opener: Opener) -> None:
    first = Announcement("88.200/SL-1", "88.300/EV-1", "repurposed", since=10.0)
    second = Announcement("88.200/SL-2", "88.300/EV-1", "remanufactured", since=20.0)
    store = await opener()
    try:
        await store.put_announcement(second)
        await store.put_announcement(first)
        await store.put_announcement(first.failed("b answered 503: unwell"))  # replaces, not adds
    finally:
        await store.aclose()
    store = await opener()  # the node started again
    try:
        kept = await store.announcements()
        assert [(a.successor, a.attempts, a.last_error) for a in kept] == [
            ("88.200/SL-1", 1, "b answered 503: unwell"),
            ("88.200/SL-2", 0, ""),
        ]
        await store.end_announcement(first)
        assert await store.announcements() == [second]
    finally:
        await store.aclose()
