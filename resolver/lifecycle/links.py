"""The lineage's parts that need the whole node: its stage chain (to resolve predecessors and
successors, through the federation when another node holds them) and its peer client (to tell
owners and to ask them). Built by the composition root once the chain exists."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from resolver.config.federation import FederationConfig
from resolver.federation.client import PeerClient
from resolver.lifecycle.datapoints import DATA_POINTS, tier_of
from resolver.lifecycle.dynamic import HEALTH_TIER_POINT
from resolver.lifecycle.lineage import LineageTree
from resolver.lifecycle.part import LifecyclePart, Timing
from resolver.lifecycle.peering import PeerLink
from resolver.lifecycle.succession import Resolve, Successions
from resolver.lookup import Lookup, Next, NotFound
from resolver.profile import Profile
from resolver.stores.base import View
from resolver.tiers import Tier

__all__ = ["LineageLinks", "chain_resolver", "lineage_links"]


@dataclass(frozen=True, eq=False, slots=True)
class LineageLinks:
    """Write-time checks and announcements (``successions``), the lineage walk (``tree``) and
    the way to other nodes (``link``; None without peers); ``holds``: whether this node is
    authoritative for a key."""

    successions: Successions
    tree: LineageTree
    link: PeerLink | None
    holds: Callable[[str], bool]


def _grade_tier() -> Tier:
    """The tier of the health rating (the profile's, read when a lineage is first asked for)."""
    return tier_of(Profile.load(), DATA_POINTS[HEALTH_TIER_POINT])


def chain_resolver(chain: Next, *, deadline: float) -> Resolve:
    """The current authority view of a key from ``chain`` (this node, its cache, its peers;
    a peer answers at most what it grants this node)."""

    async def resolve(key: str) -> View:
        answer = await chain(Lookup(key, Tier.AUTHORITY, time.monotonic() + deadline))
        if answer.view is None:
            raise NotFound(f"no passport is registered for {key}", handle=key)
        return answer.view

    return resolve


def lineage_links(
    part: LifecyclePart,
    *,
    chain: Next,
    peers: PeerClient,
    federation: FederationConfig,
    node_id: str,
    deadline: float,
    holds: Callable[[str], bool],
    timing: Timing,
    case_sensitive: bool = False,
) -> LineageLinks:
    link = (
        PeerLink(peers, federation, node_id=node_id, timeout=max(deadline, 1.0)) if federation.nodes else None
    )
    successions = Successions(
        part.service,
        chain_resolver(chain, deadline=deadline),
        link=link,
        holds=holds,
        node_id=node_id,
        sleep=timing.sleep,
        case_sensitive=case_sensitive,
    )
    tree = LineageTree(
        part.service,
        link=link,
        holds=holds,
        node_id=node_id,
        grade_tier=_grade_tier,
        case_sensitive=case_sensitive,
    )
    return LineageLinks(successions, tree, link, holds)
