"""Inclusion and consistency proofs of logs of 1 to 1,000 entries, checked by a verifier written
here from RFC 9162 (sections 2.1.1, 2.1.3.2 and 2.1.4.2), not with the node's own code."""

from __future__ import annotations

import hashlib
import random

import pytest

from resolver.translog.entry import LogEntry
from resolver.translog.log import TransparencyLog

# --- RFC 9162, as written --------------------------------------------------------------------


def rfc_leaf(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def rfc_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def rfc_mth(entries: list[bytes]) -> bytes:
    """2.1.1: MTH({}) = SHA-256(); MTH({d0}) = leaf; else split at the largest power of two < n."""
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return rfc_leaf(entries[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return rfc_node(rfc_mth(entries[:k]), rfc_mth(entries[k:]))


def rfc_mth_of(leaves: list[bytes], lo: int, hi: int, kept: dict[tuple[int, int], bytes]) -> bytes:
    """MTH(leaves[lo:hi]) by the same rule as :func:`rfc_mth`, each subtree's hash kept in ``kept``.

    The test asks for the roots of ~6,000 prefixes of one growing list: recomputed each time that
    is 6 million hashes per store. ``leaves`` only grows, so a range's hash never changes."""
    found = kept.get((lo, hi))
    if found is None:
        n = hi - lo
        if n == 0:
            found = hashlib.sha256(b"").digest()
        elif n == 1:
            found = rfc_leaf(leaves[lo])
        else:
            k = 1
            while k * 2 < n:
                k *= 2
            found = rfc_node(rfc_mth_of(leaves, lo, lo + k, kept), rfc_mth_of(leaves, lo + k, hi, kept))
        kept[(lo, hi)] = found
    return found


def rfc_verify_inclusion(
    leaf_index: int, tree_size: int, entry: bytes, path: list[bytes], root: bytes
) -> bool:
    """2.1.3.2, steps 1 to 6."""
    if leaf_index >= tree_size:
        return False
    fn, sn, r = leaf_index, tree_size - 1, rfc_leaf(entry)
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = rfc_node(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = rfc_node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def rfc_verify_consistency(
    first: int, second: int, first_hash: bytes, second_hash: bytes, proof: list[bytes]
) -> bool:
    """2.1.4.2, steps 1 to 8 (first == second with an empty proof accepted when the roots match)."""
    if first == second:
        return not proof and first_hash == second_hash
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path = [first_hash, *path]
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = rfc_node(c, fr)
            sr = rfc_node(c, sr)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = rfc_node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


# --- the node's log against it ---------------------------------------------------------------


def _entry(i: int) -> LogEntry:
    return LogEntry(f"88.100.1/BAT-{i}", 1, "2026-11-30T12:00:00Z", {"public": f"{i:064x}"})


async def _check_size(
    log: TransparencyLog,
    leaves: list[bytes],
    n: int,
    rng: random.Random,
    every: bool,
    kept: dict[tuple[int, int], bytes],
) -> None:
    roots = [rfc_mth(leaves[:m]) for m in range(n + 1)] if every else None
    if roots is not None:  # the kept hashes against the plain definition, for every size up to 40
        assert [rfc_mth_of(leaves, 0, m, kept) for m in range(n + 1)] == roots
    root = roots[n] if roots else rfc_mth_of(leaves, 0, n, kept)
    assert await log.root(n) == root
    indexes = range(n) if every else {0, n - 1, n // 2, rng.randrange(n)}
    for index in indexes:
        proof = await log.inclusion_at(index, n)
        assert proof.leaf == leaves[index]
        assert rfc_verify_inclusion(index, n, leaves[index], proof.path, root), (index, n)
        assert not rfc_verify_inclusion(index, n, leaves[index] + b" ", proof.path, root)
        # By passport version: from a complete subtree of 256 leaves on, the path above it is
        # the one kept from the proof just made, the 8 below read from the subtree's tile.
        assert await log.inclusion(_entry(index).identifier, 1, n) == proof
    firsts = range(1, n + 1) if every else {1, n, max(1, n - 1), max(1, n // 2), rng.randint(1, n)}
    for first in firsts:
        first_root = roots[first] if roots else rfc_mth_of(leaves, 0, first, kept)
        path = await log.consistency(first, n)
        assert rfc_verify_consistency(first, n, first_root, root, path), (first, n)
        if first < n:
            assert not rfc_verify_consistency(first, n, rfc_leaf(b"forged"), root, path)


@pytest.mark.slow
async def test_logs_of_1_to_1000_entries_prove_with_the_rfc_verifier(log: TransparencyLog) -> None:
    rng = random.Random(9162)
    leaves: list[bytes] = []
    kept: dict[tuple[int, int], bytes] = {}
    for i in range(1000):
        await log.append(_entry(i))
        leaves.append(_entry(i).leaf_bytes())
        await _check_size(log, leaves, i + 1, rng, every=i < 40, kept=kept)
