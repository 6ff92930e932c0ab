"""A battery's life after manufacture: dynamic data as events, health rating, warnings, subscriptions.

The app registers it with two lines (see ``Lifecycle``): its routes before the passport route,
and its lifetime hook after the node context's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from aiohttp import web

from resolver.http.auth import Authenticator
from resolver.lifecycle.delivery import Dispatcher, Sleep
from resolver.lifecycle.demo import load_demo
from resolver.lifecycle.eventstore import EventStore
from resolver.lifecycle.feed import WarningFeed
from resolver.lifecycle.readings import Clock
from resolver.lifecycle.routes import ROUTES, Handler, LifecycleRoutes
from resolver.lifecycle.service import LifecycleService
from resolver.lifecycle.settings import LifecycleSettings
from resolver.lifecycle.subscriptions import SUBSCRIPTION_ROUTES, SubscriptionRoutes
from resolver.profile import Profile

__all__ = ["Lifecycle", "LifecycleSettings", "open_stores"]

AddResource = Callable[..., None]
_log = logging.getLogger("resolver.lifecycle")


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
        redis_events = await RedisEventStore.open(plain, namespace=namespace)
        try:
            return redis_events, await RedisWarningFeed.open(plain, namespace=namespace)
        except BaseException:
            await redis_events.aclose()
            raise
    raise ValueError(f"no event store for URL scheme {parts.scheme!r}")


class Lifecycle:
    """The lifecycle part of a node. In ``create_app``::

        lifecycle = Lifecycle(demo=demo)
        lifecycle.add_routes(resource)  # before the "/{prefix}/{suffix:.+}" resource
        app.cleanup_ctx.append(lifecycle.lifetime(lambda: app[CONTEXT]))  # after ``lifetime``

    ``clock``, ``sleep`` and ``jitter`` are the node's time, the wait between delivery
    attempts and the backoff's random factor: tests pass their own. ``demo`` (with
    ``serve --demo``) gives a few example batteries a year of generated readings.
    """

    def __init__(
        self,
        settings: LifecycleSettings | None = None,
        *,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        demo: bool = False,
    ) -> None:
        self.settings = settings or LifecycleSettings()
        self.demo = demo
        self.clock = clock
        self.sleep = sleep
        self.jitter = jitter
        self.service: LifecycleService | None = None
        self.dispatcher: Dispatcher | None = None
        self._handlers: dict[str, Handler] | None = None

    def add_routes(self, resource: AddResource) -> None:
        """Register every route through ``resource(path, name, METHOD=(handler, label), ...)``."""
        for path, name, methods in [*SUBSCRIPTION_ROUTES, *ROUTES]:
            resource(path, name, **{m: (self._handler(label), label) for m, label in methods.items()})

    def _handler(self, label: str) -> Handler:
        # Routes are registered before the node context exists; the handlers are looked up
        # once it does (the lifetime hook below).
        async def handle(request: web.Request) -> web.StreamResponse:
            if self._handlers is None:
                raise web.HTTPServiceUnavailable(text="the lifecycle part is starting")
            return await self._handlers[label](request)

        return handle

    def lifetime(self, context: Callable[[], Any]) -> Callable[[web.Application], AsyncIterator[None]]:
        async def hook(app: web.Application) -> AsyncIterator[None]:
            ctx = context()
            events, feed = await open_stores(ctx.config.store)
            tasks: list[asyncio.Task[None]] = []
            try:
                self._start(ctx, events, feed, tasks)
                if self.demo and self.service is not None:
                    loaded = await load_demo(self.service)
                    _log.info("demo: a year of readings for %d example batteries", loaded)
                yield
            finally:
                self._handlers = None
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                if self.dispatcher is not None:
                    await self.dispatcher.aclose()
                await feed.aclose()
                await events.aclose()

        return hook

    def _start(
        self, ctx: Any, events: EventStore, feed: WarningFeed, tasks: list[asyncio.Task[None]]
    ) -> None:
        auth = Authenticator(ctx.config.credentials)
        self.service = LifecycleService(
            passports=ctx.store, events=events, settings=self.settings, clock=self.clock, publish=feed.publish
        )
        consumer = f"{ctx.config.node_id}-{os.getpid()}-{secrets.token_hex(3)}"
        self.dispatcher = Dispatcher(
            feed,
            ctx.http,
            self.settings,
            clock=self.clock,
            consumer=consumer,
            sleep=self.sleep,
            jitter=self.jitter,
        )
        routes = LifecycleRoutes(
            self.service,
            auth,
            profile=Profile.load(),
            case_sensitive=ctx.config.case_sensitive,
            max_body_bytes=ctx.config.limits.max_body_bytes,
        )
        subscriptions = SubscriptionRoutes(
            feed, self.dispatcher, auth, clock=self.clock, case_sensitive=ctx.config.case_sensitive
        )
        self._handlers = {**routes.handlers, **subscriptions.handlers}
        loop = asyncio.get_running_loop()
        tasks.append(loop.create_task(self.dispatcher.run(), name="lifecycle-delivery"))
        tasks.append(loop.create_task(self._sweep(self.service), name="lifecycle-silence"))

    async def _sweep(self, service: LifecycleService) -> None:
        """The no-data rule, every ``silence_sweep_seconds`` (real time: it is a period, not a test)."""
        while True:
            await asyncio.sleep(self.settings.silence_sweep_seconds)
            try:
                await service.sweep_silence()
            except asyncio.CancelledError:
                raise
            except Exception:
                _log.exception("the no-data sweep failed")
