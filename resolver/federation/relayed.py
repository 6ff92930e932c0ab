"""Invalidations a relay passes on: the keys of copies it dropped because their owner's feed
named them, so that the nodes that cache those copies from it drop theirs too.

Published in this node's ``/changes`` beside its own store's changes (``relayed``), with a
cursor ``EPOCH.SEQ``. The log is kept in process and bounded; a follower whose cursor is of
another epoch (this process restarted, or dropped a whole source) or fell out of the log drops
every copy it has from this node, as on a feed that went back.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass

__all__ = ["RelayedChanges", "RelayedPage"]


@dataclass(frozen=True, slots=True)
class RelayedPage:
    """What a follower gets: the cursor to ask from next, the keys, and whether it must reset."""

    cursor: str
    keys: tuple[str, ...]
    reset: bool = False

    def to_json(self) -> dict[str, object]:
        return {"cursor": self.cursor, "keys": list(self.keys), "reset": self.reset}


class RelayedChanges:
    """A bounded log of relayed invalidations: (seq, key), oldest dropped first."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._log: deque[tuple[int, str]] = deque(maxlen=max_entries)
        self._seq = 0
        self._epoch = secrets.token_hex(6)

    @property
    def cursor(self) -> str:
        return f"{self._epoch}.{self._seq}"

    def record(self, key: str) -> None:
        self._seq += 1
        self._log.append((self._seq, key))

    def reset(self) -> None:
        """Forget the log and start a new epoch: every follower drops its copies from here."""
        self._log.clear()
        self._epoch = secrets.token_hex(6)

    def since(self, cursor: str | None, *, limit: int = 1000) -> RelayedPage:
        """The keys after ``cursor`` (None: none, only where the log is now)."""
        if cursor is None:
            return RelayedPage(self.cursor, ())
        epoch, _, seen = cursor.partition(".")
        if epoch != self._epoch or not seen.isdigit() or int(seen) > self._seq:
            return RelayedPage(self.cursor, (), reset=True)
        after = int(seen)
        oldest = self._log[0][0] if self._log else self._seq + 1
        if after + 1 < oldest and after < self._seq:
            return RelayedPage(self.cursor, (), reset=True)  # fell out of the log
        found = [(seq, key) for seq, key in self._log if seq > after][:limit]
        last = found[-1][0] if found else after
        return RelayedPage(f"{self._epoch}.{last}", tuple(dict.fromkeys(key for _, key in found)))
