"""The ``cache`` stage: answers for other nodes' identifiers from the federation cache.

Fresh entries answer at once; a miss or an expired entry goes on (one fetch per key) and the
peer's verified answer, or its definite "not found", is kept; stale entries stand in only
when the peer fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import replace

from resolver.errors import BadPeerAnswer, FederationError, LoopDetected, PeerTimeout, ResolverError
from resolver.federation.answers import PeerGone, PeerNotFound, PeerNotModified
from resolver.federation.cache import CacheEntry, CacheKey, FederationCache
from resolver.federation.feed import Followers
from resolver.lookup import Answer, Lookup, Next, Read
from resolver.metrics import Metrics
from resolver.tiers import Tier

__all__ = ["CacheStage"]
_JOIN_GRACE = 0.05  # seconds
_PREFETCH_SHARE = 0.1  # a copy read in the last 10 % of its lifetime is refreshed ahead
_MAX_REJOINS = 3  # fetches one lookup may join or start in turn


class CacheStage:
    name = "cache"

    def __init__(
        self, cache: FederationCache, *, metrics: Metrics, followers: Followers | None = None
    ) -> None:
        self._cache = cache
        self._followers = followers
        self._refreshing: set[asyncio.Task[None]] = set()
        self._outcomes = metrics.counter(
            "passport_federation_cache_total",
            "Federation cache lookups, by result (hit, negative, stale, miss, revalidated, prefetched).",
            ("result",),
        )
        self._count_hit = self._outcomes.labelled("hit")  # bound once: hot answers count every hit

    @property
    def cache(self) -> FederationCache:
        return self._cache

    async def aclose(self) -> None:
        """Let the cache's background Redis writes finish before the Redis client closes."""
        for task in list(self._refreshing):
            task.cancel()
        await self._cache.aclose()

    async def resolve(self, lookup: Lookup, next_stage: Next) -> Answer:
        if lookup.referral or lookup.read is not Read.CURRENT:
            return await next_stage(lookup)
        key: CacheKey = (lookup.handle, lookup.tier)
        now = self._cache.now()
        entry = self._cache.fresh(key, now)
        if entry is None:
            entry = await self._cache.get(key)
            now = self._cache.now()
        if entry is not None and entry.fresh(now):
            self._outcomes.inc("negative" if entry.negative else "hit")
            if not entry.negative and entry.near_expiry(now, _PREFETCH_SHARE):
                self._prefetch(key, lookup, next_stage, entry)
            return entry.answer(lookup.handle, now)
        self._outcomes.inc("miss")
        if entry is None or entry.negative:
            return await self._joined(key, lookup, next_stage, entry)
        # Revalidate the expired copy: a 304 keeps it without moving the body again.
        lookup = replace(lookup, if_none_match=entry.etag(lookup.tier))
        config = self._cache.config
        patience = config.serve_stale_after_ms / 1000 if entry.usable_stale(now, config.stale_if_error) else 0
        try:
            if patience <= 0:
                return await self._joined(key, lookup, next_stage, entry)
            # RFC 8767: a client does not wait the whole deadline for a slow peer when a
            # stale copy can answer; the refresh goes on in its own task meanwhile.
            async with asyncio.timeout(patience):
                return await self._joined(key, lookup, next_stage, entry)
        except TimeoutError:
            return self._stale(lookup, entry)
        except FederationError as err:
            # Stale answers stand in for a peer that failed to answer, not for one that
            # answered wrongly (a lie must be seen) nor for a loop (a configuration error).
            if isinstance(err, BadPeerAnswer | LoopDetected):
                raise
            if not entry.usable_stale(self._cache.now(), config.stale_if_error):
                raise
            return self._stale(lookup, entry)

    # --- what vouches for hot answers made from a copy (resolver/http/hot.py) ---------------

    def public_copy(self, handle: str) -> CacheEntry | None:
        """The copy a public lookup of ``handle`` would be answered with now, at once and with
        nothing else done: kept in this process, fresh, verified, of the public tier, and not
        yet due for its prefetch (None: the lookup takes the ordinary path)."""
        entry = self._cache.peek((handle, Tier.PUBLIC))
        if entry is None or entry.unverified or entry.tier not in (None, Tier.PUBLIC):
            return None
        return entry if self._answers_at_once(entry) else None

    def serving_age(self, handle: str, copy: CacheEntry) -> int | None:
        """The ``Age`` of an answer made from ``copy`` now (as :meth:`resolve` gives it), if
        ``copy``, once given by :meth:`public_copy`, is still what it gives for ``handle``
        (None: it is not). The check of every hot answer served, with one reading of the clock:
        what the copy is does not change."""
        if self._cache.peek((handle, Tier.PUBLIC)) is not copy:
            return None
        now = self._cache.now()
        return copy.age_at(now) if self._answers_at(copy, now) else None

    def _answers_at_once(self, entry: CacheEntry) -> bool:
        return self._answers_at(entry, self._cache.now())

    @staticmethod
    def _answers_at(entry: CacheEntry, now: float) -> bool:
        """Fresh at ``now``, and not yet due for its prefetch."""
        return entry.fresh(now) and not entry.near_expiry(now, _PREFETCH_SHARE)

    def count_hot_hit(self) -> None:
        """Count a hit answered by a hot answer, as :meth:`resolve` counts its own."""
        self._count_hit()

    def _stale(self, lookup: Lookup, entry: CacheEntry) -> Answer:
        self._outcomes.inc("stale")
        return entry.answer(lookup.handle, self._cache.now(), stale=True)

    def _prefetch(self, key: CacheKey, lookup: Lookup, next_stage: Next, entry: CacheEntry) -> None:
        """Refresh a copy that is read in the last part of its life before it expires (as
        Unbound's prefetch): the reader is answered at once, the refresh runs on its own."""
        if self._cache.in_flight(key):
            return
        ask = replace(lookup, if_none_match=entry.etag(lookup.tier))

        async def refresh() -> None:
            with contextlib.suppress(ResolverError):
                await self._cache.single_flight(key, lambda: self._fetch(key, ask, next_stage, entry))
                self._outcomes.inc("prefetched")

        task = asyncio.get_running_loop().create_task(refresh())
        self._refreshing.add(task)
        task.add_done_callback(self._refreshing.discard)

    async def _joined(
        self, key: CacheKey, lookup: Lookup, next_stage: Next, expired: CacheEntry | None
    ) -> Answer:
        """The one fetch for ``key``, waited for no longer than this lookup's own deadline.

        The fetch runs with the deadline of the lookup that started it, in its own task: a
        lookup that joins it and gives up does not cancel it. A lookup that joined a fetch
        which timed out on its starter's shorter deadline keeps its own deadline and asks
        again. The grace lets the fetch's own, more precise error (which peer, which
        replicas) win for the lookup that started it.
        """
        for _ in range(_MAX_REJOINS):
            joined = self._cache.in_flight(key)
            remaining = lookup.deadline - time.monotonic() + _JOIN_GRACE
            try:
                async with asyncio.timeout(max(0.0, remaining)):
                    return await self._cache.single_flight(
                        key, lambda: self._fetch(key, lookup, next_stage, expired)
                    )
            except PeerTimeout:
                if joined and lookup.deadline - time.monotonic() > _JOIN_GRACE:
                    continue  # the starter's deadline ran out, not ours
                raise
            except TimeoutError as err:
                raise PeerTimeout(
                    f"the lookup of {lookup.handle} already in flight did not finish "
                    "within this request's deadline",
                    handle=lookup.handle,
                ) from err
        raise PeerTimeout(
            f"the lookup of {lookup.handle} timed out for every caller it joined", handle=lookup.handle
        )

    async def _fetch(
        self, key: CacheKey, lookup: Lookup, next_stage: Next, expired: CacheEntry | None
    ) -> Answer:
        try:
            answer = await next_stage(lookup)
        except PeerNotModified as err:
            if expired is None or lookup.if_none_match is None:
                raise
            now = self._cache.now()
            kept = replace(expired, stored_at=now, age=err.age, max_age=err.max_age)
            if kept.fresh(now):
                self._cache.put(key, kept)
            self._outcomes.inc("revalidated")
            return kept.answer(lookup.handle, now)
        except (PeerNotFound, PeerGone) as err:
            ttl = self._cache.config.negative_ttl
            carried = err.extensions.get("max_age")
            if isinstance(carried, int):
                ttl = min(ttl, carried)  # what the cache before us had left (RFC 2308)
            err.extensions["max_age"] = ttl
            if ttl > 0:
                entry = CacheEntry(
                    negative=True,
                    stored_at=self._cache.now(),
                    age=0,
                    max_age=ttl,
                    source=str(err.extensions.get("peer", "")),
                    gone=isinstance(err, PeerGone),
                    detail=err.detail,
                )
                self._cache.put(key, entry)
            raise
        view = answer.view
        if (
            view is not None
            and answer.referral is None
            and answer.source.startswith("peer:")
            and answer.max_age > answer.age
        ):
            entry = CacheEntry(
                negative=False,
                stored_at=self._cache.now(),
                age=answer.age,
                max_age=answer.max_age,
                source=answer.source.removeprefix("peer:"),
                body=view.body,
                version=view.version,
                modified=view.modified,
                tier=answer.tier,
                owner=answer.owner.header() if answer.owner is not None else "",
                unverified=answer.unverified,
            )
            self._cache.put(key, entry)
            if self._followers is not None:
                # Their changes drop this copy from now on: the peer that gave it (which passes
                # on what it relays) and the owner, when it is a peer of this node too.
                for peer_id in {*entry.source.split(" via "), answer.owner.node_id if answer.owner else ""}:
                    self._followers.follow(peer_id)
        return answer
