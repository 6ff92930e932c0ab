"""A battery's lineage across nodes: its predecessors (dp 67) and successors, recursively.

Each entry is a passport with its owner node, status and (for callers of the health tier) its
second-life grade. A relative this node holds is read here; one another node holds is asked of
that node (``GET /{id}/lineage`` with this node's peer credential and the caller's tier, one
direction, one step less deep), so the chain is followed from node to node, each answering for
its own batteries. Depth is bounded, a passport is listed once per path, and a node already on
the request's hop trail is not asked again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import orjson

from resolver.errors import FederationError, InputError, NotFound
from resolver.identifiers import parse_identifier
from resolver.jsontypes import JSON, JSONObject
from resolver.lifecycle.health import grade_of
from resolver.lifecycle.peering import PeerLink, passport_path
from resolver.lifecycle.service import LifecycleService
from resolver.tiers import Tier

__all__ = ["MAX_DEPTH", "LineageTree", "Walk"]

MAX_DEPTH = 8  # steps followed in each direction at most


@dataclass(frozen=True, slots=True)
class Walk:
    """One lineage request: what the caller may see, which way, how deep, and the nodes the
    request passed through (``hops``)."""

    tier: Tier
    up: bool
    down: bool
    depth: int
    hops: tuple[str, ...] = ()


class LineageTree:
    def __init__(
        self,
        service: LifecycleService,
        *,
        link: PeerLink | None,
        holds: Callable[[str], bool],
        node_id: str,
        grade_tier: Callable[[], Tier],
        case_sensitive: bool = False,
    ) -> None:
        self.service = service
        self._link = link
        self._holds = holds
        self.node_id = node_id
        self._grade_tier = grade_tier  # read on first use: the profile loads in seconds
        self._grade_tier_found: Tier | None = None
        self._case_sensitive = case_sensitive

    async def entry(self, key: str, walk: Walk, seen: frozenset[str] = frozenset()) -> JSONObject:
        """The entry of ``key``, held here (NotFound / Gone when it is not live)."""
        facts = await self.service.current_facts(key)
        found: JSONObject = {"passport": key, "node": self.node_id, "held": True,
                             "status": facts.status or "original"}  # fmt: skip
        if self._grade_tier_found is None:
            self._grade_tier_found = self._grade_tier()
        if walk.tier >= self._grade_tier_found:
            found["grade"] = grade_of(await self.service.health(key))
        seen = seen | {key}
        if walk.up:
            step = Walk(walk.tier, True, False, walk.depth - 1, walk.hops)
            found["predecessors"] = [await self._relative(t, step, seen) for t in facts.predecessors]
        if walk.down:
            changes = await self.service.events.status_changes(key)
            successors = dict.fromkeys(s for c in changes for s in c.successors)
            step = Walk(walk.tier, False, True, walk.depth - 1, walk.hops)
            found["successors"] = [await self._relative(t, step, seen) for t in successors]
        return found

    async def _relative(self, text: str, walk: Walk, seen: frozenset[str]) -> JSONObject:
        try:
            key = parse_identifier(text, case_sensitive=self._case_sensitive).key
        except InputError as err:
            return {"id": text, "error": f"not a passport identifier: {err.detail}"}
        if key in seen:
            return {"id": text, "passport": key, "cycle": True}
        if walk.depth < 0:
            return {"id": text, "passport": key, "more": True}
        if self._holds(key):
            try:
                return {"id": text, **await self.entry(key, walk, seen)}
            except NotFound as err:
                return {"id": text, "passport": key, "node": self.node_id, "held": True, "error": err.detail}
        return {"id": text, **await self._remote(key, walk)}

    async def _remote(self, key: str, walk: Walk) -> JSONObject:
        peer = self._link.owner_of(key) if self._link is not None else None
        if peer is None or self._link is None:
            return {"passport": key, "held": False, "error": "no peer of this node holds it"}
        if peer.id in walk.hops:
            return {
                "passport": key,
                "node": peer.id,
                "held": False,
                "error": "already on this request's path",
            }
        direction = "predecessors" if walk.up else "successors"
        path = passport_path(key, "lineage") + f"?direction={direction}&depth={walk.depth}"
        try:
            answer = await self._link.call(peer, "GET", path, tier=walk.tier, hops=walk.hops)
        except FederationError as err:
            return {"passport": key, "node": peer.id, "held": False, "error": err.detail}
        body = _object(answer.body)
        if answer.status != 200 or body is None:
            detail = body.get("detail", "") if body is not None else ""
            return {"passport": key, "node": peer.id, "held": False,
                    "error": f"{peer.id} answered {answer.status}: {detail}"}  # fmt: skip
        held_here(body, self.node_id)
        return body


def held_here(entry: JSONObject, node_id: str) -> None:
    """Set ``held`` of an entry (and those under it) from a peer's answer: whether ``node_id``
    holds it."""
    if "node" in entry:
        entry["held"] = entry["node"] == node_id
    for side in ("predecessors", "successors"):
        relatives = entry.get(side)
        for relative in relatives if isinstance(relatives, list) else []:
            if isinstance(relative, dict):
                held_here(relative, node_id)


def _object(body: bytes) -> JSONObject | None:
    try:
        found: JSON = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return found if isinstance(found, dict) else None
