"""``GET /{id}/linked``: a passport combined with its model and batch passports, with the
passport each value comes from; ``GET /{id}/linked-items``: the items of a model or batch that
this node accepted, and those that no longer conform with it as it is now (resolver/linked/).
"""

from __future__ import annotations

from typing import cast

import orjson
from aiohttp import web

from resolver import jsonld
from resolver.errors import Forbidden, NotFound
from resolver.http.router import EdgeSlot, Routes
from resolver.jsontypes import JSON, JSONObject
from resolver.linked import combine
from resolver.tiers import Tier

__all__ = ["LinkedRoutes", "add_routes"]


def _json(doc: object) -> web.Response:
    return web.Response(body=orjson.dumps(doc, option=orjson.OPT_INDENT_2), content_type="application/json")


class LinkedRoutes:
    def __init__(self, slot: EdgeSlot) -> None:
        self._slot = slot

    async def linked(self, request: web.Request) -> web.Response:
        edge = self._slot.edge
        ident, tier, answer = await edge.resolve_route(request)
        if answer.view is None:
            raise NotFound(f"no passport is registered for {ident.key}")
        item = combine.as_object(cast(JSON, jsonld.parse_json(answer.view.body)))
        if item is None or edge.ctx.linked is None:
            raise NotFound(f"{ident.key} is not a passport that can link")
        item.pop("proof", None)
        served = answer.tier if answer.tier is not None else tier
        view, provenance, linked = await edge.ctx.linked.view(item, served)
        links = combine.links_of(item)
        body: JSONObject = {
            "passport": ident.iri,
            "links": {"model": links.model, "batch": links.batch},
            "provenance": dict(provenance),
            "unreadable": [
                {"passport": s.iri, "role": s.role, "reason": s.reason} for s in linked if s.doc is None
            ],
            "view": view,
        }
        return _json(body)

    async def linked_items(self, request: web.Request) -> web.Response:
        edge = self._slot.edge
        ident = edge.identify(request.match_info["prefix"] + "/" + request.match_info["suffix"])
        if edge.ctx.linked is None:
            raise NotFound("this node does not track linked passports")
        # The items are judged at the highest tier: their violations may speak of any data point.
        if edge.tier_for(edge.principal(request), request) < max(Tier):
            raise Forbidden("the items of a model or batch passport are for its operator and authorities")
        checker = edge.ctx.linked
        broken = await checker.broken_items(ident.iri)
        return _json(
            {
                "passport": ident.iri,
                "items": checker.dependants(ident.iri),
                "broken": [{"item": b.item, "violations": list(b.violations)} for b in broken],
            }
        )


def add_routes(routes: Routes) -> None:
    handlers = LinkedRoutes(routes.slot)
    items = (handlers.linked_items, "linked")
    routes.resource("/{prefix}/{suffix:.+}/linked-items", "linked-items", GET=items)
    routes.resource("/{prefix}/{suffix:.+}/linked", "linked", GET=(handlers.linked, "linked"))
