"""The store protocol: immutable, versioned passport records with a change feed.

Every write is a new version, whole or not at all; a delete is a tombstone version. The change
feed is split into ``partitions`` (1 for SQLite; a fixed number for Redis, so that a Redis
Cluster spreads them over its masters): each handle writes to one partition
(``partition_of``), and each partition orders its writes with increasing sequence numbers.
A reader follows every partition and keeps a position (the last ``seq`` read) per partition;
there is no order between partitions, only within one (and so within one handle).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from resolver.frozen import quick_init
from resolver.tiers import Tier

__all__ = ["Change", "Record", "Store", "View"]


@quick_init
@dataclass(frozen=True, slots=True)
class Record:
    """One version of a passport. ``views`` holds compact JSON-LD bytes per tier.

    A tombstone (``deleted``) has no views. ``handle`` is the normalised key
    (see ``resolver.identifiers``); ``modified`` is seconds since the epoch (UTC).
    ``digest`` is the RDFC-1.0 SHA-256 (hex) of the version's graph ("" if not known).
    """

    handle: str
    version: int
    modified: float
    deleted: bool = False
    views: Mapping[Tier, bytes] = field(default_factory=dict)
    digest: str = ""

    @property
    def etag(self) -> str:
        """Strong entity tag of this version (tier-specific tags add the tier)."""
        return f'"{self.version}"'


@quick_init
@dataclass(frozen=True, slots=True)
class View:
    """What the hot read path needs: one tier's bytes and the version's metadata."""

    handle: str
    version: int
    modified: float
    deleted: bool
    body: bytes


@quick_init
@dataclass(frozen=True, slots=True)
class Change:
    """One entry of the change feed."""

    seq: int
    handle: str
    version: int
    deleted: bool
    modified: float
    partition: int = 0  # the feed partition it was read from (its seq counts within it)


@runtime_checkable
class Store(Protocol):
    """A small store: a few verbs, keyword-only options, all-or-nothing writes.

    ``expected_version``: ``None`` writes whatever is there; ``0`` requires that no record
    exists (create only); ``N`` requires that version N is the current one.  A mismatch
    raises ``resolver.errors.PreconditionFailed``.  A store that cannot be reached raises
    ``resolver.errors.StoreUnavailable``.
    """

    @property
    def partitions(self) -> int:
        """How many change-feed partitions the store has (fixed for its lifetime, at least 1)."""
        ...

    def partition_of(self, handle: str) -> int:
        """The feed partition ``handle``'s writes go to (0 to ``partitions - 1``)."""
        ...

    async def get(self, handle: str, *, version: int | None = None) -> Record | None:
        """The current record (a tombstone included), or the given version; None if never written."""
        ...

    async def get_view(self, handle: str, tier: Tier) -> View | None:
        """The current version's view for ``tier`` in one round trip (the hot path)."""
        ...

    async def put(
        self,
        handle: str,
        views: Mapping[Tier, bytes],
        *,
        expected_version: int | None = None,
        digest: str = "",
    ) -> Record:
        """Write a new version atomically and append it to the change feed; ``digest`` is kept
        with the views and comes back in the Record."""
        ...

    async def delete(self, handle: str, *, expected_version: int | None = None) -> Record:
        """Write a tombstone version (history is kept). Raises NotFound if never written."""
        ...

    async def history(self, handle: str) -> Sequence[Record]:
        """Every version, oldest first (views included)."""
        ...

    async def at(self, handle: str, when: float) -> Record | None:
        """The version that was current at ``when`` (seconds since the epoch)."""
        ...

    async def changes(self, *, since: int = 0, limit: int = 1000, partition: int = 0) -> Sequence[Change]:
        """Changes of feed ``partition`` with ``seq > since``, in order."""
        ...

    async def heads(self) -> Sequence[int]:
        """The last ``seq`` of each feed partition (0 while empty), in one round trip: a
        follower reads only the partitions that moved."""
        ...

    async def handles(self, *, prefix: str = "", offset: int = 0, limit: int = 100) -> tuple[int, list[str]]:
        """(total, page) of current, non-deleted handles under ``prefix``, sorted."""
        ...

    async def count(self) -> int:
        """How many handles have a current, non-deleted record."""
        ...

    async def aclose(self) -> None: ...
