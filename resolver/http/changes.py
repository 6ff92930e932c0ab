"""``GET /changes``: this node's change feed, for its federation peers (a long poll).

``?since=SEQ`` answers the changes after ``SEQ`` at once, or waits up to ``wait`` seconds
(default 20, at most 30) for the next one; without ``since`` it answers only where the feed
ends now (``last``), to follow from. Only a caller that authenticated as a peer (token or
client certificate) may read it: 401 without credentials, 403 with a non-peer's.

    {"last": 42, "changes": [{"seq": 42, "key": "88.100/BAT-1", "version": 3, "deleted": false}]}
"""

from __future__ import annotations

import time

import orjson
from aiohttp import web

from resolver.errors import AuthError, Forbidden, InputError
from resolver.http.router import EdgeSlot, Routes
from resolver.stores.base import Change, Store

__all__ = ["add_routes"]

MAX_WAIT = 30.0
_PAGE = 1000
_POLL = 0.25  # seconds between reads of the store while waiting (other processes' writes)


def _number(request: web.Request, name: str, default: float) -> float:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError as err:
        raise InputError(f"?{name} must be a number, got {raw[:40]!r}") from err
    if not value >= 0:
        raise InputError(f"?{name} must be >= 0, got {raw[:40]!r}")
    return value


async def _end(store: Store) -> int:
    """The seq of the last change now (read page by page from the start)."""
    last = 0
    while True:
        page = await store.changes(since=last, limit=_PAGE)
        if page:
            last = page[-1].seq
        if len(page) < _PAGE:
            return last


def _body(last: int, changes: list[Change]) -> web.Response:
    doc = {
        "last": last,
        "changes": [
            {"seq": c.seq, "key": c.handle, "version": c.version, "deleted": c.deleted} for c in changes
        ],
    }
    return web.Response(
        body=orjson.dumps(doc), content_type="application/json", headers={"Cache-Control": "no-store"}
    )


class ChangeRoutes:
    def __init__(self, slot: EdgeSlot) -> None:
        self._slot = slot
        self.closing = False  # the node is shutting down: waiting polls answer now

    def close(self) -> None:
        self.closing = True

    async def changes(self, request: web.Request) -> web.Response:
        edge = self._slot.edge
        principal = edge.principal(request)
        if not principal.peer:
            if "Authorization" not in request.headers:
                raise AuthError("the change feed is for federation peers: send the peer's credentials")
            raise Forbidden(f"{principal.name} is not a federation peer of this node")
        wait = min(MAX_WAIT, _number(request, "wait", 20.0))
        store = edge.store
        if "since" not in request.query:
            return _body(await _end(store), [])
        since = int(_number(request, "since", 0))
        give_up = time.monotonic() + wait
        while True:
            page = list(await store.changes(since=since, limit=_PAGE))
            left = give_up - time.monotonic()
            if page or left <= 0 or self.closing:
                return _body(page[-1].seq if page else await _end_or(store, since), page)
            await edge.ctx.changed.wait(min(left, _POLL))


async def _end_or(store: Store, since: int) -> int:
    """Where the feed ends when nothing came after ``since``: ``since``, unless it went back."""
    page = await store.changes(since=max(0, since - 1), limit=1)
    return since if page and page[0].seq == since else await _end(store)


def add_routes(routes: Routes) -> None:
    handlers = ChangeRoutes(routes.slot)
    routes.resource("/changes", "changes", GET=(handlers.changes, "changes"))
    routes.on_shutdown(handlers.close)
