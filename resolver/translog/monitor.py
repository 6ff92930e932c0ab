"""Watching peers' logs: each peer's signed tree head is fetched and checked against the last
one seen from it, and against the heads of it that other nodes saw (``/log/peers``). Two heads
that are not consistent (a fork), a log that shrank or a head older than one seen (a rollback)
mark the peer until an operator clears it; the federation refuses a forked peer's answers and
``/healthz`` and ``/metrics`` report it (:meth:`HeadMonitor.status`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TypedDict

from resolver.errors import ResolverError
from resolver.integrity.proofs import KeyResolver
from resolver.integrity.remote import NodeClient, Unreachable
from resolver.translog.audit import AuditFailed, check_consistency, checked_head
from resolver.translog.heads import SignedTreeHead
from resolver.translog.marks import ForkMarks

__all__ = ["HeadMonitor", "PeerLog", "PeerLogStatus"]

Clock = Callable[[], float]
# (peer id, outcome) for each check: "ok", "fork", "error" (the /metrics counter's labels)
OnCheck = Callable[[str, str], None]
# Told the peer id once, when a peer is first marked forked (the node drops its cached copies).
OnFork = Callable[[str], object]


@dataclasses.dataclass(slots=True)
class PeerLog:
    """What is known of one peer's log."""

    head: SignedTreeHead | None = None
    forked: str | None = None  # why, once a fork or a rollback is seen
    last_error: str | None = None  # the last check that could not be made (not a fork)
    checked_at: float | None = None  # clock time of the last check that got a head


class PeerLogStatus(TypedDict):
    tree_size: int | None
    forked: str | None
    error: str | None
    head_age_s: float | None  # by the monitor's clock, from the head's own timestamp


class HeadMonitor:
    """Per peer: the last head seen, checked with the peer's pinned keys."""

    def __init__(
        self,
        keys: Mapping[str, KeyResolver],
        *,
        clock: Clock | None = None,
        on_check: OnCheck | None = None,
        on_fork: OnFork | None = None,
        marks: ForkMarks | None = None,
    ) -> None:
        """``marks``: where fork marks are kept across restarts (those in it are marked now)."""
        self._keys = keys
        self._peers: dict[str, PeerLog] = {peer: PeerLog() for peer in keys}
        self._clock = clock
        self._on_check = on_check
        self._on_fork = on_fork
        self._marks = marks
        for peer, why in (marks.load() if marks is not None else {}).items():
            self._peers[peer] = PeerLog(forked=why)

    @property
    def peers(self) -> tuple[str, ...]:
        return tuple(sorted(self._keys))

    def forked(self, peer: str) -> bool:
        state = self._peers.get(peer)
        return state is not None and state.forked is not None

    def head(self, peer: str) -> SignedTreeHead | None:
        state = self._peers.get(peer)
        return None if state is None else state.head

    def _count(self, peer: str, outcome: str) -> None:
        if self._on_check is not None:
            self._on_check(peer, outcome)

    def _mark(self, peer: str, state: PeerLog, why: str) -> PeerLog:
        if state.forked is None:
            state.forked = why
            self._count(peer, "fork")
            if self._marks is not None:
                self._marks.mark(peer, why)
            if self._on_fork is not None:
                self._on_fork(peer)
        return state

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
                _no_rollback(state.head, head)
                await check_consistency(node, state.head, head)
        except AuditFailed as err:
            return self._mark(peer, state, str(err))
        except (Unreachable, ResolverError) as err:
            state.last_error = getattr(err, "detail", None) or str(err)
            self._count(peer, "error")
            return state
        state.head, state.last_error = head, None
        state.checked_at = None if self._clock is None else self._clock()
        self._count(peer, "ok")
        return state

    async def compare(self, peer: str, seen: SignedTreeHead, node: NodeClient, *, by: str) -> PeerLog:
        """Check a head of ``peer`` that another node (``by``) was shown against the last one
        seen here, with a consistency proof asked of ``peer`` (``node``): a peer that shows
        two nodes two histories is marked forked. A head not signed by a pinned key is ignored
        (the other node's word is not evidence)."""
        state = self._peers.setdefault(peer, PeerLog())
        keys = self._keys.get(peer)
        if state.forked is not None or keys is None or state.head is None:
            return state
        try:
            key = keys(seen.key)
        except ResolverError:
            return state
        if not seen.verify(key.public_key):
            return state
        if seen.tree_size > state.head.tree_size:
            await self.check(peer, node)  # the peer's log now: it only grows, so it holds ``seen``
            if state.forked is not None or state.head is None:
                return state
            if seen.tree_size > state.head.tree_size:
                why = f"{by} saw a head of size {seen.tree_size}, and the log shows {state.head.tree_size}"
                return self._mark(peer, state, why)
        mine = state.head
        old, new = (mine, seen) if mine.tree_size <= seen.tree_size else (seen, mine)
        try:
            await check_consistency(node, old, new)
        except AuditFailed as err:
            return self._mark(peer, state, f"the head {by} saw does not agree with the one seen here: {err}")
        except Unreachable as err:
            state.last_error = str(err)
        return state

    def clear(self, peer: str) -> None:
        """An operator's decision that the peer's log may be trusted again from its next head."""
        self._peers[peer] = PeerLog()
        if self._marks is not None:
            self._marks.clear(peer)

    def marked(self) -> list[str]:
        """The peers marked forked."""
        return sorted(peer for peer, state in self._peers.items() if state.forked is not None)

    def seen(self) -> dict[str, SignedTreeHead]:
        """The last head of each peer that is not forked (what ``/log/peers`` shows others)."""
        return {
            peer: state.head
            for peer, state in sorted(self._peers.items())
            if state.head is not None and state.forked is None
        }

    def status(self) -> dict[str, PeerLogStatus]:
        """Per peer: tree size seen, the fork or the last error if any, the head's age."""
        now = None if self._clock is None else self._clock()
        return {
            peer: {
                "tree_size": None if state.head is None else state.head.tree_size,
                "forked": state.forked,
                "error": state.last_error,
                "head_age_s": (
                    None
                    if now is None or state.head is None
                    else round(max(0.0, now - state.head.timestamp / 1000), 3)
                ),
            }
            for peer, state in sorted(self._peers.items())
        }


def _no_rollback(old: SignedTreeHead, new: SignedTreeHead) -> None:
    """A larger tree signed earlier than a head already seen is a rollback (a log restored and
    grown again). Two heads of one size may differ in time (two processes signed it)."""
    if new.tree_size > old.tree_size and new.timestamp < old.timestamp:
        raise AuditFailed(
            f"rollback: the head of size {new.tree_size} was signed at {new.timestamp} ms, "
            f"before the head of size {old.tree_size} already seen ({old.timestamp} ms)"
        )
