"""Waiting for a condition instead of for a length of time.

What happens off a request's path (a background Redis write, a change feed followed by a
poller) is waited for by checking it, with a generous bound, so a slow machine only makes
the test slower, never wrong.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import redis.asyncio as aioredis

__all__ = ["federation_cache_key", "until", "until_redis_has"]


async def until(
    check: Callable[[], Awaitable[bool]], *, what: str, bound: float = 10.0, every: float = 0.01
) -> None:
    """Return once ``check()`` is true; fail the test naming ``what`` after ``bound`` seconds.
    ``check`` is called again ``every`` seconds (longer for a check that costs CPU each time)."""
    give_up = time.monotonic() + bound
    while not await check():
        if time.monotonic() > give_up:
            raise AssertionError(f"still waiting after {bound} s for {what}")
        await asyncio.sleep(every)


def federation_cache_key(handle: str, tier: str = "public", prefix: str = "passport:fedcache:") -> str:
    """The Redis key of a federation cache entry (``resolver.federation.cache``)."""
    return f"{prefix}{tier}:{handle}"


async def until_redis_has(redis_url: str, key: str) -> None:
    """Return once ``key`` exists in the Redis at ``redis_url``."""
    client = aioredis.from_url(redis_url)
    try:

        async def present() -> bool:
            return bool(await client.exists(key))

        await until(present, what=f"the Redis key {key}")
    finally:
        await client.aclose()
