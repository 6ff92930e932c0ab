"""A battery's life after manufacture: dynamic data as events, health rating, warnings, subscriptions.

The app registers it with two lines (see ``Lifecycle``): its routes before the passport route,
and its lifetime hook after the node context's.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from aiohttp import web

from resolver.http.auth import Authenticator
from resolver.lifecycle.eventstore import EventStore
from resolver.lifecycle.readings import Clock
from resolver.lifecycle.routes import ROUTES, Handler, LifecycleRoutes
from resolver.lifecycle.service import LifecycleService
from resolver.lifecycle.settings import LifecycleSettings
from resolver.profile import Profile

__all__ = ["Lifecycle", "LifecycleSettings", "open_event_store"]

AddResource = Callable[..., None]


async def open_event_store(store_url: str) -> EventStore:
    """The event store beside the node's passport store: a sibling SQLite file
    (``passports.sqlite3`` -> ``passports.events.sqlite3``), or the same Redis and namespace."""
    parts = urlsplit(store_url)
    if parts.scheme == "sqlite":
        from resolver.lifecycle.sqlite_events import SQLiteEventStore

        path = Path(parts.path[1:] if parts.path.startswith("/") else parts.path)
        return await SQLiteEventStore.open(path.with_name(path.stem + ".events.sqlite3"))
    if parts.scheme in ("redis", "rediss", "unix"):
        from resolver.lifecycle.redis_events import RedisEventStore

        options = parse_qs(parts.query)
        namespace = options.get("namespace", ["bp"])[-1]
        plain = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        return await RedisEventStore.open(plain, namespace=namespace)
    raise ValueError(f"no event store for URL scheme {parts.scheme!r}")


class Lifecycle:
    """The lifecycle part of a node. In ``create_app``::

        lifecycle = Lifecycle()
        lifecycle.add_routes(resource)  # before the "/{prefix}/{suffix:.+}" resource
        app.cleanup_ctx.append(lifecycle.lifetime(lambda: app[CONTEXT]))  # after ``lifetime``

    ``context`` gives the ``NodeContext`` once the app's own lifetime hook has opened it.
    """

    def __init__(self, settings: LifecycleSettings | None = None, *, clock: Clock = time.time) -> None:
        self.settings = settings or LifecycleSettings()
        self.clock = clock
        self.routes: LifecycleRoutes | None = None
        self.service: LifecycleService | None = None

    def add_routes(self, resource: AddResource) -> None:
        """Register every route through ``resource(path, name, METHOD=(handler, label), ...)``."""
        for path, name, methods in ROUTES:
            resource(path, name, **{m: (self._handler(label), label) for m, label in methods.items()})

    def _handler(self, label: str) -> Handler:
        # Routes are registered before the node context exists; the handlers are looked up
        # once it does (the lifetime hook below).
        async def handle(request: web.Request) -> web.StreamResponse:
            if self.routes is None:
                raise web.HTTPServiceUnavailable(text="the lifecycle part is starting")
            return await self.routes.handlers[label](request)

        return handle

    def lifetime(self, context: Callable[[], Any]) -> Callable[[web.Application], AsyncIterator[None]]:
        async def hook(app: web.Application) -> AsyncIterator[None]:
            ctx = context()
            events = await open_event_store(ctx.config.store)
            try:
                self.service = LifecycleService(
                    passports=ctx.store, events=events, settings=self.settings, clock=self.clock
                )
                self.routes = LifecycleRoutes(
                    self.service,
                    Authenticator(ctx.config.credentials),
                    profile=Profile.load(),
                    case_sensitive=ctx.config.case_sensitive,
                    max_body_bytes=ctx.config.limits.max_body_bytes,
                )
                yield
            finally:
                self.routes = None
                await events.aclose()

        return hook
