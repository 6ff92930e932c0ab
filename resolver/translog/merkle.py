"""RFC 9162 Merkle tree hashing over stored complete subtrees.

A node is named by ``(level, index)``: the hash of leaves ``[index * 2**level, (index+1) * 2**level)``,
stored once that subtree is complete. Every range the RFC's recursion visits splits into at most
one stored node per level, so a root or a proof reads O(log n) nodes and hashes as many.
The plan functions say which nodes a result needs (one batched read); ``fold`` evaluates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

__all__ = [
    "Coord",
    "Plan",
    "consistency_plan",
    "evaluate",
    "frontier",
    "inclusion_plan",
    "leaf_hash",
    "new_nodes",
    "node_hash",
    "range_plan",
    "verify_consistency",
    "verify_inclusion",
]

Coord = tuple[int, int]  # (level, index)
Plan = list[Coord]  # complete subtrees left to right; their hash is their right fold


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_plan(start: int, end: int) -> Plan:
    """The stored subtrees whose right fold is MTH(D[start:end]), for a range the RFC's
    recursion visits (``start`` aligned to the largest power of two not above the range)."""
    plan: Plan = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)  # no wider than start's alignment
        plan.append((level, start >> level))
        start += 1 << level
    return plan


def frontier(size: int) -> Plan:
    """The complete subtrees of a tree of ``size`` leaves: its root's plan."""
    return range_plan(0, size)


def evaluate(plan: Sequence[Coord], nodes: Mapping[Coord, bytes]) -> bytes:
    """MTH of the range a plan covers; the empty range hashes to SHA-256 of nothing."""
    if not plan:
        return hashlib.sha256(b"").digest()
    result = nodes[plan[-1]]
    for coord in reversed(plan[:-1]):
        result = node_hash(nodes[coord], result)
    return result


def inclusion_plan(index: int, size: int) -> list[Plan]:
    """PATH(index, D[0:size]) (RFC 9162 2.1.3.1), each element a plan, leaf side first.

    Walks up from the leaf: the RFC's tree is the complete binary tree with right subtrees that
    have no leaves left out, so each level gives the sibling subtree if it has leaves: a left
    sibling is complete, a right one may be the tree's ragged right edge.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[Plan] = []
    for level in range((size - 1).bit_length()):
        sibling = (index >> level) ^ 1
        start = sibling << level
        if start >= size:
            continue  # no leaves to the right at this level: the node moves up as it is
        end = start + (1 << level)
        path.append([(level, sibling)] if end <= size else range_plan(start, size))
    return path


def consistency_plan(first: int, second: int) -> list[Plan]:
    """PROOF(first, D[0:second]) (RFC 9162 2.1.4.1), each element a plan, in the RFC's order."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    proof: list[Plan] = []
    start, end, m, complete = 0, second, first, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(range_plan(start + k, end))
            end = start + k
        else:
            proof.append(range_plan(start, start + k))
            start, m, complete = start + k, m - k, False
    if not complete:
        proof.append(range_plan(start, end))
    proof.reverse()
    return proof


def new_nodes(size: int, leaves: Sequence[bytes], known: Mapping[Coord, bytes]) -> dict[Coord, bytes]:
    """The nodes that appending ``leaves`` (leaf hashes) to a tree of ``size`` completes.

    ``known`` holds the tree's frontier (at least); every left sibling needed is in it or new.
    """
    made: dict[Coord, bytes] = {}
    for offset, leaf in enumerate(leaves):
        index, level, value = size + offset, 0, leaf
        made[(0, index)] = value
        while index & 1:
            left = made.get((level, index - 1)) or known[(level, index - 1)]
            value = node_hash(left, value)
            index, level = index >> 1, level + 1
            made[(level, index)] = value
    return made


# --- verification, as a client does it (RFC 9162 2.1.3.2 and 2.1.4.2) ------------------------


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes) -> bool:
    """Whether ``path`` proves the leaf hash ``leaf`` at ``index`` in the tree of ``size``."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree of ``second`` extends the tree of ``first``."""
    if first > second or first == 0:
        return False
    if first == second:
        return not proof and first_root == second_root
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root starts the path
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
