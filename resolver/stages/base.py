"""The stage contract: each stage answers a lookup or passes it to the next one.

CoreDNS's plugin chain is the model: the order is the configuration's, each stage does one
thing, and the end of the chain answers "not found".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from resolver.errors import NotFound
from resolver.stores.base import View
from resolver.tiers import Tier

__all__ = ["Answer", "Lookup", "Next", "Referral", "Stage", "build_chain"]


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
    """

    view: View | None
    source: str
    max_age: int
    age: int = 0
    referral: Referral | None = None
    stale: bool = False
    hops: tuple[str, ...] = field(default=())


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
