"""Keeps the graph index up to date from the store's change feed.

``catch_up()`` applies every change after the index's last sequence, a batch at a time (the
latest state of each handle in the batch is what is applied, so replaying is harmless);
``start()`` runs it in a loop, a pass at once when the feed moves:

- a write of this process: the store tells its write listeners (``stores.notify``), and
  ``wake()`` (the node's write path calls it too);
- a write of another process, on a store whose feed can be waited on (one Redis: a blocking
  XREAD over every partition's feed, ``watched_poll_interval`` at most at a time);
- else every ``poll_interval`` (the fallback: other processes on SQLite or a Redis Cluster, or
  while the feed wait fails); with a feed wait running, every ``watched_poll_interval``.

``stop()`` ends the loop. ``sleep`` is how it waits out an interval (tests pass a clock's).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from resolver import background
from resolver.errors import ResolverError
from resolver.sparql.host import IndexProcess
from resolver.sparql.index import GraphIndex, IndexBatch
from resolver.stores.base import Change, Record, Store
from resolver.stores.notify import NotifiesWrites, WatchesFeeds

__all__ = ["IndexFollower"]

_log = logging.getLogger("resolver.sparql")


class IndexFollower:
    """Feeds ``index`` from ``store``; index writes run on one thread of their own."""

    def __init__(
        self,
        store: Store,
        index: GraphIndex | IndexProcess,
        *,
        poll_interval: float = 0.02,
        watched_poll_interval: float = 1.0,
        batch: int = 500,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.index = index
        self.poll_interval = poll_interval
        self.watched_poll_interval = watched_poll_interval
        self.batch = batch
        self._sleep = sleep
        # Whether a wait on the store's feed is running and answered last time (then the poll
        # is only the fallback, every ``watched_poll_interval``).
        self.watching = False
        self._watcher: asyncio.Task[None] | None = None
        self._woken = asyncio.Event()
        self._progress = asyncio.Event()  # set (and replaced) after each batch applied
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparql-index")
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        # The last change applied, per partition of the store's change feed.
        self.positions = index.positions(store.partitions)
        self.caught_up = False  # set once a pass has found the feed empty
        self._lock = asyncio.Lock()  # one pass at a time (the loop, a test, a rebuild)

    async def catch_up(self) -> int:
        """Apply every change the feed holds now; the number of changes applied."""
        async with self._lock:
            return await self._catch_up()

    @property
    def applied_seq(self) -> int:
        """Changes applied so far, over every partition (each partition numbers from 1)."""
        return sum(self.positions)

    async def _catch_up(self, *, bulk: bool = False) -> int:
        """``bulk``: write with pyoxigraph's bulk loader (a rebuild). A first pass (at start)
        that finds a partition more than a batch behind loads it in bulk as well: a fresh
        index over a large store is built at the rebuild's speed, not a transaction per
        batch; queries are refused until that pass ends (``caught_up``), so its writes being
        not atomic is never seen."""
        applied = 0
        heads = await self.store.heads()  # one round trip; only partitions that moved are read
        for partition in range(len(self.positions)):
            if heads[partition] <= self.positions[partition]:
                continue
            far = not self.caught_up and heads[partition] - self.positions[partition] > self.batch
            while True:
                changes = await self.store.changes(
                    since=self.positions[partition], limit=self.batch, partition=partition
                )
                if not changes:
                    break
                await self._apply(changes, bulk=bulk or far)
                applied += len(changes)
        self.caught_up = True
        return applied

    async def rebuild(self) -> int:
        """Empty the index, replay the whole feed, and compact the stores."""
        async with self._lock:
            await self._in_thread(self.index.clear)
            self.positions = [0] * len(self.positions)
            applied = await self._catch_up(bulk=True)
            await self._in_thread(self.index.optimize)
            return applied

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._follow(), name="sparql-index-follower")
            if isinstance(self.store, WatchesFeeds) and self.store.feed_watch:
                self._watcher = asyncio.create_task(self._watch(self.store), name="sparql-feed-watch")

    async def stop(self) -> None:
        task, self._task = self._task, None
        watcher, self._watcher = self._watcher, None
        self._stopping = True
        if watcher is not None:
            await background.stop(watcher)
        if task is not None:
            # The loop also checks ``_stopping`` before each pass.
            await background.stop(task)
        self._executor.shutdown(wait=True)

    async def reached(self, applied: int) -> None:
        """Return once ``applied_seq`` is at least ``applied``. Unbounded: bound the wait."""
        while self.applied_seq < applied:
            await self._progress.wait()

    def wake(self) -> None:
        """Start a pass now (this process wrote to the store), or after the current one."""
        self._woken.set()

    async def _follow(self) -> None:
        remove = self.store.written.add(self.wake) if isinstance(self.store, NotifiesWrites) else None
        try:
            while not self._stopping:
                self._woken.clear()  # a write from here on wakes the next wait
                try:
                    await self.catch_up()
                except ResolverError as err:  # the store is down, or one record is unreadable
                    _log.warning("sparql index: %s; retrying", err.detail)
                await self._wait(self.watched_poll_interval if self.watching else self.poll_interval)
        finally:
            if remove is not None:
                remove()

    async def _wait(self, interval: float) -> None:
        """Until ``wake()`` or ``interval`` seconds (by ``sleep``), whichever comes first."""
        if self._woken.is_set():
            return
        woken = asyncio.ensure_future(self._woken.wait())
        slept = asyncio.ensure_future(self._sleep(interval))
        try:
            await asyncio.wait((woken, slept), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (woken, slept):
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter

    async def _watch(self, store: WatchesFeeds) -> None:
        """Wake the loop whenever the store's feed gets a change (any process's write): a
        wait on the store, from the heads at start; after a failed wait, the loop polls every
        ``poll_interval`` until one answers again."""
        since: list[int] | None = None
        failed = 0  # failed waits in a row: one is retried at once (a slow answer, a dead connection)
        try:
            while not self._stopping:
                try:
                    if since is None:
                        since = list(await self.store.heads())
                    seen = await store.wait_for_changes(since, self.watched_poll_interval)
                except ResolverError as err:
                    failed += 1
                    if failed == 1:
                        continue
                    if self.watching:
                        _log.warning("sparql index: waiting on the feed failed (%s); polling", err.detail)
                    self.watching = False
                    await self._sleep(self.watched_poll_interval)
                    continue
                failed = 0
                self.watching = True
                if seen != since:
                    since = seen
                    self.wake()
        finally:
            self.watching = False

    async def _apply(self, changes: Sequence[Change], *, bulk: bool = False) -> None:
        latest: dict[str, Change] = {}
        for change in changes:
            latest[change.handle] = change
        records: dict[str, Record | None] = {}
        for handle in latest:
            records[handle] = await self.store.get(handle)
        versions: list[Record] = []
        if self.index.history:
            for change in changes:
                current = records.get(change.handle)
                if not change.deleted and current is not None and not current.deleted:
                    past = await self.store.get(change.handle, version=change.version)
                    if past is not None:
                        versions.append(past)
        seq, partition = changes[-1].seq, changes[-1].partition
        batch = IndexBatch(records, versions, seq, partition, bulk)

        def write() -> None:
            # One call: one request when the index is in a process of its own.
            for what, why in self.index.write(batch).items():
                _log.error("sparql index: %s skipped: %s", what, why)

        await self._in_thread(write)
        self.positions[partition] = seq
        progress, self._progress = self._progress, asyncio.Event()
        progress.set()

    async def _in_thread(self, fn: Callable[[], None]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, fn)
