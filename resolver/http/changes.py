"""``GET /changes``: this node's change feed, for its federation peers (a long poll).

The feed has one sequence per partition (one for SQLite, several for Redis), so a position in
it is a cursor: the last sequence seen of each partition, comma-separated (``"42"`` on SQLite,
``"7,0,12,..."`` on Redis). ``?since=CURSOR`` answers the changes after it at once, or waits up
to ``wait`` seconds (default 20, at most 30) for the next one; without ``since`` it answers only
where the feed ends now (``last``), to follow from. A ``last`` lower than the ``since`` in some
partition means the feed went back (a store restarted empty): the follower drops its copies.
Only a caller that authenticated as a peer (token or client certificate) may read it: 401
without credentials, 403 with a non-peer's.

    {"last": "42", "changes": [{"partition": 0, "seq": 42, "key": "88.100/BAT-1", "version": 3,
                                "deleted": false}]}

A follower that sends ``?relayed=`` (empty at first, then the cursor it got) also gets the
keys of copies this node dropped because their owner's feed named them, so that it drops its
copies of them too (``resolver/federation/relayed.py``): ``"relayed": {"cursor": "EPOCH.SEQ",
"keys": [...], "reset": false}``; ``reset``: drop every copy from this node.
"""

from __future__ import annotations

import time

import orjson
from aiohttp import web

from resolver.errors import AuthError, Forbidden, InputError
from resolver.federation.relayed import RelayedChanges, RelayedPage
from resolver.http.router import EdgeSlot, Routes
from resolver.stores.base import Change, Store

__all__ = ["add_routes", "format_cursor", "parse_cursor"]

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


def format_cursor(positions: list[int]) -> str:
    """A feed position as it travels: the last seq of each partition, comma-separated."""
    return ",".join(str(p) for p in positions)


def parse_cursor(text: str, partitions: int) -> list[int]:
    """The positions of a cursor; InputError unless it has one whole number per partition."""
    parts = text.split(",")
    if len(parts) != partitions or not all(p.isascii() and p.isdigit() and len(p) <= 18 for p in parts):
        raise InputError(
            f"?since must be {partitions} whole number(s) separated by commas (one per feed "
            f"partition), got {text[:40]!r}"
        )
    return [int(p) for p in parts]


_Found = list[tuple[int, Change]]  # (partition, change)


async def _read(store: Store, since: list[int], heads: list[int]) -> tuple[list[int], _Found]:
    """The changes after ``since`` in every partition that moved, and the cursor after them."""
    found: _Found = []
    after = list(since)
    for partition, head in enumerate(heads):
        if head <= since[partition]:
            continue
        page = await store.changes(since=since[partition], limit=_PAGE, partition=partition)
        found.extend((partition, change) for change in page)
        if page:
            after[partition] = page[-1].seq
    return after, found


def _relayed(request: web.Request, log: RelayedChanges | None) -> RelayedPage | None:
    """The relayed invalidations after the follower's cursor, when it asked for them."""
    if "relayed" not in request.query:
        return None
    cursor = request.query["relayed"]
    if len(cursor) > 64:
        raise InputError("?relayed must be the cursor of a previous answer")
    if log is None:
        return RelayedPage("", ())
    return log.since(cursor or None)


def _body(last: list[int], changes: _Found, relayed: RelayedPage | None = None) -> web.Response:
    doc: dict[str, object] = {
        "last": format_cursor(last),
        "changes": [
            {"partition": p, "seq": c.seq, "key": c.handle, "version": c.version, "deleted": c.deleted}
            for p, c in changes
        ],
    }
    if relayed is not None:
        doc["relayed"] = relayed.to_json()
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
        heads = list(await store.heads())
        relayed = _relayed(request, edge.ctx.relayed)
        if "since" not in request.query:
            return _body(heads, [], relayed)
        since = parse_cursor(request.query["since"], store.partitions)
        give_up = time.monotonic() + wait
        while True:
            if any(head < seen for head, seen in zip(heads, since, strict=True)):
                return _body(heads, [], relayed)  # the feed went back: say where it is now
            after, found = await _read(store, since, heads)
            left = give_up - time.monotonic()
            news = relayed is not None and (relayed.keys or relayed.reset)
            if found or news or left <= 0 or self.closing:
                return _body(after, found, relayed)
            await edge.ctx.changed.wait(min(left, _POLL))
            heads = list(await store.heads())
            relayed = _relayed(request, edge.ctx.relayed)


def add_routes(routes: Routes) -> None:
    handlers = ChangeRoutes(routes.slot)
    routes.resource("/changes", "changes", GET=(handlers.changes, "changes"))
    routes.on_shutdown(handlers.close)
