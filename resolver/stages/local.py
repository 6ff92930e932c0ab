"""The ``local`` stage: answers, with the final word, for keys under the node's own prefixes.

One store call per lookup (``get_view`` for the lookup's tier); everything else goes on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolver.errors import Gone, NotFound
from resolver.identifiers import claims
from resolver.stages.base import Answer, Lookup, Next
from resolver.stores.base import Store

if TYPE_CHECKING:
    from resolver.context import NodeContext

__all__ = ["LocalStage"]


class LocalStage:
    """Resolve from the store when the node is authoritative for the key's prefix."""

    name = "local"

    def __init__(self, store: Store, prefixes: tuple[str, ...], *, max_age: int) -> None:
        self._store = store
        self._prefixes = prefixes
        self._max_age = max_age

    @classmethod
    def from_context(cls, ctx: NodeContext) -> LocalStage:
        return cls(ctx.store, ctx.config.prefixes, max_age=ctx.config.max_age)

    def covers(self, key: str) -> bool:
        """Whether this node is authoritative for ``key``."""
        return any(claims(prefix, key) for prefix in self._prefixes)

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
