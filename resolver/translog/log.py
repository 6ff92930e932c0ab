"""The transparency log: appends passport versions, answers signed tree heads and O(log n)
inclusion and consistency proofs, and checks its store's integrity when it opens."""

from __future__ import annotations

import dataclasses
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

from resolver.errors import InputError, NotFound
from resolver.translog import merkle
from resolver.translog.base import (
    JointRead,
    LeafRecord,
    LogBackend,
    LogCorrupted,
    LogRaced,
    PathLocate,
    TiledLocate,
)
from resolver.translog.entry import LogEntry
from resolver.translog.heads import HeadSigner, SignedTreeHead
from resolver.translog.merkle import Coord, Plan

__all__ = ["InclusionProof", "TransparencyLog"]

MAX_PAGE = 1000  # entries per /log/entries answer
_RETRIES = 20
# Nodes of level >= 8 (subtrees of 256 leaves and up) are cached: a log of 1M entries has
# under 4,100 of them, and every proof reads about half its nodes from there.
_UPPER_LEVEL = 8
_UPPER_MAX = 200_000
# The inclusion path of a leaf in a complete subtree of 2^8 leaves (a tile) is the 8 siblings
# inside it, then the path of the subtree's root, which depends only on (tile, tree size): the
# latter, evaluated once (the ragged right edge hashed too), is kept for this many pairs (a log
# of 1M entries has 3,907 tiles; about 12 hashes each).
_TILE_LEVELS = 8
_TILE_PATHS_KEPT = 16_384


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclasses.dataclass(frozen=True, slots=True)
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf: bytes
    path: list[bytes]


