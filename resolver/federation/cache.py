"""The federation cache: answers from peers kept per (identifier, tier), in process and in Redis.

An in-process LRU is asked first, then the shared Redis (when the node has one); entries carry
their age and lifetime so any process can compute ``Age`` and freshness. One fetch per key is in
flight at a time. Only verified answers and authoritative "not found"s are ever stored.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import orjson
import redis.asyncio as aioredis

from resolver.config.federation import CacheConfig
from resolver.errors import Gone, NotFound
from resolver.lookup import Answer, Owner
from resolver.memo import ENTRY_OVERHEAD, Memo
from resolver.stores.base import View
from resolver.tiers import Tier

__all__ = ["CacheEntry", "CacheKey", "FederationCache"]

log = logging.getLogger(__name__)

CacheKey = tuple[str, Tier]  # (normalised identifier key, tier asked for)

# A Redis round trip that takes longer than this is treated as a miss: the cache must never
# cost more than asking the peer would.
_REDIS_TIMEOUT = 0.05
_DROP_SOURCE_TIMEOUT = 10.0  # the scan for one source's copies after its feed went back


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One cached answer (a view) or an authoritative "not found" (``negative``).

    ``stored_at`` is wall-clock time (shared between processes through Redis); ``age`` is the
    answer's age when stored; ``max_age`` its freshness lifetime from the authoritative node.
    """

    negative: bool
    stored_at: float
    age: int
    max_age: int
    source: str
    body: bytes = b""
    version: int = 0
    modified: float = 0.0
    tier: Tier | None = None
    gone: bool = False
    detail: str = ""
    owner: str = ""  # the authoritative node as a peer named it (``Passport-Owner``), or ""
    unverified: str = ""  # why the copy was not checked against its owner's key (Answer.unverified)
    # Built once per entry, not on every hit: the view a hit answers with, the owner parsed,
    # and the last answer given (a hit within the same second of age gives the same one).
    _view: View | None = field(init=False, repr=False, compare=False)
    _owner: Owner | None = field(init=False, repr=False, compare=False)
    _last: Answer | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_view", None)  # made by the first hit (it knows the handle)
        object.__setattr__(self, "_owner", Owner.parse(self.owner) if self.owner else None)
        object.__setattr__(self, "_last", None)

    def came_from(self, peer_id: str) -> bool:
        """Whether ``peer_id`` gave this copy or owns it (``source`` is "owner via relay")."""
        return peer_id in self.source.split(" via ")

    def gave(self, view: View) -> bool:
        """Whether ``view`` is the very view this copy's answers are made with."""
        return view is self._view

    def age_at(self, now: float) -> int:
        return self.age + max(0, int(now - self.stored_at))

    def fresh(self, now: float) -> bool:
        return self.age + max(0.0, now - self.stored_at) < self.max_age

    def near_expiry(self, now: float, share: float) -> bool:
        """Whether less than ``share`` of the copy's lifetime is left (time to prefetch)."""
        return self.max_age - (self.age + max(0.0, now - self.stored_at)) < self.max_age * share

    def etag(self, asked: Tier) -> str:
        """The peer's ETag for this copy (JSON-LD at its served tier), to revalidate it."""
        served = self.tier if self.tier is not None else asked
        return f'"v{self.version}.{served.label}.jsonld"'

    def usable_stale(self, now: float, window: int) -> bool:
        """Whether the entry may stand in for a failing peer (never a negative one)."""
        return not self.negative and self.age + max(0.0, now - self.stored_at) < self.max_age + window

    def answer(self, handle: str, now: float, *, stale: bool = False) -> Answer:
        """The cached answer, aged; a negative entry raises the "not found" it stands for."""
        if self.negative:
            cls = Gone if self.gone else NotFound
            left = max(0, self.max_age - self.age_at(now))
            raise cls(
                self.detail or f"no passport is registered for {handle}",
                peer=self.source,
                cached=True,
                max_age=left,
            )
        age = self.age_at(now)
        last = self._last
        # Answers are frozen: the same one serves every hit of this second of the copy's age.
        if (
            not stale
            and last is not None
            and last.age == age
            and last.view is not None
            and last.view.handle == handle
        ):
            return last
        view = self._view
        if view is None or view.handle != handle:  # the entry's key names the handle: made once
            view = View(
                handle=handle, version=self.version, modified=self.modified, deleted=False, body=self.body
            )
            object.__setattr__(self, "_view", view)
        answer = Answer(
            view=view,
            source="cache",
            max_age=self.max_age,
            age=age,
            stale=stale,
            hops=(self.source,),
            tier=self.tier,
            owner=self._owner,
            unverified=self.unverified,
        )
        if not stale:
            object.__setattr__(self, "_last", answer)
        return answer

    def encode(self) -> bytes:
        meta = {
            "n": self.negative,
            "t": self.stored_at,
            "a": self.age,
            "m": self.max_age,
            "s": self.source,
            "v": self.version,
            "d": self.modified,
            "r": int(self.tier) if self.tier is not None else None,
            "g": self.gone,
            "x": self.detail,
            "o": self.owner,
            "u": self.unverified,
        }
        return orjson.dumps(meta) + b"\n" + self.body

    @classmethod
    def decode(cls, raw: bytes) -> CacheEntry:
        head, _, body = raw.partition(b"\n")  # orjson never writes a raw newline
        meta = orjson.loads(head)
        return cls(
            negative=bool(meta["n"]),
            stored_at=float(meta["t"]),
            age=int(meta["a"]),
            max_age=int(meta["m"]),
            source=str(meta["s"]),
            body=body,
            version=int(meta["v"]),
            modified=float(meta["d"]),
            tier=Tier(meta["r"]) if meta["r"] is not None else None,
            gone=bool(meta["g"]),
            detail=str(meta["x"]),
            owner=str(meta.get("o", "")),
            unverified=str(meta.get("u", "")),
        )


