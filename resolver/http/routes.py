"""Every route module of the node, in one list: adding a route module is one line here.

A route module is a function that adds its resources to a ``resolver.http.router.Routes``.
"""

from __future__ import annotations

from aiohttp import web

from resolver.config import NodeConfig
from resolver.http import (
    changes,
    contract,
    digital_link,
    gbt34014,
    handle_api,
    integrity,
    lifecycle,
    linked,
    node_info,
    passports,
    readiness,
    sparql,
)
from resolver.http.cors import add_cors
from resolver.http.hot import HotAnswers
from resolver.http.problems import add_unmatched_route
from resolver.http.router import EdgeSlot, RouteModule, Routes
from resolver.metrics import Metrics

__all__ = ["ROUTE_MODULES", "add_routes"]

# In the order routing tries them: the passport routes match any "/{prefix}/{suffix}", so last.
ROUTE_MODULES: tuple[RouteModule, ...] = (
    node_info.add_routes,  # /healthz, /metrics, /.well-known/passport-node, /profiles/...
    contract.add_routes,  # /openapi.json
    changes.add_routes,  # /changes (the change feed, for peers)
    integrity.add_routes,  # /keys, /keys/{name}, /log/sth, /log/entries, /log/proof/...
    handle_api.add_routes,  # /api/handles
    lifecycle.add_gs1_routes,  # /01/{gtin}/21/{serial}/events|series|... before the GS1 resolver
    digital_link.add_routes,  # GS1: /01/..., /gtin/..., /{id}/qr, /compare, /.well-known/gs1resolver
    sparql.add_routes,  # /sparql
    gbt34014.add_routes,  # /gbt34014/{code}, /gbt34014/{code}/explain
    readiness.add_routes,  # /{handle}/readiness
    linked.add_routes,  # /{handle}/linked, /{handle}/linked-items
    lifecycle.add_routes,  # /{handle}/events|series|health|warnings|status|lineage, /rules, /subscriptions
    passports.add_routes,  # /validate, /{handle}, /{handle}/history
)


def add_routes(
    app: web.Application, config: NodeConfig, metrics: Metrics, slot: EdgeSlot, hot: HotAnswers | None = None
) -> None:
    """Every route module's routes, ``OPTIONS`` and CORS on every path, then the catch-all that
    answers unknown paths as problems; ``hot`` keeps the routes' public answers whole."""
    routes = Routes(app, config, metrics, slot, hot)
    for module in ROUTE_MODULES:
        module(routes)
    add_cors(app, metrics, hot)  # before the catch-all, which would take OPTIONS too
    add_unmatched_route(app.router, metrics)
