"""Operators' own links, by HTTP: ``/gs1/links/01/{gtin}[/10/{lot}|/21/{serial}]``.

- ``PUT`` (the operator whose prefix covers the level's key, e.g. ``01/09521234``) replaces the
  level's links with the body's (``{"links": [ … ]}``, ``resolver.gs1.operator_links``);
- ``GET`` gives them (anyone: they are in the public linkset anyway);
- ``DELETE`` removes them.

The links are kept in the link store beside the passport store (``resolver.gs1.linkstore``),
opened while the app runs, and read by the resolver (``resolver.http.digital_link``) on each
resolution for the level that answers and every less granular one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import orjson
from aiohttp import web

from resolver.config import NodeConfig
from resolver.errors import NotFound, ServiceStarting
from resolver.gs1.linkstore import LinkStore, open_link_store
from resolver.gs1.operator_links import (
    OperatorLinks,
    as_list,
    dump_links,
    level_key,
    load_links,
    merged,
    parse_links,
)
from resolver.http.router import EdgeSlot

__all__ = ["MAX_BODY", "OperatorLinkRoutes"]

MAX_BODY = 256 * 1024  # bytes: 64 links of at most about 2.5 kB each, with room
_PREFIX = "/gs1/links"


class OperatorLinkRoutes:
    """The links API and the resolver's way to the links (``links_for``)."""

    def __init__(self, slot: EdgeSlot, config: NodeConfig) -> None:
        self._slot = slot
        self._config = config
        self._store: LinkStore | None = None

    async def lifetime(self, app: web.Application) -> AsyncIterator[None]:
        """Open the link store beside the passport store while the app runs."""
        self._store = await open_link_store(self._config.store)
        try:
            yield
        finally:
            store, self._store = self._store, None
            await store.aclose()

    def _opened(self) -> LinkStore:
        if self._store is None:
            raise ServiceStarting("the operator link store is not open")
        return self._store

    async def raw_for(self, keys: Sequence[str]) -> tuple[bytes | None, ...]:
        """The stored links of ``keys`` as stored (the resolver's memo key), in one call."""
        return tuple(await self._opened().get_many(keys))

    @staticmethod
    def links_of(raw: Sequence[bytes | None]) -> OperatorLinks:
        """The links of several levels (``raw_for``), the most granular first."""
        return merged([load_links(x) for x in raw if x is not None])

    # --- the API ---------------------------------------------------------------------------------

    def _key(self, request: web.Request) -> str:
        path = request.raw_path.split("?", 1)[0]
        return level_key(path[len(_PREFIX) :])

    async def get(self, request: web.Request) -> web.Response:
        key = self._key(request)
        found = (await self._opened().get_many([key]))[0]
        if found is None:
            raise NotFound(f"no operator links are registered for {key}")
        return _answer(key, load_links(found))

    async def put(self, request: web.Request) -> web.Response:
        key = self._key(request)
        edge = self._slot.edge
        edge.principal(request).require_writer(key)
        body = await edge.read_body(request, media_types=("application/json",), limit=MAX_BODY)
        links = parse_links(body)
        await self._opened().put(key, dump_links(links))
        return _answer(key, links)

    async def delete(self, request: web.Request) -> web.Response:
        key = self._key(request)
        self._slot.edge.principal(request).require_writer(key)
        if not await self._opened().delete(key):
            raise NotFound(f"no operator links are registered for {key}")
        return web.Response(status=204)


def _answer(key: str, links: OperatorLinks) -> web.Response:
    body = {"key": key, "links": as_list(links)}
    return web.Response(body=orjson.dumps(body), content_type="application/json")
