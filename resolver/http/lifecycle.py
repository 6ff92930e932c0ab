"""The lifecycle route module: events, series, health, warnings, status, lineage, rules and
subscriptions (``resolver.lifecycle.routes`` and ``.subscriptions`` hold the handlers).

Listed in ``resolver.http.routes.ROUTE_MODULES`` before the passport routes, whose
"/{prefix}/{suffix}" would otherwise take "/{handle}/events" and the like.
"""

from __future__ import annotations

from aiohttp import web

from resolver.errors import ServiceStarting
from resolver.http.router import EdgeSlot, Handler, Routes
from resolver.lifecycle.routes import ROUTES, LifecycleRoutes
from resolver.lifecycle.subscriptions import SUBSCRIPTION_ROUTES, SubscriptionRoutes
from resolver.profile import Profile

__all__ = ["add_routes"]


class _Handlers:
    """The handlers by label, built from the open node the first time one is asked for."""

    def __init__(self, slot: EdgeSlot) -> None:
        self._slot = slot
        self._built: tuple[object, dict[str, Handler]] | None = None

    def _build(self) -> dict[str, Handler]:
        edge = self._slot.edge
        part = edge.ctx.lifecycle
        if part is None:
            raise ServiceStarting("this node runs without its lifecycle part")
        config = edge.config
        routes = LifecycleRoutes(
            part.service,
            edge.auth,
            profile=Profile.load(),
            case_sensitive=config.case_sensitive,
            max_body_bytes=config.limits.max_body_bytes,
        )
        subscriptions = SubscriptionRoutes(
            part.feed,
            part.dispatcher,
            edge.auth,
            clock=part.clock,
            guard=part.guard,
            case_sensitive=config.case_sensitive,
        )
        return {**routes.handlers, **subscriptions.handlers}

    def handler(self, label: str) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            edge = self._slot.edge
            if self._built is None or self._built[0] is not edge:  # a new node: build anew
                self._built = (edge, self._build())
            return await self._built[1][label](request)

        return handle


def add_routes(routes: Routes) -> None:
    handlers = _Handlers(routes.slot)
    for path, name, methods in [*SUBSCRIPTION_ROUTES, *ROUTES]:
        routes.resource(path, name, **{m: (handlers.handler(label), label) for m, label in methods.items()})
