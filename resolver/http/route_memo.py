"""A router that remembers which route a (method, path) resolved to.

aiohttp's ``UrlDispatcher`` tries the resources registered under a path's longest indexed
prefix one after another. A passport's path ("/88.100.9/BATT-1") lands in the "/" group, where
the sub-resource routes ("/{prefix}/{suffix}/qr", ".../events", ...) come first so that they win
over the passport route: about a dozen regular expressions and awaited ``resolve`` calls for
each read of a passport. Clients ask for the same paths again and again, so the outcome of a
match (the route and its match dictionary) is kept per (method, path) in a small LRU, bounded in
bytes. A path that matched no route (404, 405) is not kept.

Correct because the node's resources match on the method and the path only (no sub-applications
matched on domains, no resource looking at headers), and its routes are fixed once the app is
frozen.

Before any of that, a GET is offered to the app's hot answers (resolver/http/hot.py): a public
answer kept whole is served by a route of its own, with no match at all. Then, when the router
was given the name of a ``direct`` resource (the node's passport route), a path that only it
can take is matched by one regular expression (resolver/http/direct_route.py) and not kept in
the memo: most of those paths are asked once, and a put costs more than the match.
"""

from __future__ import annotations

import warnings

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute

from resolver.http.direct_route import DirectRoute
from resolver.http.hot import HotAnswers
from resolver.memo import ENTRY_OVERHEAD, Memo

__all__ = ["MemoRouter", "application"]

_DEFAULT_BYTES = 4 * 1024 * 1024
_Key = tuple[str, str]
_Match = tuple[tuple[tuple[str, str], ...], AbstractRoute]


def _size(key: _Key, value: _Match) -> int:
    return len(key[1]) + sum(len(k) + len(v) for k, v in value[0]) + 2 * ENTRY_OVERHEAD


class MemoRouter(web.UrlDispatcher):
    """``UrlDispatcher`` with the routes that (method, path) pairs matched kept in an LRU, and
    ``hot`` answers served before any matching."""

    def __init__(
        self, max_bytes: int = _DEFAULT_BYTES, *, hot: HotAnswers | None = None, direct: str | None = None
    ) -> None:
        super().__init__()
        self._matched: Memo[_Key, _Match] = Memo(max_bytes, _size)
        self._hot = hot
        self._direct_name = direct
        self._direct: DirectRoute | None = None

    def freeze(self) -> None:
        super().freeze()
        if self._direct_name is not None:
            self._direct = DirectRoute.of(self, self._direct_name)

    async def resolve(self, request: web.Request) -> web.UrlMappingMatchInfo:
        method = request.method
        if method == "GET" and self._hot is not None:
            kept = self._hot.match(request)
            if kept is not None:
                return kept
        path = request.rel_url.path_safe
        direct = self._direct
        if direct is not None:
            info = direct.match(method, path)
            if info is not None:
                return info
        key = (method, path)
        found = self._matched.get(key)
        if found is not None:
            return web.UrlMappingMatchInfo(dict(found[0]), found[1])
        info = await super().resolve(request)
        if info.http_exception is None:
            self._matched.put(key, (tuple(info.items()), info.route))
        return info


def application(
    *, client_max_size: int, hot: HotAnswers | None = None, direct: str | None = None
) -> web.Application:
    """A ``web.Application`` routing with a ``MemoRouter`` (serving ``hot`` answers first, and
    matching the resource named ``direct`` without aiohttp's walk where it alone takes a path)."""
    # aiohttp marks the router argument deprecated (a router of one's own is rarely needed);
    # it is still the documented way to give an application another router.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return web.Application(router=MemoRouter(hot=hot, direct=direct), client_max_size=client_max_size)
