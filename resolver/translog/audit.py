"""Auditing a node's log from outside: its signed head, a version's inclusion, the consistency
of two heads, and every entry. What the node says is checked with RFC 9162's verification
algorithms; nothing is taken on trust but the node's key."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from datetime import UTC, datetime
from urllib.parse import quote

from resolver.errors import ResolverError
from resolver.integrity.proofs import KeyResolver
from resolver.integrity.remote import NodeClient, Unreachable
from resolver.translog import merkle
from resolver.translog.entry import LogEntry
from resolver.translog.heads import SignedTreeHead

__all__ = ["Audit", "AuditFailed", "audit_log", "check_consistency", "check_inclusion", "checked_head"]


class AuditFailed(Exception):
    """The node's log does not hold up: a bad signature, a proof that fails, a fork."""


@dataclasses.dataclass(frozen=True, slots=True)
class Audit:
    head: SignedTreeHead
    entries_checked: int
    consistent_with: int | None  # the size of the earlier head checked against, if any


def _hashes(values: object, what: str) -> list[bytes]:
    if not isinstance(values, list):
        raise Unreachable(f"the node's {what} is not a list of base64 hashes")
    try:
        return [base64.b64decode(value, validate=True) for value in values]
    except (TypeError, ValueError) as err:
        raise Unreachable(f"the node's {what} is not a list of base64 hashes") from err


async def checked_head(node: NodeClient, keys: KeyResolver | None = None) -> SignedTreeHead:
    """The node's current signed tree head, its signature checked with the node's key: one of
    ``keys`` (pinned) when given, else the key document the node serves."""
    head = SignedTreeHead.from_json(await node.get_json("/log/sth"))
    if keys is None:
        key = await node.key(head.key)
    else:
        try:
            key = keys(head.key)
        except ResolverError as err:
            raise AuditFailed(
                f"the tree head is signed by {head.key}, not a pinned key: {err.detail}"
            ) from err
    if not head.verify(key.public_key):
        raise AuditFailed(f"the signed tree head of size {head.tree_size} has a bad signature")
    signed_at = datetime.fromtimestamp(head.timestamp / 1000, UTC)
    if key.valid_until is not None and signed_at >= key.valid_until:
        raise AuditFailed(f"the tree head was signed by {head.key} after the key was retired")
    return head


async def check_inclusion(node: NodeClient, head: SignedTreeHead, identifier: str, version: int) -> LogEntry:
    """The logged entry of a passport version, proved included in ``head``'s tree."""
    answer = await node.get_json(
        f"/log/proof/inclusion?id={quote(identifier, safe='')}&version={version}&tree_size={head.tree_size}"
    )
    try:
        index, leaf = int(answer["leaf_index"]), base64.b64decode(answer["leaf"], validate=True)
        path = _hashes(answer["inclusion_path"], "inclusion path")
    except (KeyError, TypeError, ValueError) as err:
        raise Unreachable(f"the node's inclusion proof is malformed: {err}") from err
    if not merkle.verify_inclusion(index, head.tree_size, merkle.leaf_hash(leaf), path, head.root_hash):
        raise AuditFailed(f"the inclusion proof of {identifier} version {version} (leaf {index}) fails")
    entry = LogEntry.from_leaf_bytes(leaf)
    if (entry.identifier, entry.version) != (identifier, version):
        raise AuditFailed(
            f"leaf {index} logs {entry.identifier} version {entry.version}, not the one asked for"
        )
    return entry


async def check_consistency(node: NodeClient, old: SignedTreeHead, new: SignedTreeHead) -> None:
    """That ``new`` extends ``old``; AuditFailed (a fork, or a log that shrank) otherwise."""
    if old.tree_size > new.tree_size:
        raise AuditFailed(f"rollback: the log shrank from {old.tree_size} to {new.tree_size} entries")
    if old.tree_size == 0:
        return
    if old.tree_size == new.tree_size:
        if old.root_hash != new.root_hash:
            raise AuditFailed(f"two heads of size {new.tree_size} have different roots: a fork")
        return
    answer = await node.get_json(f"/log/proof/consistency?first={old.tree_size}&second={new.tree_size}")
    proof = _hashes(answer.get("consistency_path") if isinstance(answer, dict) else None, "consistency proof")
    if not merkle.verify_consistency(old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof):
        raise AuditFailed(
            f"the head of size {new.tree_size} is not consistent with the one of size {old.tree_size}"
        )


async def audit_log(
    node: NodeClient, last: SignedTreeHead | None, *, parallel: int = 16, page: int = 1000
) -> Audit:
    """Check the whole log: the head, every entry's inclusion proof, the root rebuilt from the
    entries, and consistency with ``last`` (the head seen at the previous audit)."""
    head = await checked_head(node)
    if last is not None:
        await check_consistency(node, last, head)
    leaves: list[bytes] = []
    while len(leaves) < head.tree_size:
        start = len(leaves)
        end = min(head.tree_size, start + page) - 1
        answer = await node.get_json(f"/log/entries?start={start}&end={end}")
        got = [base64.b64decode(item["leaf"]) for item in answer.get("entries", [])]
        if not got:
            raise Unreachable(f"the node gave no entries from {start}")
        leaves += got
    nodes = merkle.new_nodes(0, [merkle.leaf_hash(leaf) for leaf in leaves[: head.tree_size]], {})
    if merkle.evaluate(merkle.frontier(head.tree_size), nodes) != head.root_hash:
        raise AuditFailed(f"the entries do not hash to the signed root of size {head.tree_size}")
    limit = asyncio.Semaphore(parallel)

    async def one(leaf: bytes) -> None:
        entry = LogEntry.from_leaf_bytes(leaf)
        async with limit:
            await check_inclusion(node, head, entry.identifier, entry.version)

    await asyncio.gather(*(one(leaf) for leaf in leaves[: head.tree_size]))
    return Audit(head, head.tree_size, None if last is None else last.tree_size)
