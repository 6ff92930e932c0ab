"""The lifecycle part of an open node: its event store and warning feed, service and delivery.

``open_lifecycle`` is entered by the composition root (``resolver.node.open_node``) with the
node's passport store and clock; it opens the event store and warning feed beside the
passport store, starts webhook delivery and the no-data sweep, publishes what a stopped process
left unpublished, and closes all of it in reverse.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, parse_qs, urlsplit, urlunsplit

import aiohttp

from resolver import background
from resolver.config.lifecycle import LifecycleSettings
from resolver.lifecycle.delivery import Dispatcher, Sleep
from resolver.lifecycle.eventstore import EventStore
from resolver.lifecycle.feed import WarningFeed
from resolver.lifecycle.readings import Clock
from resolver.lifecycle.service import LifecycleService
from resolver.lifecycle.webhooks import GuardedResolver, WebhookGuard
from resolver.stores import Store

__all__ = ["LifecyclePart", "Timing", "open_lifecycle", "open_stores"]

_log = logging.getLogger("resolver.lifecycle")


@dataclass(frozen=True, slots=True)
class Timing:
    """The wait between delivery attempts and the backoff's random factor (tests pass theirs)."""

    sleep: Sleep = asyncio.sleep
    jitter: Callable[[], float] = field(default=random.random)


@dataclass(frozen=True, eq=False, slots=True)
class LifecyclePart:
    """What the lifecycle routes use: the service, the feed, delivery and the webhook guard."""

    settings: LifecycleSettings
    service: LifecycleService
    feed: WarningFeed
    dispatcher: Dispatcher
    guard: WebhookGuard
    clock: Clock


async def open_stores(store_url: str) -> tuple[EventStore, WarningFeed]:
    """The event store and warning feed beside the node's passport store: a sibling SQLite file
    (``passports.sqlite3`` -> ``passports.events.sqlite3``), or the same Redis and namespace."""
    parts = urlsplit(store_url)
    if parts.scheme == "sqlite":
        from resolver.lifecycle.sqlite_events import SQLiteEventStore
        from resolver.lifecycle.sqlite_feed import SQLiteWarningFeed

        path = Path(parts.path[1:] if parts.path.startswith("/") else parts.path)
        sibling = path.with_name(path.stem + ".events.sqlite3")
        events = await SQLiteEventStore.open(sibling)
        try:
            return events, await SQLiteWarningFeed.open(sibling)
        except BaseException:
            await events.aclose()
            raise
    if parts.scheme in ("redis", "rediss", "unix"):
        from resolver.lifecycle.redis_events import RedisEventStore
        from resolver.lifecycle.redis_feed import RedisWarningFeed

        namespace = parse_qs(parts.query).get("namespace", ["bp"])[-1]
        plain = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        # The event store appends new warnings to the feed (same Redis, same namespace).
        redis_events = await RedisEventStore.open(plain, namespace=namespace, feed=True)
        try:
            return redis_events, await RedisWarningFeed.open(plain, namespace=namespace)
        except BaseException:
            await redis_events.aclose()
            raise
    if parts.scheme == "redis+cluster":
        return await _cluster_stores(parts)
    raise ValueError(f"no event store for URL scheme {parts.scheme!r}")


async def _cluster_stores(parts: SplitResult) -> tuple[EventStore, WarningFeed]:
    """On a Redis Cluster: the namespace as a hash tag, so every lifecycle key is in one slot
    (its scripts and transactions span keys). Correct, not spread: the passport store is."""
    from redis.asyncio.cluster import RedisCluster

    from resolver.lifecycle.redis_events import RedisEventStore
    from resolver.lifecycle.redis_feed import RedisWarningFeed

    namespace = "{" + parse_qs(parts.query).get("namespace", ["bp"])[-1] + "-lc}"
    plain = urlunsplit(("redis", parts.netloc, parts.path, "", ""))
    events = await RedisEventStore.attach(
        RedisCluster.from_url(plain, socket_timeout=2.0, socket_connect_timeout=2.0),
        namespace=namespace,
        feed=True,
    )
    try:
        feed_client = RedisCluster.from_url(plain, socket_timeout=5.0, socket_connect_timeout=2.0)
        return events, await RedisWarningFeed.attach(feed_client, namespace=namespace)
    except BaseException:
        await events.aclose()
        raise


async def _sweep(service: LifecycleService, period: float) -> None:
    """The no-data rule, every ``period`` seconds (real time: it is a period, not a test)."""
    while True:
        await asyncio.sleep(period)
        try:
            await service.sweep_silence()
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception("the no-data sweep failed")


async def _republish(service: LifecycleService) -> None:
    """Once at start: warnings a stopped process stored but did not hand to the feed."""
    try:
        count = await service.republish()
    except asyncio.CancelledError:
        raise
    except Exception:
        _log.exception("publishing the warnings left unpublished failed")
        return
    if count:
        _log.warning("published %d warnings a stopped process had left unpublished", count)


async def _cancel(task: asyncio.Task[None]) -> None:
    await background.stop(task)


@contextlib.asynccontextmanager
async def open_lifecycle(
    settings: LifecycleSettings,
    *,
    store_url: str,
    passports: Store,
    node_id: str,
    clock: Clock,
    timing: Timing,
) -> AsyncIterator[LifecyclePart]:
    """Open the part beside ``passports`` (at ``store_url``); close it all, in reverse, on exit."""
    async with contextlib.AsyncExitStack() as stack:
        events, feed = await open_stores(store_url)
        stack.push_async_callback(events.aclose)
        stack.push_async_callback(feed.aclose)
        guard = WebhookGuard(settings.allowed_webhook_hosts)
        # Webhooks have their own session: its resolver drops addresses the guard refuses.
        connector = aiohttp.TCPConnector(resolver=GuardedResolver(guard))
        http = aiohttp.ClientSession(connector=connector, raise_for_status=False)
        stack.push_async_callback(http.close)
        service = LifecycleService(
            passports=passports, events=events, settings=settings, clock=clock, publish=feed.publish
        )
        dispatcher = Dispatcher(
            feed,
            http,
            settings,
            clock=clock,
            consumer=f"{node_id}-{os.getpid()}-{secrets.token_hex(3)}",
            sleep=timing.sleep,
            jitter=timing.jitter,
        )
        stack.push_async_callback(dispatcher.aclose)
        loop = asyncio.get_running_loop()
        delivery = loop.create_task(dispatcher.run(), name="lifecycle-delivery")
        stack.push_async_callback(_cancel, delivery)
        sweep = loop.create_task(_sweep(service, settings.silence_sweep_seconds), name="lifecycle-silence")
        stack.push_async_callback(_cancel, sweep)
        republish = loop.create_task(_republish(service), name="lifecycle-republish")
        stack.push_async_callback(_cancel, republish)
        yield LifecyclePart(settings, service, feed, dispatcher, guard, clock)
