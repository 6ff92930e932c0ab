"""The integrity route module: the node's keys (``/keys``, ``/keys/{name}``) and its
transparency log (``/log/sth``, ``/log/entries``, ``/log/proof/inclusion``,
``/log/proof/consistency``), and the heads it saw of its peers' logs (``/log/peers``),
served from the node's integrity part (resolver/parts/integrity.py).

The handlers are resolver.http.keys.key_routes and resolver.http.translog.log_routes,
built once the node has opened (routes are added before it opens); a node that does not sign
(``[integrity] sign = false``) answers 404 on them.
"""

from __future__ import annotations

from aiohttp import web

from resolver.errors import NotFound
from resolver.http.keys import json_answer, key_routes
from resolver.http.router import EdgeSlot, Handler, Routes
from resolver.http.translog import log_routes

__all__ = ["PATHS", "add_routes"]

# (path, route name) of every route here; the names are resolver.integrity/translog's.
PATHS = (
    ("/keys", "keys"),
    ("/keys/{name}", "key"),
    ("/log/sth", "log-sth"),
    ("/log/entries", "log-entries"),
    ("/log/proof/inclusion", "log-inclusion"),
    ("/log/proof/consistency", "log-consistency"),
    ("/log/peers", "log-peers"),
)


class IntegrityRoutes:
    def __init__(self, slot: EdgeSlot) -> None:
        self._slot = slot
        self._handlers: dict[str, Handler] | None = None

    def _handler(self, name: str) -> Handler:
        if name == "log-peers":
            return self._peers
        integrity = self._slot.edge.ctx.integrity
        if integrity is None:
            raise NotFound("this node does not sign passports or keep a log ([integrity] sign = false)")
        if self._handlers is None:
            routes = key_routes(integrity.keyring, base_url=integrity.base_url) + log_routes(integrity.log)
            self._handlers = {route.name: route.handler for route in routes}
        return self._handlers[name]

    async def _peers(self, request: web.Request) -> web.StreamResponse:
        """The last head seen of each pinned peer's log (for other nodes to compare)."""
        heads = self._slot.edge.ctx.heads
        seen = {} if heads is None else heads.monitor.seen()
        return json_answer({"peers": {peer: head.to_json() for peer, head in seen.items()}})

    def serving(self, name: str) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._handler(name)(request)

        return handle


def add_routes(routes: Routes) -> None:
    served = IntegrityRoutes(routes.slot)
    for path, name in PATHS:
        routes.resource(path, name, GET=(served.serving(name), name))
