"""What a route module is given: the app's router (``Routes``) and where the edge will be.

Handlers reach the node through the ``Edge``, which exists once the app has started: every
route module gets the one ``EdgeSlot`` that is filled then.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from resolver.config import NodeConfig
from resolver.http.edge import Edge
from resolver.http.hot import HotAnswers
from resolver.http.problems import guarded
from resolver.metrics import Metrics

__all__ = ["EdgeSlot", "Handler", "Lifetime", "RouteModule", "Routes"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Lifetime = Callable[[web.Application], AsyncIterator[None]]


class EdgeSlot:
    """Where the handlers find the edge; ``edge`` is set when the app starts."""

    edge: Edge


class Routes:
    """The app's router, for route modules: one resource per path, every handler ``guarded``."""

    def __init__(
        self,
        app: web.Application,
        config: NodeConfig,
        metrics: Metrics,
        slot: EdgeSlot,
        hot: HotAnswers | None = None,
    ) -> None:
        self._app = app
        self._router = app.router
        self._metrics = metrics
        self.config = config
        self.metrics = metrics
        self.slot = slot
        self.hot = hot  # where a route keeps public answers whole (resolver/http/hot.py)

    def resource(self, path: str, name: str, **methods: tuple[Handler, str]) -> None:
        """Add ``path`` with a (handler, metrics label) per method; GET also answers HEAD."""
        added = self._router.add_resource(path, name=name)
        for method, (handler, label) in methods.items():
            wrapped = guarded(handler, label, self._metrics)
            added.add_route(method, wrapped)
            if method == "GET":
                added.add_route("HEAD", wrapped)

    def during_lifetime(self, lifetime: Lifetime) -> None:
        """Run ``lifetime`` (an async generator: start, ``yield``, stop) with the app, after the
        node has opened: for work a route module does once, such as warming what it reads."""
        self._app.cleanup_ctx.append(lifetime)

    def on_shutdown(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the app begins to shut down, before it waits for the requests
        in flight: for handlers that wait (long polls) to answer at once."""

        async def signal(app: web.Application) -> None:
            callback()

        self._app.on_shutdown.append(signal)


RouteModule = Callable[[Routes], None]
