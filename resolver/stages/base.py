"""The stage contract: each stage answers a lookup or passes it to the next one.

CoreDNS's plugin chain is the model: the order is the configuration's, each stage does one
thing, and the end of the chain answers "not found".
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from resolver.errors import InputError, LoopDetected, NotFound
from resolver.stores.base import View
from resolver.tiers import Tier

__all__ = [
    "BUDGET_HEADER",
    "HOPS_HEADER",
    "TIER_HEADER",
    "Answer",
    "Lookup",
    "Next",
    "Referral",
    "Stage",
    "build_chain",
    "lookup_from_headers",
]

# Headers a node sets when it forwards a lookup to a peer.
HOPS_HEADER = "Passport-Hops"  # comma-separated node ids the lookup has passed through, in order
BUDGET_HEADER = "Passport-Budget-Ms"  # what is left of the original deadline, in milliseconds
TIER_HEADER = "Passport-Tier"  # the most the forwarding node asks for (its caller's tier)


@dataclass(frozen=True, slots=True)
class Lookup:
    """One read: which passport, for which tier, by when, and the nodes it passed through.

    ``handle`` is the normalised identifier key (``resolver.identifiers``). ``deadline`` is
    an absolute ``time.monotonic()`` value; stages pass on what is left of it.
    """

    handle: str
    tier: Tier
    deadline: float
    hops: tuple[str, ...] = ()
    referral: bool = False


@dataclass(frozen=True, slots=True)
class Referral:
    """Where the authoritative answer lives, for a client that asked not to recurse."""

    node_id: str
    base_urls: tuple[str, ...]
    prefix: str


@dataclass(frozen=True, slots=True)
class Answer:
    """A stage's answer: the view (or a referral), where it came from and how long to keep it.

    ``source`` is "local", "cache" or "peer:<id>"; ``age`` is seconds since the
    authoritative node produced it; ``max_age`` is how long it may be kept from then.
    ``tier`` is the tier of ``view`` when it is below the lookup's (a peer granted this node
    less than the caller may see); ``None`` means the lookup's tier. The edge labels the
    response (``Passport-Tier``) with it.
    """

    view: View | None
    source: str
    max_age: int
    age: int = 0
    referral: Referral | None = None
    stale: bool = False
    hops: tuple[str, ...] = field(default=())
    tier: Tier | None = None


Next = Callable[[Lookup], Awaitable[Answer]]


class Stage(Protocol):
    name: str

    async def resolve(self, lookup: Lookup, next_stage: Next) -> Answer:
        """Answer ``lookup``, or return ``await next_stage(lookup)``."""
        ...


async def _end_of_chain(lookup: Lookup) -> Answer:
    raise NotFound(f"no passport is registered for {lookup.handle}")


def build_chain(stages: Sequence[Stage]) -> Next:
    """Compose ``stages`` (first is asked first) into one callable."""
    nxt: Next = _end_of_chain
    for stage in reversed(stages):
        nxt = _bind(stage, nxt)
    return nxt


def _bind(stage: Stage, nxt: Next) -> Next:
    async def call(lookup: Lookup) -> Answer:
        return await stage.resolve(lookup, nxt)

    return call


def lookup_from_headers(
    handle: str,
    tier: Tier,
    headers: Mapping[str, str],
    *,
    node_id: str,
    default_budget: float,
    max_hops: int,
    referral: bool = False,
) -> Lookup:
    """The lookup for a request arriving at ``node_id``: deadline and hop trail from its headers.

    A forwarded request carries the budget its sender had left; a budget is never extended
    past ``default_budget``. A trail that already holds this node, or is too long, is a loop.
    """
    hops = tuple(h.strip() for h in headers.get(HOPS_HEADER, "").split(",") if h.strip())
    if node_id in hops or len(hops) >= max_hops:
        path = " -> ".join((*hops, node_id))
        why = "came back to" if node_id in hops else f"exceeded {max_hops} hops at"
        raise LoopDetected(f"lookup of {handle} {why} node {node_id}: {path}", path=[*hops, node_id])
    budget = default_budget
    raw = headers.get(BUDGET_HEADER)
    if raw is not None:
        try:
            budget = min(default_budget, max(0.0, int(raw) / 1000))
        except ValueError as err:
            raise InputError(f"{BUDGET_HEADER} must be whole milliseconds, got {raw!r}") from err
    return Lookup(handle=handle, tier=tier, deadline=time.monotonic() + budget, hops=hops, referral=referral)
