"""The chain: stages composed in the configuration's order, ending in "not found".

CoreDNS's plugin chain is the model: the order is the configuration's, each stage does one
thing, and the end of the chain answers "not found". The contract itself (``Stage``,
``Lookup``, ``Answer``) lives in ``resolver.lookup``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence

from resolver.errors import NotFound
from resolver.lookup import Answer, Lookup, Next, Read, Stage

__all__ = ["build_chain"]


def _end_of_chain(node_id: str) -> Next:
    async def end(lookup: Lookup) -> Answer:
        if lookup.read is not Read.CURRENT:
            raise NotFound(
                f"{node_id} is not authoritative for {lookup.handle}; "
                "its history is kept by the node that is",
                handle=lookup.handle,
            )
        raise NotFound(f"no passport is registered for {lookup.handle}")

    return end


def build_chain(stages: Sequence[Stage], *, node_id: str = "this node") -> Next:
    """Compose ``stages`` (first is asked first) into one callable."""
    nxt: Next = _end_of_chain(node_id)
    for stage in reversed(stages):
        nxt = _bind(stage, nxt)
    return nxt


def _bind(stage: Stage, nxt: Next) -> Next:
    resolve = stage.resolve

    def call(lookup: Lookup) -> Awaitable[Answer]:
        # The stage's own coroutine, not one wrapping it: a lookup awaits one frame less per
        # stage it passes (the chain's callers await what this returns, as before).
        return resolve(lookup, nxt)

    return call
