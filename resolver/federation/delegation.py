"""The delegation cache: which configured node owns a prefix, learned from answers and referrals.

A node that reached a passport through a relay learns from the answer (``Passport-Owner``) or
from a referral which node owns its prefix, and asks that node first next time (the relay stays
the path behind it), as a DNS resolver keeps the delegations it was referred to. Only nodes of
this node's configuration are learned (their credentials, TLS and keys are known): a peer cannot
send this node's lookups to an address it names. Bounded in entries, each kept ``ttl`` seconds
by an injected clock.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Collection

from resolver.identifiers import claims
from resolver.lookup import Owner

__all__ = ["DelegationCache"]


class DelegationCache:
    """prefix -> owner node id, least recently learned or used dropped first."""

    def __init__(
        self,
        known: Collection[str],
        *,
        ttl: float,
        max_entries: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._known = frozenset(known)
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()  # prefix -> (node, expiry)
        self.ignored = 0  # owners named that are not nodes of this configuration

    def __len__(self) -> int:
        return len(self._entries)

    def learn(self, owner: Owner) -> bool:
        """Remember ``owner`` for its prefix; False (and nothing kept) for an unknown node."""
        if owner.node_id not in self._known or self._max <= 0 or self._ttl <= 0:
            self.ignored += owner.node_id not in self._known
            return False
        self._entries[owner.prefix] = (owner.node_id, self._clock() + self._ttl)
        self._entries.move_to_end(owner.prefix)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return True

    def owner(self, key: str) -> Owner | None:
        """The learned owner of the longest learned prefix covering ``key``, if not expired."""
        now = self._clock()
        best: Owner | None = None
        for prefix, (node_id, expires) in list(self._entries.items()):
            if expires <= now:
                del self._entries[prefix]
            elif claims(prefix, key) and (best is None or len(prefix) > len(best.prefix)):
                best = Owner(node_id, prefix)
        if best is not None:
            self._entries.move_to_end(best.prefix)
        return best

    def forget(self, prefix: str) -> None:
        self._entries.pop(prefix, None)
