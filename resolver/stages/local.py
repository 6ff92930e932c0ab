"""The ``local`` stage: answers, with the final word, for keys under the node's own prefixes.

One store call per lookup (``get_view`` for the lookup's tier), or none for a public view read
recently: those are kept in process and dropped as soon as the store's change feed names them.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from resolver.errors import Gone, NotFound
from resolver.identifiers import claims, longest_claim
from resolver.stages.base import Answer, Lookup, Next
from resolver.stores.base import Change, Store, View
from resolver.tiers import Tier

if TYPE_CHECKING:
    from resolver.context import NodeContext

__all__ = ["LocalStage", "PublicViews"]

_log = logging.getLogger("resolver.stages.local")
_FEED_PAGE = 1000


class PublicViews:
    """Public views read recently, kept until the store's change feed names their handle.

    The feed is followed every ``poll`` seconds by one task; until it has caught up with the
    feed (and whenever the store fails), nothing is kept, so a view is never older than the
    feed says. Writes in this process drop their handle at once (``forget``). A view read
    while the feed moved on is not kept (``epoch``): it may predate a change just processed.
    """

    def __init__(self, store: Store, *, max_bytes: int, poll: float = 0.2) -> None:
        self._store = store
        self._max_bytes = max_bytes
        self._poll = poll
        self._views: dict[str, View] = {}
        self._bytes = 0
        self._synced = False
        self._anchor: Change | None = None  # the last change read from the feed
        self.epoch = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None and self._max_bytes > 0:
            self._task = asyncio.get_running_loop().create_task(self._follow(), name="public-views-feed")

    def get(self, key: str) -> View | None:
        return self._views.get(key)

    def put(self, key: str, view: View, epoch: int) -> None:
        anchor = self._anchor
        # Kept only once the follower has seen a change at least as recent as the view: a view
        # written after the last change seen could outlive a feed reset that loses that write
        # before the follower ever reads it.
        if not self._synced or epoch != self.epoch or anchor is None or view.modified > anchor.modified:
            return
        size = len(view.body) + len(key) + 100
        if size > self._max_bytes // 4:
            return
        old = self._views.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body) + len(key) + 100
        views = self._views
        while views and self._bytes + size > self._max_bytes:
            # Oldest first (insertion order): cheap, and a hot key is soon read back in.
            evicted = next(iter(views))
            self._bytes -= len(views.pop(evicted).body) + len(evicted) + 100
        views[key] = view
        self._bytes += size

    def forget(self, key: str) -> None:
        old = self._views.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body) + len(key) + 100
        self.epoch += 1

    def _drop_all(self) -> None:
        self._views.clear()
        self._bytes = 0
        self._synced = False
        self.epoch += 1

    async def _follow(self) -> None:
        while True:
            try:
                await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # the store is away: keep nothing until it is back
                if self._synced:
                    _log.warning("change feed unavailable, in-process views dropped: %s", err)
                self._drop_all()
            await asyncio.sleep(self._poll)

    async def catch_up(self) -> None:
        """Read the feed to its end, dropping each view it names (one pass of the follower).

        Each read starts at the last change already seen (the anchor): if it is missing or
        differs, the feed went backwards or was reset (a Redis restarted without its data,
        a store replaced), so every view is dropped and the feed is read again from its start.
        """
        while True:
            anchor = self._anchor
            since = 0 if anchor is None else anchor.seq - 1
            changes = await self._store.changes(since=since, limit=_FEED_PAGE)
            if anchor is not None:
                if not changes or changes[0] != anchor:
                    _log.warning(
                        "change feed went back or was reset (last seen seq %d is %s): "
                        "in-process views dropped, following it from the start",
                        anchor.seq,
                        "gone" if not changes else f"now {changes[0]}",
                    )
                    self._drop_all()
                    self._anchor = None
                    continue
                changes = changes[1:]
            for change in changes:
                old = self._views.pop(change.handle, None)
                if old is not None:
                    self._bytes -= len(old.body) + len(change.handle) + 100
            if changes:
                self._anchor = changes[-1]
                self.epoch += 1
            if len(changes) < _FEED_PAGE - (anchor is not None):
                self._synced = True
                return

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            # wait() does not raise the task's cancellation, only this coroutine's own.
            await asyncio.wait([task])
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
        self._covered: dict[str, bool] = {}  # key -> covers(key): asked on every lookup

    @classmethod
    def from_context(cls, ctx: NodeContext) -> LocalStage:
        from resolver.federation.config import federation_config

        delegated = tuple(p for peer in federation_config(ctx).peers for p in peer.prefixes)
        stage = cls(
            ctx.store,
            ctx.config.prefixes,
            max_age=ctx.config.max_age,
            delegated=delegated,
            view_cache_bytes=ctx.config.view_cache_bytes,
        )
        stage.views.start()
        return stage

    def covers(self, key: str) -> bool:
        """Whether this node is authoritative for ``key`` (and has not delegated it to a peer)."""
        found = self._covered.get(key)
        if found is None:
            found = self._covers(key)
            covered = self._covered
            if len(covered) >= 65536:
                del covered[next(iter(covered))]
            covered[key] = found
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

    def forget(self, key: str) -> None:
        """Drop what is kept of ``key`` (this process just wrote it)."""
        self.views.forget(key)

    async def aclose(self) -> None:
        await self.views.aclose()
