"""The GB/T 34014 routes: ``GET /gbt34014/{code}`` (the passport of the battery with that code)
and ``GET /gbt34014/{code}/explain`` (what each field of the code says).

A code has no handle prefix of its own; the passport of a battery is registered under its
maker's prefix, ``{prefix}/{code}`` (resolver/cn/gbt34014.py). The node tries its own prefixes,
in configuration order, and answers with the first passport found; a malformed code is a 400
naming the field and its positions.
"""

from __future__ import annotations

import orjson
from aiohttp import web

from resolver.cn.gbt34014 import handle_for, parse_code
from resolver.errors import NotFound
from resolver.http.passports import PassportRoutes
from resolver.http.router import Routes

__all__ = ["CodeRoutes", "add_routes"]


class CodeRoutes:
    def __init__(self, passports: PassportRoutes, prefixes: tuple[str, ...]) -> None:
        self._passports = passports
        # Handle prefixes only: a GS1 prefix (01/{company}) cannot hold a GB/T 34014 code.
        self._prefixes = tuple(p for p in prefixes if "/" not in p)

    async def explain(self, request: web.Request) -> web.Response:
        code = parse_code(request.match_info["code"])
        return web.Response(
            body=orjson.dumps(code.to_json(), option=orjson.OPT_INDENT_2),
            content_type="application/json",
        )

    async def resolve(self, request: web.Request) -> web.StreamResponse:
        code = parse_code(request.match_info["code"])
        tried = []
        for prefix in self._prefixes:
            handle = handle_for(code.code, prefix)
            tried.append(handle)
            try:
                return await self._passports.read(request, handle)
            except NotFound:
                continue
        raise NotFound(
            f"no passport is registered for GB/T 34014 code {code.code} "
            f"(tried {', '.join(tried) or 'no prefix: this node serves none'})"
        )


def add_routes(routes: Routes) -> None:
    passports = PassportRoutes(routes.slot, render_cache_bytes=routes.config.render_cache_bytes)
    codes = CodeRoutes(passports, tuple(routes.config.prefixes))
    routes.resource("/gbt34014/{code}/explain", "gbt34014-explain", GET=(codes.explain, "gbt34014-explain"))
    routes.resource("/gbt34014/{code}", "gbt34014", GET=(codes.resolve, "gbt34014"))
