"""The ``local`` stage: answers, with the final word, for keys under the node's own prefixes.

One store call per lookup (``get_view`` for the lookup's tier), or none for a public view read
recently: those are kept in process and dropped as soon as the store's change feed names them.
"""

from __future__ import annotations

import asyncio
import logging

from resolver import background
from resolver.errors import Gone, InputError, NotFound
from resolver.identifiers import claims, longest_claim
from resolver.lookup import Answer, Lookup, Next, Read
from resolver.memo import ENTRY_OVERHEAD, Memo
from resolver.stores.base import Change, Record, Store, View
from resolver.tiers import Tier

__all__ = ["LocalStage", "PublicViews"]

_log = logging.getLogger("resolver.stages.local")
_FEED_PAGE = 1000


_COVERED_BYTES = 8 * 1024 * 1024


def _view_size(key: str, view: View) -> int:
    return len(view.body) + len(key) + ENTRY_OVERHEAD


def _covered_size(key: str, covered: bool) -> int:
    return len(key) + ENTRY_OVERHEAD


class PublicViews:
    """Public views read recently, kept until the store's change feed names their handle.

    The feed is followed every ``poll`` seconds by one task; until it has caught up with the
    feed (and whenever the store fails), nothing is kept, so a view is never older than the
    feed says. Writes in this process drop their handle at once (``forget``). A view read
    while the feed moved on is not kept (``epoch``): it may predate a change just processed.
    Every partition of the feed is followed, with its own position (the last change read).
    """

    def __init__(self, store: Store, *, max_bytes: int, poll: float = 0.2) -> None:
        self._store = store
        self._max_bytes = max_bytes
        self._poll = poll
        self._views: Memo[str, View] = Memo(max_bytes, _view_size)
        self._synced = False
        # Per feed partition, the last change read from it.
        self._anchors: list[Change | None] = [None] * store.partitions
        self.epoch = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None and self._max_bytes > 0:
            self._task = asyncio.get_running_loop().create_task(self._follow(), name="public-views-feed")

    def get(self, key: str) -> View | None:
        return self._views.get(key)

    def peek(self, key: str) -> View | None:
        """The view kept for ``key``, without counting as a use of it (``Memo.peek``)."""
        return self._views.peek(key)

    def put(self, key: str, view: View, epoch: int) -> None:
        anchor = self._anchors[self._store.partition_of(key)]
        # Kept only once the follower has seen a change at least as recent as the view: a view
        # written after the last change seen could outlive a feed reset that loses that write
        # before the follower ever reads it.
        if not self._synced or epoch != self.epoch or anchor is None or view.modified > anchor.modified:
            return
        self._views.put(key, view)

    def forget(self, key: str) -> None:
        self._views.pop(key)
        self.epoch += 1

    def _drop_all(self) -> None:
        self._views.clear()
        self._synced = False
        self.epoch += 1

    async def _follow(self) -> None:
        while True:
            await self.follow_once()
            await asyncio.sleep(self._poll)

    async def follow_once(self) -> None:
        """One pass of the follower: ``catch_up``, or keep nothing while the store is away."""
        try:
            await self.catch_up()
        except asyncio.CancelledError:
            raise
        except Exception as err:  # the store is away: keep nothing until it is back
            if self._synced:
                _log.warning("change feed unavailable, in-process views dropped: %s", err)
            self._drop_all()

    async def catch_up(self) -> None:
        """Read every partition of the feed to its end, dropping each view it names (one pass)."""
        for partition in range(len(self._anchors)):
            await self._catch_up(partition)
        self._synced = True

    async def _catch_up(self, partition: int) -> None:
        """Read one partition to its end.

        Each read starts at the last change already seen there (the anchor): if it is missing
        or differs, the feed went backwards or was reset (a Redis restarted without its data,
        a store replaced), so every view is dropped and the partition is followed again from
        its last change. Without an anchor (at start, after a reset) it is read from its last
        change on (``_start_of``).
        """
        while True:
            anchor = self._anchors[partition]
            since = anchor.seq - 1 if anchor is not None else await self._start_of(partition)
            changes = await self._store.changes(since=since, limit=_FEED_PAGE, partition=partition)
            if anchor is not None:
                if not changes or changes[0] != anchor:
                    # After an outage the views were dropped already, and that was logged:
                    # say only what is new (else one Redis restart reads as two drops).
                    _log.warning(
                        "change feed went back or was reset (last seen seq %d of partition %d is %s): %s",
                        anchor.seq,
                        partition,
                        "gone" if not changes else f"now {changes[0]}",
                        "in-process views dropped, following it from its last change"
                        if self._synced
                        else "following it from its last change",
                    )
                    self._drop_all()
                    self._anchors[partition] = None
                    continue
                changes = changes[1:]
            for change in changes:
                self._views.pop(change.handle)
            if changes:
                self._anchors[partition] = changes[-1]
                self.epoch += 1
            if len(changes) < _FEED_PAGE - (anchor is not None):
                return

    async def _start_of(self, partition: int) -> int:
        """Where a partition without an anchor is read from: its last change (``heads``).

        Nothing of it is kept then (``put`` keeps no view of a partition without an anchor, and
        a reset drops every view), so the changes before have nothing to drop: a process starts
        following a feed of millions of writes in one read, not by reading all of them.
        """
        return max((await self._store.heads())[partition] - 1, 0)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await background.stop(task)
        self._drop_all()


