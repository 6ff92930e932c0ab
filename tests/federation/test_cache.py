"""The federation cache shared through a real Redis: what one process keeps, another uses."""

import asyncio
import time
from typing import Any

import redis.asyncio as aioredis

from resolver.config.federation import CacheConfig
from resolver.federation.cache import CacheEntry, FederationCache
from resolver.tiers import Tier

_KEY = ("88.100.1/BAT-1", Tier.PUBLIC)


def _entry(**kw: object) -> CacheEntry:
    fields: dict[str, Any] = {
        "negative": False,
        "stored_at": time.time(),
        "age": 2,
        "max_age": 60,
        "source": "b",
        "version": 7,
    }
    fields.update(kw)
    return CacheEntry(body=b'{"id":"x"}', **fields)


async def test_an_answer_kept_by_one_process_is_found_by_another_through_redis(redis_url: str) -> None:
    config = CacheConfig(lru_bytes=1_000_000, stale_if_error=30)
    one, two = aioredis.from_url(redis_url), aioredis.from_url(redis_url)
    try:
        first, second = FederationCache(config, redis=one), FederationCache(config, redis=two)
        first.put(_KEY, _entry())
        await first.aclose()  # the Redis write happens off the answer's path
        found = await second.get(_KEY)
        assert found is not None and found.body == b'{"id":"x"}' and found.version == 7
        assert second.stats["redis_hits"] == 1
        ttl = await two.ttl(f"{config.redis_prefix}public:88.100.1/BAT-1")
        assert 80 <= ttl <= 88  # max_age 60 - age 2 + stale window 30
        assert await second.get(("88.100.1/BAT-1", Tier.AUTHORITY)) is None  # per tier
    finally:
        await one.aclose()
        await two.aclose()


async def test_a_redis_that_is_gone_makes_the_cache_a_miss_not_an_error(redis_url: str) -> None:
    client = aioredis.from_url("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        cache = FederationCache(CacheConfig(lru_bytes=0), redis=client)
        assert await cache.get(_KEY) is None
        cache.put(_KEY, _entry())
        await cache.aclose()
        assert cache.stats["redis_errors"] >= 1
    finally:
        await client.aclose()


async def test_negative_entries_expire_in_redis_after_the_negative_ttl(redis_url: str) -> None:
    negative_ttl = 5
    client = aioredis.from_url(redis_url)
    try:
        cache = FederationCache(CacheConfig(lru_bytes=0, negative_ttl=negative_ttl), redis=client)
        cache.put(_KEY, _entry(negative=True, age=0, max_age=negative_ttl, detail="no passport"))
        await asyncio.wait_for(cache.aclose(), 2)
        assert await client.ttl(f"{cache.config.redis_prefix}public:88.100.1/BAT-1") == negative_ttl
        found = await cache.get(_KEY)
        assert found is not None and found.negative
    finally:
        await client.aclose()


async def test_an_entry_expired_here_but_refreshed_by_another_process_is_taken_from_redis(
    redis_url: str,
) -> None:
    config = CacheConfig(lru_bytes=1_000_000, stale_if_error=300)
    one, two = aioredis.from_url(redis_url), aioredis.from_url(redis_url)
    try:
        here, there = FederationCache(config, redis=one), FederationCache(config, redis=two)
        here.put(_KEY, _entry(stored_at=time.time() - 100))  # expired here (max_age 60)
        await here.aclose()
        there.put(_KEY, _entry(version=8))  # the other process fetched it again just now
        await there.aclose()
        found = await here.get(_KEY)
        assert found is not None and found.version == 8 and found.fresh(time.time())
    finally:
        await one.aclose()
        await two.aclose()


async def test_not_founds_fill_only_their_own_smaller_cache_never_evicting_passports() -> None:
    now = time.time()
    cache = FederationCache(CacheConfig(lru_bytes=1 << 20, negative_bytes=16 * 1024), clock=lambda: now)
    passport = _entry(negative=False, detail="x" * 2000)
    cache.put(("88.100/KEPT", Tier.PUBLIC), passport)
    for i in range(5000):  # a flood of unknown identifiers
        cache.put((f"88.100/RANDOM-{i}", Tier.PUBLIC), _entry(negative=True, max_age=10))
    assert await cache.get(("88.100/KEPT", Tier.PUBLIC)) == passport
    assert cache.sizes["negative"] <= 16 * 1024
    assert await cache.get(("88.100/RANDOM-4999", Tier.PUBLIC)) is not None  # the newest kept
    assert await cache.get(("88.100/RANDOM-0", Tier.PUBLIC)) is None  # the oldest evicted


async def test_a_source_dropped_in_one_process_is_gone_from_redis_for_the_others(redis_url: str) -> None:
    """A feed that went back drops the source's copies in Redis too, not only in process;
    copies from other sources, and relayed copies of the source ("x via b"), are told apart."""
    config = CacheConfig(lru_bytes=1_000_000, redis_prefix="passport:fedcache:dropsrc:")
    one, two = aioredis.from_url(redis_url), aioredis.from_url(redis_url)
    keys = [(f"88.100.1/DROP-{i}", Tier.PUBLIC) for i in range(3)]
    try:
        first, second = FederationCache(config, redis=one), FederationCache(config, redis=two)
        first.put(keys[0], _entry(source="b"))
        first.put(keys[1], _entry(source="c"))
        first.put(keys[2], _entry(source="x via b"))
        await first.aclose()
        assert first.drop_source("b") == 2
        await first.aclose()  # the scan runs off the caller's path
        assert await first.get(keys[0]) is None and await first.get(keys[2]) is None
        assert await second.get(keys[0]) is None and await second.get(keys[2]) is None
        kept = await second.get(keys[1])
        assert kept is not None and kept.source == "c"
    finally:
        await one.aclose()
        await two.aclose()


def test_a_hit_within_one_second_of_age_gives_the_same_answer_and_a_later_one_ages() -> None:
    stored = 1_000_000.0
    entry = _entry(stored_at=stored, age=2, max_age=60)
    first = entry.answer("88.100.1/BAT-1", stored + 0.1)
    assert entry.answer("88.100.1/BAT-1", stored + 0.9) is first and first.age == 2
    later = entry.answer("88.100.1/BAT-1", stored + 1.2)
    assert later is not first and later.age == 3 and later.view is first.view
    # A stale answer is made for its caller alone, and leaves the fresh one in place.
    stale = entry.answer("88.100.1/BAT-1", stored + 1.5, stale=True)
    assert stale.stale and not later.stale
    assert entry.answer("88.100.1/BAT-1", stored + 1.6) is later
    other = entry.answer("88.100.1/OTHER", stored + 1.7)
    assert other.view is not None and other.view.handle == "88.100.1/OTHER"


async def test_fresh_gives_only_a_fresh_entry_kept_in_this_process() -> None:
    now = 1_000_000.0
    cache = FederationCache(CacheConfig(lru_bytes=1 << 20, stale_if_error=30), clock=lambda: now)
    entry = _entry(stored_at=now, age=0, max_age=10)
    cache.put(_KEY, entry)
    assert cache.fresh(_KEY, now + 9.5) is entry
    assert cache.fresh(_KEY, now + 10.5) is None  # expired: get() decides (stale window, Redis)
    assert cache.fresh(("88.100.1/NONE", Tier.PUBLIC), now) is None
    negative = _entry(negative=True, stored_at=now, max_age=5)
    cache.put(("88.100.1/GONE", Tier.PUBLIC), negative)
    assert cache.fresh(("88.100.1/GONE", Tier.PUBLIC), now + 1) is negative
