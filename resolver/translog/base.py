"""What a log backend keeps: leaves, complete-subtree hashes, the index by passport version, and
the latest signed tree head. Append-only: nothing written is ever changed."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from resolver.errors import Conflict, StoreUnavailable
from resolver.translog.heads import StoredHead
from resolver.translog.merkle import Coord

__all__ = ["JointRead", "LeafRecord", "LogBackend", "LogCorrupted", "LogRaced", "PathLocate", "TiledLocate"]


@dataclasses.dataclass(frozen=True, slots=True)
class LeafRecord:
    identifier: str
    version: int
    leaf: bytes  # the exact entry bytes


class LogCorrupted(StoreUnavailable):
    """What the store holds is not a consistent Merkle tree: the node must not serve it (503)."""

    slug = "log-corrupted"
    title = "Transparency log failed its integrity check"


class LogRaced(Conflict):
    """Another process appended first; the caller reads the new size and tries again."""


class LogBackend(Protocol):
    async def size(self) -> int: ...

    async def nodes(self, coords: Sequence[Coord]) -> dict[Coord, bytes]:
        """The stored hashes of ``coords`` (absent ones left out)."""
        ...

    async def leaves(self, start: int, end: int) -> list[bytes]:
        """Entry bytes of leaves ``[start, end)``."""
        ...

    async def locate(self, identifier: str, version: int) -> tuple[int, bytes] | None:
        """The leaf index and entry bytes of a passport version, or None if it is not logged."""
        ...

    async def index_of(self, identifier: str, version: int) -> int | None:
        """The leaf index of a passport version (one indexed read), or None if it is not logged."""
        ...

    async def append(self, size: int, records: Sequence[LeafRecord], nodes: Mapping[Coord, bytes]) -> None:
        """Add leaves ``size ..`` and the nodes they complete, all or nothing; LogRaced if the
        log no longer has ``size`` leaves, Conflict if a passport version is logged already."""
        ...

    async def latest_head(self) -> object | None:
        """The JSON of the latest signed tree head stored, or None."""
        ...

    async def put_head(self, head: StoredHead) -> None: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class TiledLocate(Protocol):
    """A backend that reads a version's leaf and its 8 siblings inside its subtree of 256 leaves
    (levels 0 to 7) at once; None for the siblings while that subtree is incomplete."""

    async def locate_in_tile(
        self, identifier: str, version: int
    ) -> tuple[int, bytes, list[bytes] | None] | None: ...


@runtime_checkable
class JointRead(Protocol):
    """A backend that reads a leaf's entry bytes and stored nodes in one round trip (a proof by
    leaf index, where the two reads would be two)."""

    async def leaf_and_nodes(
        self, index: int, coords: Sequence[Coord]
    ) -> tuple[bytes | None, dict[Coord, bytes]]:
        """Entry bytes of leaf ``index`` (None if there is none) and ``nodes(coords)``."""
        ...


@runtime_checkable
class PathLocate(Protocol):
    """A backend whose tiled locate, given a tree size, also reads the stored nodes of the leaf's
    inclusion path in that tree while its tile is incomplete (an empty dict otherwise)."""

    async def locate_with_path(
        self, identifier: str, version: int, size: int
    ) -> tuple[int, bytes, list[bytes] | None, dict[Coord, bytes]] | None: ...