def _entry_size(key: CacheKey, entry: CacheEntry) -> int:
    return len(entry.body) + len(entry.detail) + len(entry.source) + len(key[0]) + 2 * ENTRY_OVERHEAD


class FederationCache:
    """LRU in front of an optional shared Redis, with single flight per key."""

    def __init__(
        self,
        config: CacheConfig,
        *,
        redis: aioredis.Redis | None = None,
        clock: Callable[[], float] = time.time,
        on_redis_error: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config
        self._redis = redis
        self._clock = clock
        self._on_redis_error = on_redis_error
        # Positive and negative answers apart (as CoreDNS and Unbound keep them): a flood of
        # unknown identifiers fills only the smaller negative cache, never evicting passports.
        self._lru: Memo[CacheKey, CacheEntry] = Memo(config.lru_bytes, _entry_size)
        self._negative: Memo[CacheKey, CacheEntry] = Memo(config.negative_bytes, _entry_size)
        self._inflight: dict[CacheKey, asyncio.Task[Answer]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self.stats = {
            "hits": 0,
            "misses": 0,
            "stale": 0,
            "negative_hits": 0,
            "redis_hits": 0,
            "redis_errors": 0,
        }

    def now(self) -> float:
        return self._clock()

    def _redis_key(self, key: CacheKey) -> str:
        return f"{self.config.redis_prefix}{key[1].label}:{key[0]}"

    def fresh(self, key: CacheKey, now: float) -> CacheEntry | None:
        """The entry for ``key`` kept in this process when it is fresh at ``now`` (no await: the
        hit path); None sends the caller to :meth:`get`."""
        local = self._lru.get(key) or self._negative.get(key)
        return local if local is not None and local.fresh(now) else None

    def peek(self, key: CacheKey) -> CacheEntry | None:
        """The positive entry for ``key`` kept in this process, fresh or not, without counting
        as a use of it (``Memo.peek``)."""
        return self._lru.peek(key)

    async def get(self, key: CacheKey) -> CacheEntry | None:
        """The entry for ``key`` if it is still of any use (fresh, or within the stale window)."""
        now = self._clock()
        local = self._lru.get(key) or self._negative.get(key)
        if local is not None:
            if local.fresh(now):
                return local
            if not self._useful(local, now):
                self._forget(key)
                local = None
        # Not fresh here: another process of the node may have refreshed it in Redis.
        shared = await self._redis_get(self._redis, key) if self._redis is not None else None
        fresher = shared is not None and (local is None or shared.stored_at > local.stored_at)
        if shared is not None and fresher and self._useful(shared, now):
            self.stats["redis_hits"] += 1
            self._remember(key, shared)
            return shared
        return local

    async def _redis_get(self, redis: aioredis.Redis, key: CacheKey) -> CacheEntry | None:
        try:
            async with asyncio.timeout(_REDIS_TIMEOUT):
                raw = await redis.get(self._redis_key(key))
        except (TimeoutError, OSError, ConnectionError) as err:
            self._redis_failed("get", err)
            return None
        except Exception as err:  # redis-py's own errors: a cache that fails is only a miss
            if not _is_redis_error(err):
                raise
            self._redis_failed("get", err)
            return None
        if raw is None:
            return None
        try:
            return CacheEntry.decode(raw if isinstance(raw, bytes) else raw.encode())
        except (ValueError, KeyError, TypeError):
            return None  # written by another version of the node: a miss

    def _useful(self, entry: CacheEntry, now: float) -> bool:
        return entry.fresh(now) or entry.usable_stale(now, self.config.stale_if_error)

    def put(self, key: CacheKey, entry: CacheEntry) -> None:
        """Keep ``entry`` in process now and in Redis in the background (off the answer's path)."""
        self._remember(key, entry)
        if self._redis is None:
            return
        lifetime = entry.max_age - entry.age + (0 if entry.negative else self.config.stale_if_error)
        if lifetime <= 0:
            return
        task = asyncio.get_running_loop().create_task(
            self._redis_put(self._redis, key, entry.encode(), math.ceil(lifetime))
        )
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _redis_put(self, redis: aioredis.Redis, key: CacheKey, raw: bytes, ttl: int) -> None:
        try:
            async with asyncio.timeout(1.0):
                await redis.set(self._redis_key(key), raw, ex=ttl)
        except (TimeoutError, OSError, ConnectionError) as err:
            self._redis_failed("set", err)
        except Exception as err:
            if not _is_redis_error(err):
                raise
            self._redis_failed("set", err)

    def _remember(self, key: CacheKey, entry: CacheEntry) -> None:
        self._forget(key)
        (self._negative if entry.negative else self._lru).put(key, entry)

    def _forget(self, key: CacheKey) -> None:
        self._lru.pop(key)
        self._negative.pop(key)

    @property
    def sizes(self) -> dict[str, int]:
        """Bytes held in process: positive and negative answers."""
        return {"positive": self._lru.bytes, "negative": self._negative.bytes}

    def _redis_failed(self, what: str, err: BaseException) -> None:
        self.stats["redis_errors"] += 1
        if self._on_redis_error is not None:
            self._on_redis_error(what)
        log.warning("federation cache: redis %s failed (%s); answering without it", what, err)

    def in_flight(self, key: CacheKey) -> bool:
        """Whether a fetch for ``key`` is running now (a caller would join it)."""
        return key in self._inflight

    async def single_flight(self, key: CacheKey, fetch: Callable[[], Awaitable[Answer]]) -> Answer:
        """Run ``fetch`` once for concurrent callers of one key; all of them get its outcome.

        The fetch runs as its own task, so a caller that gives up (cancelled) does not cancel
        it for the others.
        """
        task = self._inflight.get(key)
        if task is None:

            async def run() -> Answer:
                return await fetch()

            task = asyncio.get_running_loop().create_task(run())
            self._inflight[key] = task
            task.add_done_callback(lambda t: self._landed(key, t))
        return await asyncio.shield(task)

    def _landed(self, key: CacheKey, task: asyncio.Task[Answer]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # retrieved here: every caller may have gone

    async def aclose(self) -> None:
        """Wait for background Redis writes (bounded by their own timeouts)."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    def clear(self) -> None:
        self._lru.clear()
        self._negative.clear()

    def drop(self, handle: str) -> None:
        """Forget every tier's copy of ``handle`` (its owner changed it), here and in Redis."""
        keys = [(handle, tier) for tier in Tier]
        for key in keys:
            self._forget(key)
        if self._redis is not None:
            self._background_task(self._redis_delete(self._redis, [self._redis_key(k) for k in keys]))

    def drop_source(self, peer_id: str) -> int:
        """Forget every copy that came from (or through) ``peer_id``, in process and in the
        shared Redis (in the background); how many were dropped in process."""
        dropped = [
            key
            for memo in (self._lru, self._negative)
            for key, entry in memo.items()
            if entry.came_from(peer_id)
        ]
        for key in dropped:
            self._forget(key)
        if self._redis is not None:
            self._background_task(self._redis_drop_source(self._redis, peer_id))
        return len(dropped)

    async def _redis_drop_source(self, redis: aioredis.Redis, peer_id: str) -> None:
        """Delete the shared copies from ``peer_id``: a scan of this cache's keys, bounded in
        time (what a scan misses expires with its max-age, as without the feed)."""
        try:
            async with asyncio.timeout(_DROP_SOURCE_TIMEOUT):
                batch: list[str | bytes] = []
                async for name in redis.scan_iter(match=f"{self.config.redis_prefix}*", count=500):
                    batch.append(name)
                    if len(batch) >= 500:
                        await self._redis_drop_batch(redis, batch, peer_id)
                        batch = []
                if batch:
                    await self._redis_drop_batch(redis, batch, peer_id)
        except (TimeoutError, OSError, ConnectionError) as err:
            self._redis_failed("drop-source", err)
        except Exception as err:
            if not _is_redis_error(err):
                raise
            self._redis_failed("drop-source", err)

    async def _redis_drop_batch(self, redis: aioredis.Redis, names: list[str | bytes], peer_id: str) -> None:
        pipe = redis.pipeline(transaction=False)
        for name in names:
            pipe.get(name)
        values = await pipe.execute()
        doomed = []
        for name, raw in zip(names, values, strict=True):
            if raw is None:
                continue
            try:
                entry = CacheEntry.decode(raw if isinstance(raw, bytes) else str(raw).encode())
            except (ValueError, KeyError, TypeError):
                continue
            if entry.came_from(peer_id):
                doomed.append(name)
        if doomed:
            await redis.delete(*doomed)

    async def _redis_delete(self, redis: aioredis.Redis, names: list[str]) -> None:
        try:
            async with asyncio.timeout(1.0):
                await redis.delete(*names)
        except (TimeoutError, OSError, ConnectionError) as err:
            self._redis_failed("delete", err)
        except Exception as err:
            if not _is_redis_error(err):
                raise
            self._redis_failed("delete", err)

    def _background_task(self, work: Awaitable[None]) -> None:
        async def run() -> None:
            await work

        task = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _is_redis_error(err: BaseException) -> bool:
    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover - redis is a dependency
        return False
    return isinstance(err, RedisError)
