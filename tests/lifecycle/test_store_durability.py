"""What the lifecycle store keeps for a restarted node, in SQLite and in Redis: announcements of
successors until acknowledged (one per successor and predecessor), and warnings stored but not
yet handed to the feed, which the service publishes again at start."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import pytest

from resolver.config.lifecycle import LifecycleSettings
from resolver.lifecycle.announcements import Announcement
from resolver.lifecycle.eventstore import EventStore, Warning
from resolver.lifecycle.readings import Reading, StoredEvent
from resolver.lifecycle.redis_events import RedisEventStore
from resolver.lifecycle.redis_feed import RedisWarningFeed
from resolver.lifecycle.service import LifecycleService
from resolver.lifecycle.sqlite_events import SQLiteEventStore
from resolver.stores import open_store
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


def _warning(n: int) -> Warning:
    return Warning(f"w-{n}", "88.100.1/X", "negative-event", "warning", float(n), float(n), "negative event")


@pytest.mark.asyncio
async def test_a_warning_stored_but_not_published_is_published_at_the_next_start(
    opener: Opener, tmp_path: Path
) -> None:
    store = await opener()
    try:
        assert await store.add_warnings([_warning(1), _warning(2)]) == [_warning(1), _warning(2)]
        await store.published([_warning(1)])  # the feed took the first; then the process stopped
        assert await store.add_warnings([_warning(2)]) == []  # known: not marked again
    finally:
        await store.aclose()
    store = await opener()
    passports = await open_store(f"sqlite:///{tmp_path}/passports.sqlite3")
    fed: list[Warning] = []

    async def publish(warnings: Sequence[Warning]) -> None:
        fed.extend(warnings)

    try:
        service = LifecycleService(
            passports=passports,
            events=store,
            settings=LifecycleSettings(),
            clock=lambda: 5.0,
            publish=publish,
        )
        assert await service.republish() == 1 and fed == [_warning(2)]
        assert await service.republish() == 0 and await store.unpublished() == []
    finally:
        await store.aclose()
        await passports.aclose()


@pytest.mark.asyncio
async def test_redis_puts_a_new_warning_on_the_feed_in_the_step_that_stores_it(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """With ``feed=True`` there is no moment where a warning is stored but not on the feed: the
    service publishes nothing after storing, and nothing is left to publish at start."""
    namespace = f"wf-{uuid.uuid4().hex[:8]}"
    store = await RedisEventStore.open(redis_server.url, namespace=namespace, feed=True)
    feed = await RedisWarningFeed.open(redis_server.url, namespace=namespace)
    passports = await open_store(f"sqlite:///{tmp_path}/passports.sqlite3")
    fed: list[Warning] = []

    async def publish(warnings: Sequence[Warning]) -> None:
        fed.extend(warnings)

    try:
        service = LifecycleService(
            passports=passports,
            events=store,
            settings=LifecycleSettings(),
            clock=lambda: 5.0,
            publish=publish,
        )
        assert store.publishes
        assert await service._raise([_warning(1), _warning(2)]) == [_warning(1), _warning(2)]
        assert await service._raise([_warning(2), _warning(3)]) == [_warning(3)]  # 2 is known
        claim = await feed.claim("c", wait=0.0)
        assert [w for _, w in claim.entries] == [_warning(1), _warning(2), _warning(3)]
        assert fed == []  # the script put them on the feed; no publish after it
        assert await store.unpublished() == [] and await service.republish() == 0
    finally:
        await feed.aclose()
        await store.aclose()
        await passports.aclose()


def _event(n: int) -> StoredEvent:
    reading = Reading("negativeEvent", float(n), 2.0, "", f"urn:e:{n}", "Overcharge")
    return StoredEvent(f"urn:e:{n}", float(n), "ObjectEvent", b'{"type": "ObjectEvent"}', (reading,))


@pytest.mark.asyncio
async def test_an_append_stores_the_warnings_of_the_events_it_stored_in_the_same_step(opener: Opener) -> None:
    """A warning given with the append is kept only when its event is new, and marked
    unpublished with it: nothing stored between the events and their warnings to lose."""
    store = await opener()
    try:
        first = await store.append("88.100.1/X", [_event(1)], [("urn:e:1", _warning(1))])
        assert first.stored == ("urn:e:1",) and first.raised == (_warning(1),)
        again = await store.append(
            "88.100.1/X", [_event(1), _event(2)], [("urn:e:1", _warning(3)), ("urn:e:2", _warning(1))]
        )
        # urn:e:1 is a duplicate: its warning is not stored; w-1 is known: not raised again.
        assert again.stored == ("urn:e:2",) and again.raised == ()
        assert [w.id for w in await store.warnings("88.100.1/X")] == ["w-1"]
        assert await store.unpublished() == [_warning(1)]
    finally:
        await store.aclose()


@pytest.mark.asyncio
async def test_redis_puts_the_warnings_of_an_append_on_the_feed(redis_server: RedisServer) -> None:
    namespace = f"wa-{uuid.uuid4().hex[:8]}"
    store = await RedisEventStore.open(redis_server.url, namespace=namespace, feed=True)
    feed = await RedisWarningFeed.open(redis_server.url, namespace=namespace)
    try:
        done = await store.append("88.100.1/X", [_event(1), _event(2)], [("urn:e:2", _warning(2))])
        assert done.raised == (_warning(2),)
        claim = await feed.claim("c", wait=0.0)
        assert [w for _, w in claim.entries] == [_warning(2)]
        assert await store.unpublished() == []
    finally:
        await feed.aclose()
        await store.aclose()
