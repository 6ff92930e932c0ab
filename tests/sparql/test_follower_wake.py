"""The index follower wakes on writes: this process's (the store tells it), other processes' on
one Redis (a blocking read of the feed), and polls only as the fallback. The follower's waits
run on a clock the tests move (``ManualTimer``): a poll happens only when a test advances it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from resolver.sparql.follower import IndexFollower
from resolver.sparql.index import GraphIndex
from resolver.stores import Store
from tests.sparql.conftest import examples, new_index, opened_store
from tests.support.redis_server import RedisServer

BOUND = 10.0  # seconds a test waits for what must happen before it fails


class ManualTimer:
    """``sleep`` for the follower: returns only when ``advance`` moves the time past its end."""

    def __init__(self) -> None:
        self.now = 0.0
        self.asked: list[float] = []
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self.now + seconds, done)
        self._sleepers.append(entry)
        try:
            await done
        finally:
            self._sleepers.remove(entry)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for due, done in self._sleepers:
            if due <= self.now and not done.done():
                done.set_result(None)


@pytest.fixture
async def index(tmp_path: Path) -> AsyncIterator[GraphIndex]:
    opened = GraphIndex.open(new_index(tmp_path / "index"))
    try:
        yield opened
    finally:
        opened.close()


async def _until(check: Callable[[], bool], *, then: Callable[[], None] = lambda: None) -> None:
    """Return once ``check()`` holds (callers bound it), calling ``then`` between looks."""
    while True:
        if check():
            return
        then()
        await asyncio.sleep(0.01)


async def _settle() -> None:
    """Let every task that can run, run (no time passes on the timer)."""
    for _ in range(50):
        await asyncio.sleep(0)


async def test_a_write_to_the_store_wakes_the_follower(store: Store, index: GraphIndex) -> None:
    timer = ManualTimer()
    follower = IndexFollower(store, index, sleep=timer.sleep)
    follower.start()
    try:
        async with asyncio.timeout(BOUND):
            await follower.reached(0)
            for n, key in enumerate(sorted(examples())[:3], start=1):
                await store.put(key, examples()[key].views)  # nobody calls wake()
                await follower.reached(n)
        assert timer.now == 0  # no poll was needed
        assert index.passport_count() == 3
    finally:
        await follower.stop()


async def test_a_write_of_another_process_on_sqlite_is_found_by_the_poll(
    tmp_path: Path, index: GraphIndex
) -> None:
    url = f"sqlite:///{tmp_path}/passports.sqlite3"
    key = sorted(examples())[0]
    timer = ManualTimer()
    async with opened_store(url) as mine, opened_store(url) as theirs:
        follower = IndexFollower(mine, index, poll_interval=0.02, sleep=timer.sleep)
        follower.start()
        try:
            await _settle()
            await theirs.put(key, examples()[key].views)  # another store object: no notice
            await _settle()
            assert follower.applied_seq == 0
            timer.advance(0.02)
            async with asyncio.timeout(BOUND):
                await follower.reached(1)
        finally:
            await follower.stop()


async def test_a_write_of_another_process_on_redis_wakes_the_follower(
    redis_url: str, index: GraphIndex
) -> None:
    timer = ManualTimer()
    async with opened_store(redis_url) as mine, opened_store(redis_url) as theirs:
        follower = IndexFollower(mine, index, sleep=timer.sleep)
        follower.start()
        try:
            async with asyncio.timeout(BOUND):
                await _until(lambda: follower.watching)  # the first wait on the feed answered
                before = len(timer.asked)
                for n, key in enumerate(sorted(examples())[:3], start=1):
                    await theirs.put(key, examples()[key].views)
                    await follower.reached(n)
                await _until(lambda: len(timer.asked) > before)  # the loop waits again
            assert timer.now == 0
            # While the feed is waited on, the poll is the fallback, not every 20 ms.
            assert set(timer.asked[before:]) == {follower.watched_poll_interval}
        finally:
            await follower.stop()


async def test_the_poll_takes_over_while_the_feed_wait_fails(index: GraphIndex) -> None:
    """Redis down: the feed wait fails, the follower polls every ``poll_interval`` again;
    Redis back: the wait answers again, and a write of another process wakes the follower."""
    timer = ManualTimer()
    key = sorted(examples())[0]
    with RedisServer() as server:
        async with opened_store(server.url) as mine:
            follower = IndexFollower(mine, index, poll_interval=0.02, sleep=timer.sleep)
            follower.start()
            try:
                async with asyncio.timeout(BOUND * 3):
                    await _until(lambda: follower.watching)
                    server.kill()
                    await _until(lambda: not follower.watching)
                    asked = len(timer.asked)
                    timer.advance(1.0)
                    await _until(lambda: follower.poll_interval in timer.asked[asked:])
                    server.restart()
                    await _until(lambda: follower.watching, then=lambda: timer.advance(1.0))
                    async with opened_store(server.url) as theirs:
                        await theirs.put(key, examples()[key].views)
                    await follower.reached(1)
            finally:
                await follower.stop()
