"""Reading a linked passport through the node's lookup chain: local, cached or from a peer,
whichever stage answers, within the node's deadline."""

from __future__ import annotations

import time
from collections.abc import Callable

from resolver.errors import NotFound
from resolver.identifiers import parse_identifier
from resolver.linked.passports import Fetch
from resolver.lookup import Lookup, Next
from resolver.tiers import Tier

__all__ = ["through_chain"]


def through_chain(chain: Next, *, deadline: float, clock: Callable[[], float] = time.monotonic) -> Fetch:
    """A Fetch that asks ``chain`` for the current view at the tier asked (a peer answers with
    at most what it grants this node), each read within ``deadline`` seconds."""

    async def fetch(iri: str, tier: Tier) -> bytes:
        ident = parse_identifier(iri)
        answer = await chain(Lookup(ident.key, tier, clock() + deadline))
        if answer.view is None:
            raise NotFound(f"no passport is registered for {ident.key}", handle=ident.key)
        return answer.view.body

    return fetch
