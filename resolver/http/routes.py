"""Every route module of the node, in one list: adding a route module is one line here.

A route module is a function that adds its resources to a ``resolver.http.router.Routes``.
"""

from __future__ import annotations

from aiohttp import web

from resolver.config import NodeConfig
from resolver.http import contract, handle_api, node_info, passports
from resolver.http.problems import add_unmatched_route
from resolver.http.router import EdgeSlot, RouteModule, Routes
from resolver.metrics import Metrics

__all__ = ["ROUTE_MODULES", "add_routes"]

# In the order routing tries them: the passport routes match any "/{prefix}/{suffix}", so last.
ROUTE_MODULES: tuple[RouteModule, ...] = (
    node_info.add_routes,  # /healthz, /metrics, /.well-known/passport-node, /profiles/...
    contract.add_routes,  # /openapi.json
    handle_api.add_routes,  # /api/handles
    passports.add_routes,  # /validate, /{handle}, /{handle}/history
)


def add_routes(app: web.Application, config: NodeConfig, metrics: Metrics, slot: EdgeSlot) -> None:
    """Every route module's routes, then the catch-all that answers unknown paths as problems."""
    routes = Routes(app.router, config, metrics, slot)
    for module in ROUTE_MODULES:
        module(routes)
    add_unmatched_route(app.router, metrics)
