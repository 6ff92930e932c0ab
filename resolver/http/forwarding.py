"""Reading a forwarded lookup's headers (hop trail, remaining budget) at the edge.

The trust boundary: a budget is honoured only from an authenticated peer. Anyone else gets the
node's own deadline, so an anonymous caller cannot make this node time out on a healthy peer
(and open its circuit for everyone). The hop trail is read from every caller, but only to
refuse: a trail can make the sender's own lookup fail (508), never anyone else's, and ignoring
it would let two nodes that do not authenticate to each other forward a lookup in a circle.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from resolver.errors import InputError, LoopDetected
from resolver.lookup import BUDGET_HEADER, HOPS_HEADER, Lookup
from resolver.tiers import Tier

__all__ = ["lookup_from_headers"]


def lookup_from_headers(
    handle: str,
    tier: Tier,
    headers: Mapping[str, str],
    *,
    node_id: str,
    default_budget: float,
    max_hops: int,
    referral: bool = False,
    trusted: bool = True,
) -> Lookup:
    """The lookup for a request arriving at ``node_id``: deadline and hop trail from its headers.

    A forwarded request from a peer (``trusted``) carries the budget its sender had left; a
    budget is never extended past ``default_budget``, and from anyone else it is ignored. A
    trail that already holds this node, or is too long, is a loop.
    """
    hops = tuple(h.strip() for h in headers.get(HOPS_HEADER, "").split(",") if h.strip())
    if node_id in hops or len(hops) >= max_hops:
        path = " -> ".join((*hops, node_id))
        why = "came back to" if node_id in hops else f"exceeded {max_hops} hops at"
        raise LoopDetected(f"lookup of {handle} {why} node {node_id}: {path}", path=[*hops, node_id])
    budget = default_budget
    raw = headers.get(BUDGET_HEADER) if trusted else None
    if raw is not None:
        try:
            budget = min(default_budget, max(0.0, int(raw) / 1000))
        except ValueError as err:
            raise InputError(f"{BUDGET_HEADER} must be whole milliseconds, got {raw!r}") from err
    return Lookup(
        handle=handle,
        tier=tier,
        deadline=time.monotonic() + budget,
        hops=hops,
        referral=referral,
        budget_cut=budget < default_budget,
    )