class LocalStage:
    """Resolve from the store when the node is authoritative for the key's prefix."""

    name = "local"

    def __init__(
        self,
        store: Store,
        prefixes: tuple[str, ...],
        *,
        max_age: int,
        delegated: tuple[str, ...] = (),
        view_cache_bytes: int = 0,
    ) -> None:
        self._store = store
        self.views = PublicViews(store, max_bytes=view_cache_bytes)
        self._prefixes = prefixes
        self._max_age = max_age
        # Prefixes under this node's own that a peer holds (88.100.1 under 88.100): the peer's
        # longer claim wins, as the federation stage will ask it.
        self._delegated = tuple(d for d in delegated if any(claims(p, d + "/") for p in prefixes))
        # key -> covers(key): asked on every lookup
        self._covered: Memo[str, bool] = Memo(_COVERED_BYTES, _covered_size)
        # Handle prefixes match by the key's head (before its first "/") alone; GS1 claims
        # ("01/...") by more. Without GS1 claims the answer is kept per head: a few entries,
        # where one per key missed on every key not asked lately.
        self._by_head = not any(p.startswith("01/") for p in (*prefixes, *self._delegated))

    def covers(self, key: str) -> bool:
        """Whether this node is authoritative for ``key`` (and has not delegated it to a peer)."""
        kept = key
        if self._by_head:
            slash = key.find("/")
            if slash < 0:
                return False  # no handle prefix claims a key without a head
            kept = key[:slash]
        found = self._covered.get(kept)
        if found is None:
            found = self._covers(key)
            self._covered.put(kept, found)
        return found

    def _covers(self, key: str) -> bool:
        if not self._delegated:
            return any(claims(prefix, key) for prefix in self._prefixes)
        own = longest_claim(self._prefixes, key)
        if own is None:
            return False
        peer = longest_claim(self._delegated, key)
        return peer is None or len(peer) <= len(own)

    async def resolve(self, lookup: Lookup, next_stage: Next) -> Answer:
        key = lookup.handle
        if not self.covers(key):
            return await next_stage(lookup)
        if lookup.read is not Read.CURRENT:
            return await self._past(lookup)
        if lookup.tier is Tier.PUBLIC:
            views = self.views
            view = views.get(key)
            if view is None:
                epoch = views.epoch
                view = await self._store.get_view(key, Tier.PUBLIC)
                if view is not None:
                    views.put(key, view, epoch)
        else:
            view = await self._store.get_view(key, lookup.tier)
        if view is None:
            raise NotFound(f"no passport is registered for {lookup.handle}", handle=lookup.handle)
        if view.deleted:
            raise Gone(
                f"the passport {lookup.handle} was deleted (version {view.version})",
                handle=lookup.handle,
                version=view.version,
            )
        return Answer(view=view, source="local", max_age=self._max_age)

    async def _past(self, lookup: Lookup) -> Answer:
        """A past version, the version current at a time, or the history (the store's records).

        After a delete, the public no longer sees any version; callers with credentials do.
        """
        key = lookup.handle
        current = await self._store.get(key)
        if current is None:
            raise NotFound(f"no passport is registered for {key}", handle=key)
        if current.deleted and not lookup.credentialed:
            raise Gone(
                f"the passport {key} was deleted; its history is open to callers with credentials",
                handle=key,
            )
        if lookup.read is Read.HISTORY:
            records = await self._store.history(key)
            return Answer(view=None, source="local", max_age=0, current=current, records=records)
        found = await self._record(lookup, current)
        if found.deleted:
            raise Gone(f"version {found.version} of {key} is the deletion", handle=key, version=found.version)
        body = found.views.get(lookup.tier)
        if body is None:
            raise NotFound(f"version {found.version} of {key} has no {lookup.tier.label} view")
        view = View(found.handle, found.version, found.modified, False, body)
        return Answer(view=view, source="local", max_age=self._max_age, current=found)

    async def _record(self, lookup: Lookup, current: Record) -> Record:
        key = lookup.handle
        if lookup.read is Read.VERSION and lookup.version is not None:
            version = lookup.version
            found = current if version == current.version else await self._store.get(key, version=version)
            if found is None:
                raise NotFound(f"{key} has no version {version} (current: {current.version})", handle=key)
            return found
        if lookup.at is None:
            raise InputError(f"a {lookup.read.value} read needs its version or time")
        found = await self._store.at(key, lookup.at)
        if found is None:
            raise NotFound(f"{key} did not exist at the time asked for", handle=key)
        return found

    def forget(self, key: str) -> None:
        """Drop what is kept of ``key`` (this process just wrote it)."""
        self.views.forget(key)

    async def aclose(self) -> None:
        await self.views.aclose()
