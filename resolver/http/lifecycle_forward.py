"""A lifecycle request for a passport another node holds, asked of that node.

A new operator of a second-life battery reads its predecessor's events, series, health,
status and lineage through its own node: the request goes on to the owner with this node's
peer credential and ``Passport-Tier`` set to the caller's tier, so the caller sees what its own
credentials allow, capped at what the owner grants this node (as for a federated passport).
"""

from __future__ import annotations

from aiohttp import web

from resolver.credentials import Principal
from resolver.errors import LoopDetected, NotFound
from resolver.lifecycle.peering import PeerLink
from resolver.lookup import HOPS_HEADER

__all__ = ["forward", "hops_of"]


def hops_of(request: web.Request, principal: Principal) -> tuple[str, ...]:
    """The hop trail a peer sent (``Passport-Hops``); nothing from anyone else."""
    if not principal.peer:
        return ()
    return tuple(h.strip() for h in request.headers.get(HOPS_HEADER, "").split(",") if h.strip())[:16]


async def forward(
    link: PeerLink, request: web.Request, key: str, principal: Principal, *, body: bytes | None = None
) -> web.Response:
    """The owner's answer to this request, passed on (its status, body and media type): a read,
    or an announcement a relay passes on (``body``) to an owner its caller cannot reach."""
    peer = link.owner_of(key)
    if peer is None:
        raise NotFound(f"no passport is registered for {key}, and no peer of this node holds it", handle=key)
    hops = hops_of(request, principal)
    if link.node_id in hops or peer.id in hops:
        raise LoopDetected(f"{key}: the request already passed through {', '.join(hops)}", hops=list(hops))
    path, tier = request.raw_path, principal.tier
    answer = await link.call(peer, request.method, path, tier=tier, hops=hops, body=body)
    headers = {
        "Content-Type": answer.headers.get("content-type", "application/octet-stream"),
        "Cache-Control": "private, no-store",
        "Passport-Source": f"peer:{peer.id}",
    }
    return web.Response(status=answer.status, body=answer.body, headers=headers)
