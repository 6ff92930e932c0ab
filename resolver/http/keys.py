"""HTTP routes for the node's keys: each key's Multikey document, and the list of them all.

A route factory returns :class:`Route` values; the app registers each, before its catch-all
passport route, e.g. ``for r in key_routes(keyring, base_url=url): resource(r.path, r.name,
GET=(r.handler, r.name))``. Handlers answer the node's errors as problem documents themselves,
so ``app.router.add_routes(route_defs(...))`` works as well.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import NamedTuple

import orjson
from aiohttp import web

from resolver.errors import NotFound, ResolverError
from resolver.http.problems import problem_response
from resolver.integrity.keyring import Keyring
from resolver.integrity.signer import key_url

__all__ = ["Handler", "Route", "answer_problems", "json_answer", "key_documents", "key_routes", "route_defs"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_JSON_LD = "application/ld+json"


class Route(NamedTuple):
    """A GET route: its path pattern, its name (also its metrics label) and its handler."""

    path: str
    name: str
    handler: Handler


def route_defs(routes: list[Route]) -> list[web.RouteDef]:
    return [web.get(route.path, route.handler, name=route.name) for route in routes]


def answer_problems(handler: Handler) -> Handler:
    """``handler`` answering the node's errors as RFC 9457 problem documents."""

    @functools.wraps(handler)
    async def answer(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ResolverError as err:
            return problem_response(err, request.path)

    return answer


def json_answer(
    document: object, *, content_type: str = "application/json", max_age: int = 0
) -> web.Response:
    headers = {"Cache-Control": f"public, max-age={max_age}" if max_age else "no-cache"}
    return web.Response(body=orjson.dumps(document), content_type=content_type, headers=headers)


def key_documents(keyring: Keyring, base_url: str) -> list[dict[str, str]]:
    """Every key's Multikey document, oldest first, retired keys with their ``revoked`` time:
    what ``/.well-known/passport-node`` lists under ``keys``."""
    keyring.refresh()
    controller = base_url.rstrip("/")
    return [entry.multikey(key_url(base_url, entry.name), controller) for entry in keyring.entries]


def key_routes(keyring: Keyring, *, base_url: str) -> list[Route]:
    """GET /keys (all keys) and GET /keys/{name} (one Multikey document, a proof's
    verificationMethod)."""

    async def keys(request: web.Request) -> web.StreamResponse:
        return json_answer({"keys": key_documents(keyring, base_url)}, content_type=_JSON_LD)

    async def key(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        keyring.refresh()
        entry = keyring.find(name)
        if entry is None:
            raise NotFound(f"this node has no key named {name!r}")
        document = entry.multikey(key_url(base_url, entry.name), base_url.rstrip("/"))
        # A key document changes only when the key retires: a short time keeps relying parties current.
        return json_answer(document, content_type=_JSON_LD, max_age=300)

    return [
        Route("/keys", "keys", answer_problems(keys)),
        Route("/keys/{name}", "key", answer_problems(key)),
    ]
