"""The route of the node's OpenAPI document: ``GET /openapi.json`` (resolver/openapi.py)."""

from __future__ import annotations

import orjson
from aiohttp import web

from resolver.http.router import Routes
from resolver.openapi import openapi_document

__all__ = ["add_routes"]


class ContractRoutes:
    def __init__(self) -> None:
        self._body: bytes | None = None  # built on first request: every error class is defined by then

    async def openapi_json(self, request: web.Request) -> web.Response:
        if self._body is None:
            self._body = orjson.dumps(openapi_document())
        return web.Response(
            body=self._body, content_type="application/json", headers={"Cache-Control": "max-age=300"}
        )


def add_routes(routes: Routes) -> None:
    contract = ContractRoutes()
    routes.resource("/openapi.json", "openapi", GET=(contract.openapi_json, "openapi"))
