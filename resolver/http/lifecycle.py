"""The lifecycle route module: events, series, health, warnings, status, lineage, rules and
subscriptions (``resolver.http.lifecycle_routes`` and ``.subscription_routes`` hold the handlers).

Listed in ``resolver.http.routes.ROUTE_MODULES`` before the passport routes, whose
"/{prefix}/{suffix}" would otherwise take "/{handle}/events" and the like.
"""

from __future__ import annotations

import weakref

from aiohttp import web

from resolver.errors import ServiceStarting
from resolver.http.lifecycle_routes import ROUTES, LifecycleRoutes
from resolver.http.router import EdgeSlot, Handler, Routes
from resolver.http.subscription_routes import SUBSCRIPTION_ROUTES, SubscriptionRoutes
from resolver.profile import Profile

__all__ = ["add_gs1_routes", "add_routes"]


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
            links=edge.ctx.lineage,
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


_BUILT: weakref.WeakKeyDictionary[EdgeSlot, _Handlers] = weakref.WeakKeyDictionary()
_ANY_KEY = "/{prefix}/{suffix:.+}/"
# A GS1-keyed passport: 01, the GTIN, then AI/value pairs, so an odd number of segments after
# 01. A Digital Link whose last value is "events" (or "status", ...) has an even number and
# stays the resolver's.
# "01" literal: aiohttp tries the resources of a literal first segment before the others.
_GS1_KEY = "/01/{suffix:[^/]+(?:/[^/]+/[^/]+)*}/"


def _handlers(slot: EdgeSlot) -> _Handlers:
    """One set of handlers per node, for both route modules."""
    found = _BUILT.get(slot)
    if found is None:
        found = _BUILT[slot] = _Handlers(slot)
    return found


def _add(routes: Routes, table: list[tuple[str, str, dict[str, str]]], rename: str = "") -> None:
    handlers = _handlers(routes.slot)
    for path, name, methods in table:
        wrapped = {m: (handlers.handler(label), label) for m, label in methods.items()}
        routes.resource(path, name + rename, **wrapped)


def add_routes(routes: Routes) -> None:
    _add(routes, [*SUBSCRIPTION_ROUTES, *ROUTES])


def add_gs1_routes(routes: Routes) -> None:
    """The passport routes again for GS1-keyed passports, listed before the GS1 resolver, whose
    "/01/{tail}" would otherwise answer every GET of "/01/.../events" and the like (as a
    Digital Link with a broken last pair: 400)."""
    keyed = [(p.replace(_ANY_KEY, _GS1_KEY), n, m) for p, n, m in ROUTES if p.startswith(_ANY_KEY)]
    _add(routes, keyed, "-gs1")