class TransparencyLog:
    """One node's log over a LogBackend. ``open()`` checks it before use."""

    def __init__(
        self, backend: LogBackend, *, signer: HeadSigner, clock: Callable[[], int] = _now_ms
    ) -> None:
        self.backend = backend
        self._signer = signer
        self._clock = clock
        self._head: SignedTreeHead | None = None
        self._upper: dict[Coord, bytes] = {}
        self._tile_paths: OrderedDict[tuple[int, int], list[bytes]] = OrderedDict()
        self._tiled = backend if isinstance(backend, TiledLocate) else None
        self._joint = backend if isinstance(backend, JointRead) else None
        self._pathed = backend if isinstance(backend, PathLocate) else None
        self._seen_size = 0
        # The size and frontier of the tree after this log's last append. The backend appends
        # only to a tree of the size it was prepared for (LogRaced otherwise) and a tree of a
        # given size never changes, so the next append tries them before reading anything.
        self._frontier: tuple[int, dict[Coord, bytes]] | None = None

    # --- writing -------------------------------------------------------------------------------

    async def append(self, entry: LogEntry) -> int:
        """Log one passport version; its leaf index. Call it once per version written."""
        return (await self.append_many([entry]))[0]

    async def append_many(self, entries: Sequence[LogEntry]) -> list[int]:
        """Log versions in order, all or nothing; their leaf indexes."""
        records = [LeafRecord(e.identifier, e.version, e.leaf_bytes()) for e in entries]
        leaves = [merkle.leaf_hash(r.leaf) for r in records]
        for _attempt in range(_RETRIES):
            if self._frontier is not None:  # the tree this log appended last: no reads
                (size, known), self._frontier = self._frontier, None
            else:
                size = await self.backend.size()
                known = await self._read(merkle.frontier(size))
            made = merkle.new_nodes(size, leaves, known)
            try:
                await self.backend.append(size, records, made)
            except LogRaced:
                continue
            end = size + len(records)
            self._seen_size = max(self._seen_size, end)
            self._frontier = (end, {c: made.get(c) or known[c] for c in merkle.frontier(end)})
            return list(range(size, end))
        raise LogRaced(f"the log kept growing under {_RETRIES} attempts to append")

    # --- reading -------------------------------------------------------------------------------

    async def size(self) -> int:
        size = await self.backend.size()
        self._seen_size = max(self._seen_size, size)
        return size

    async def _read(self, coords: Sequence[Coord]) -> dict[Coord, bytes]:
        """Stored nodes; those of the upper levels, few and never changing, are kept in memory."""
        found, wanted = self._cached(coords)
        if wanted:
            self._kept(wanted, await self.backend.nodes(wanted), found)
        return found

    def _cached(self, coords: Sequence[Coord]) -> tuple[dict[Coord, bytes], list[Coord]]:
        """The nodes of ``coords`` kept in memory, and the coordinates left to read."""
        upper = self._upper
        found: dict[Coord, bytes] = {}
        wanted: list[Coord] = []
        for coord in coords:
            cached = upper.get(coord)
            if cached is None:
                wanted.append(coord)
            else:
                found[coord] = cached
        return found, wanted

    def _kept(self, wanted: list[Coord], read: dict[Coord, bytes], found: dict[Coord, bytes]) -> None:
        """Add the nodes ``read`` for ``wanted`` to ``found``, keep the upper ones; LogCorrupted
        if one is missing."""
        found.update(read)
        if len(self._upper) < _UPPER_MAX:
            self._upper.update((c, h) for c, h in read.items() if c[0] >= _UPPER_LEVEL)
        if len(read) < len(set(wanted)):
            missing = [c for c in wanted if c not in found]
            raise LogCorrupted(f"the log is missing tree nodes {missing[:5]}")

    async def _evaluate(self, plans: Sequence[Plan]) -> list[bytes]:
        nodes = await self._read([coord for plan in plans for coord in plan])
        return [merkle.evaluate(plan, nodes) for plan in plans]

    async def root(self, tree_size: int) -> bytes:
        kept = self._frontier
        if kept is not None and kept[0] == tree_size:  # the tree this log just appended to
            return merkle.evaluate(merkle.frontier(tree_size), kept[1])
        return (await self._evaluate([merkle.frontier(tree_size)]))[0]

    async def head(self) -> SignedTreeHead:
        """The signed head of the current tree (a new one when the tree has grown)."""
        size = await self.backend.size()
        if self._head is not None and self._head.tree_size == size:
            return self._head
        stored = await self.backend.latest_head()
        if isinstance(stored, dict) and stored.get("tree_size") == size:
            self._head = SignedTreeHead.from_json(stored)
            return self._head
        head = SignedTreeHead.make(size, await self.root(size), self._clock(), self._signer)
        await self.backend.put_head(head.to_json())
        self._head = head
        return head

    async def entries(self, start: int, end: int) -> list[bytes]:
        """Leaf bytes of entries ``start`` to ``end`` inclusive (as RFC 6962's get-entries), at
        most MAX_PAGE of them."""
        size = await self.backend.size()
        if start < 0 or end < start or start >= size:
            raise InputError(f"no entries {start} to {end}: the log has {size} (0 to {size - 1})")
        end = min(end, size - 1, start + MAX_PAGE - 1)
        return await self.backend.leaves(start, end + 1)

    def reached(self, tree_size: int) -> bool:
        """Whether the log is known (without a read) to have reached ``tree_size`` entries."""
        return 0 < tree_size <= self._seen_size

    async def _tree_size(self, tree_size: int | None) -> int:
        if tree_size is not None and 0 < tree_size <= self._seen_size:
            return tree_size  # the log only grows: a size seen once stays a size of it
        size = await self.size()
        if tree_size is None:
            return size
        if not 0 < tree_size <= size:
            raise InputError(f"tree_size {tree_size} is not a size of this log (1 to {size})")
        return tree_size

    async def inclusion(self, identifier: str, version: int, tree_size: int | None = None) -> InclusionProof:
        """The proof that a passport version is in the tree of ``tree_size`` (default: now)."""
        if self._tiled is not None:  # the leaf and its siblings (or its whole path) in one read
            located = await self._locate(self._tiled, identifier, version, tree_size)
            if located is None:
                raise NotFound(f"version {version} of {identifier} is not in this node's log")
            index, leaf, siblings, nodes = located
            size = await self._tree_size(tree_size)
            if nodes and index < size:
                try:
                    path = [merkle.evaluate(plan, nodes) for plan in merkle.inclusion_plan(index, size)]
                except KeyError:  # a node not stored: read it as below, which says it is missing
                    pass
                else:
                    return InclusionProof(index, size, leaf, path)
            above = self._tile_paths.get((index >> _TILE_LEVELS, size)) if siblings is not None else None
            if siblings is None or above is None or index >= size:
                return await self._inclusion(index, leaf, size)
            self._tile_paths.move_to_end((index >> _TILE_LEVELS, size))
            return InclusionProof(index, size, leaf, siblings + above)
        found = await self.backend.locate(identifier, version)
        if found is None:
            raise NotFound(f"version {version} of {identifier} is not in this node's log")
        return await self._inclusion(found[0], found[1], tree_size)

    async def _locate(
        self, tiled: TiledLocate, identifier: str, version: int, tree_size: int | None
    ) -> tuple[int, bytes, list[bytes] | None, dict[Coord, bytes]] | None:
        """The version's leaf index, entry bytes, siblings in its tile, and (for a tree size the
        log has seen, while the tile is incomplete, where the backend reads them) its path's nodes."""
        if self._pathed is not None and tree_size is not None and 0 < tree_size <= self._seen_size:
            return await self._pathed.locate_with_path(identifier, version, tree_size)
        located = await tiled.locate_in_tile(identifier, version)
        return None if located is None else (*located, {})

    async def inclusion_at(self, index: int, tree_size: int | None = None) -> InclusionProof:
        if self._joint is not None and tree_size is not None and 0 <= index < tree_size <= self._seen_size:
            return await self._inclusion_joint(self._joint, index, tree_size)
        leaf = await self.backend.leaves(index, index + 1)
        if not leaf:
            raise InputError(f"no leaf {index} in this log")
        return await self._inclusion(index, leaf[0], tree_size)

    async def _inclusion(self, index: int, leaf: bytes, tree_size: int | None) -> InclusionProof:
        size = await self._tree_size(tree_size)
        if index >= size:
            raise InputError(f"leaf {index} came after the tree of size {size}; ask for a later tree_size")

        async def nodes(coords: Sequence[Coord]) -> tuple[bytes, dict[Coord, bytes]]:
            return leaf, (await self.backend.nodes(coords) if coords else {})

        return await self._inclusion_read(index, size, nodes)

    async def _inclusion_joint(self, joint: JointRead, index: int, size: int) -> InclusionProof:
        """As :meth:`_inclusion` for a size known to the log, with the leaf read in the same round
        trip as the nodes (the same reads, the same answers, the same errors)."""

        async def leaf_and_nodes(coords: Sequence[Coord]) -> tuple[bytes, dict[Coord, bytes]]:
            leaf, found = await joint.leaf_and_nodes(index, coords)
            if leaf is None:
                raise InputError(f"no leaf {index} in this log")
            return leaf, found

        return await self._inclusion_read(index, size, leaf_and_nodes)

    async def _inclusion_read(
        self,
        index: int,
        size: int,
        read: Callable[[Sequence[Coord]], Awaitable[tuple[bytes, dict[Coord, bytes]]]],
    ) -> InclusionProof:
        """Leaf ``index``'s proof in the tree of ``size`` (> index), ``read`` giving the leaf's
        entry bytes and the stored nodes asked for: the nodes inside its tile when the path above
        a complete tile is kept, else the whole path (less the upper nodes kept in memory)."""
        tile = index >> _TILE_LEVELS
        complete = (tile + 1) << _TILE_LEVELS <= size  # else in the ragged right edge
        above = self._tile_paths.get((tile, size)) if complete else None
        if above is not None:
            self._tile_paths.move_to_end((tile, size))
            inside = [(level, (index >> level) ^ 1) for level in range(_TILE_LEVELS)]
            leaf, nodes = await read(inside)
            if len(nodes) < _TILE_LEVELS:
                missing = [c for c in inside if c not in nodes]
                raise LogCorrupted(f"the log is missing tree nodes {missing[:5]}")
            return InclusionProof(index, size, leaf, [nodes[coord] for coord in inside] + above)
        plans = merkle.inclusion_plan(index, size)
        found, wanted = self._cached([coord for plan in plans for coord in plan])
        leaf, stored = await read(wanted)
        self._kept(wanted, stored, found)
        path = [merkle.evaluate(plan, found) for plan in plans]
        if complete:
            self._keep_tile_path(tile, size, path[_TILE_LEVELS:])
        return InclusionProof(index, size, leaf, path)

    def _keep_tile_path(self, tile: int, size: int, above: list[bytes]) -> None:
        self._tile_paths[(tile, size)] = above
        if len(self._tile_paths) > _TILE_PATHS_KEPT:
            self._tile_paths.popitem(last=False)

    async def consistency(self, first: int, second: int) -> list[bytes]:
        """The proof that the tree of ``second`` extends the tree of ``first``."""
        size = self._seen_size if second <= self._seen_size else await self.size()
        if not 0 < first <= second <= size:
            raise InputError(f"no consistency proof from {first} to {second}: the log has {size} entries")
        return await self._evaluate(merkle.consistency_plan(first, second))

    # --- integrity -----------------------------------------------------------------------------

    async def open(self, *, full: bool = False) -> TransparencyLog:
        """Check the store and return self; LogCorrupted if it is not the tree it claims.

        The quick check (at every start) reads O(log n): the frontier exists, the newest leaf
        hashes to its node and its complete ancestors to theirs, and the latest signed head's
        root is the stored tree's at that size. ``full`` rehashes every leaf and node.
        """
        size = await self.backend.size()
        if size:
            await self._check_newest(size)
        stored = await self.backend.latest_head()
        if stored is not None:
            head = SignedTreeHead.from_json(stored)
            if head.tree_size > size:
                raise LogCorrupted(
                    f"the log has {size} entries, fewer than its signed head's {head.tree_size}"
                )
            if head.tree_size and await self.root(head.tree_size) != head.root_hash:
                raise LogCorrupted(
                    f"the stored tree's root at size {head.tree_size} is not its signed head's"
                )
        if full:
            await self._check_all(size)
        return self

    async def _check_newest(self, size: int) -> None:
        index = size - 1
        coords: list[Coord] = [(0, index)]
        level, i = 0, index
        while i & 1:
            coords += [(level, i - 1), (level + 1, i >> 1)]
            level, i = level + 1, i >> 1
        nodes = await self._read(coords + merkle.frontier(size))
        leaf = await self.backend.leaves(index, index + 1)
        if not leaf or merkle.leaf_hash(leaf[0]) != nodes[(0, index)]:
            raise LogCorrupted(f"leaf {index} does not hash to its stored node")
        level, i = 0, index
        while i & 1:
            if merkle.node_hash(nodes[(level, i - 1)], nodes[(level, i)]) != nodes[(level + 1, i >> 1)]:
                raise LogCorrupted(f"node {(level + 1, i >> 1)} is not the hash of its children")
            level, i = level + 1, i >> 1

    async def _check_all(self, size: int, batch: int = 4096) -> None:
        for start in range(0, size, batch):
            end = min(size, start + batch)
            leaves = await self.backend.leaves(start, end)
            nodes = await self._read([(0, i) for i in range(start, end)])
            for offset, leaf in enumerate(leaves):
                if merkle.leaf_hash(leaf) != nodes[(0, start + offset)]:
                    raise LogCorrupted(f"leaf {start + offset} does not hash to its stored node")
        level, count = 0, size
        while count > 1:
            parents = count // 2
            for start in range(0, parents, batch):
                end = min(parents, start + batch)
                children = await self._read([(level, i) for i in range(2 * start, 2 * end)])
                above = await self._read([(level + 1, i) for i in range(start, end)])
                for i in range(start, end):
                    if (
                        merkle.node_hash(children[(level, 2 * i)], children[(level, 2 * i + 1)])
                        != above[(level + 1, i)]
                    ):
                        raise LogCorrupted(f"node {(level + 1, i)} is not the hash of its children")
            level, count = level + 1, parents
