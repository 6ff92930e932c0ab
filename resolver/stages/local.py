"""The ``local`` stage: answers, with the final word, for keys under the node's own prefixes.

One store call per lookup (``get_view`` for the lookup's tier); everything else goes on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolver.errors import Gone, NotFound
from resolver.identifiers import claims, longest_claim
from resolver.stages.base import Answer, Lookup, Next
from resolver.stores.base import Store

if TYPE_CHECKING:
    from resolver.context import NodeContext

__all__ = ["LocalStage"]


class LocalStage:
    """Resolve from the store when the node is authoritative for the key's prefix."""

    name = "local"

    def __init__(
        self, store: Store, prefixes: tuple[str, ...], *, max_age: int, delegated: tuple[str, ...] = ()
    ) -> None:
        self._store = store
        self._prefixes = prefixes
        self._max_age = max_age
        # Prefixes under this node's own that a peer holds (88.100.1 under 88.100): the peer's
        # longer claim wins, as the federation stage will ask it.
        self._delegated = tuple(d for d in delegated if any(claims(p, d + "/") for p in prefixes))

    @classmethod
    def from_context(cls, ctx: NodeContext) -> LocalStage:
        from resolver.federation.config import federation_config

        delegated = tuple(p for peer in federation_config(ctx).peers for p in peer.prefixes)
        return cls(ctx.store, ctx.config.prefixes, max_age=ctx.config.max_age, delegated=delegated)

    def covers(self, key: str) -> bool:
        """Whether this node is authoritative for ``key`` (and has not delegated it to a peer)."""
        if not self._delegated:
            return any(claims(prefix, key) for prefix in self._prefixes)
        own = longest_claim(self._prefixes, key)
        if own is None:
            return False
        peer = longest_claim(self._delegated, key)
        return peer is None or len(peer) <= len(own)

    async def resolve(self, lookup: Lookup, next_stage: Next) -> Answer:
        if not self.covers(lookup.handle):
            return await next_stage(lookup)
        view = await self._store.get_view(lookup.handle, lookup.tier)
        if view is None:
            raise NotFound(f"no passport is registered for {lookup.handle}", handle=lookup.handle)
        if view.deleted:
            raise Gone(
                f"the passport {lookup.handle} was deleted (version {view.version})",
                handle=lookup.handle,
                version=view.version,
            )
        return Answer(view=view, source="local", max_age=self._max_age)
