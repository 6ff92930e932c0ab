"""Watching peers' logs: each peer's signed tree head is fetched and checked against the last
one seen from it. Two heads that are not consistent (a fork, or a log that shrank) mark the
peer forked until an operator clears it; the federation refuses a forked peer's answers and
``/healthz`` and ``/metrics`` report it (:meth:`HeadMonitor.status`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from resolver.integrity.proofs import KeyResolver
from resolver.integrity.remote import NodeClient, Unreachable
from resolver.translog.audit import AuditFailed, check_consistency, checked_head
from resolver.translog.heads import SignedTreeHead

__all__ = ["HeadMonitor", "PeerLog"]


@dataclasses.dataclass(slots=True)
class PeerLog:
    """What is known of one peer's log."""

    head: SignedTreeHead | None = None
    forked: str | None = None  # why, once a fork is seen
    last_error: str | None = None  # the last check that could not be made (not a fork)


class HeadMonitor:
    """Per peer: the last head seen, checked with the peer's pinned keys."""

    def __init__(self, keys: Mapping[str, KeyResolver]) -> None:
        self._keys = keys
        self._peers: dict[str, PeerLog] = {peer: PeerLog() for peer in keys}

    def forked(self, peer: str) -> bool:
        state = self._peers.get(peer)
        return state is not None and state.forked is not None

    async def check(self, peer: str, node: NodeClient) -> PeerLog:
        """Fetch the peer's head and check it extends the last one seen; the peer's state."""
        state = self._peers.setdefault(peer, PeerLog())
        keys = self._keys.get(peer)
        if state.forked is not None:
            return state
        if keys is None:
            state.last_error = f"no keys are pinned for {peer}"
            return state
        try:
            head = await checked_head(node, keys)
            if state.head is not None:
                await check_consistency(node, state.head, head)
        except AuditFailed as err:
            state.forked = str(err)
            return state
        except Unreachable as err:
            state.last_error = str(err)
            return state
        state.head, state.last_error = head, None
        return state

    def clear(self, peer: str) -> None:
        """An operator's decision that the peer's log may be trusted again from its next head."""
        self._peers[peer] = PeerLog()

    def status(self) -> dict[str, Any]:
        """Per peer: tree size seen, and the fork or the last error if any (for /healthz)."""
        return {
            peer: {
                "tree_size": None if state.head is None else state.head.tree_size,
                "forked": state.forked,
                "error": state.last_error,
            }
            for peer, state in sorted(self._peers.items())
        }
