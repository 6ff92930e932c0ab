"""How a store tells a follower of its change feed that the feed moved, so that it need not poll.

- ``WriteListeners``: a store calls ``notify()`` after each write this process made (on the
  event loop, after the write is committed); a follower adds a callback (``add``).
- ``WatchesFeeds``: a store whose feed a follower can wait on, for writes of other processes
  too (Redis: a blocking XREAD over every partition's feed); ``feed_watch`` says whether it can
  (a Redis Cluster cannot: its partitions' feeds are on different slots).

A follower still polls, less often, as the fallback for what neither reports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

__all__ = ["NotifiesWrites", "WatchesFeeds", "WriteListeners"]


class WriteListeners:
    """Callbacks run after each write of this process (they must not block or raise)."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[], None]] = []

    def add(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback`` after every write; returns what removes it."""
        self._callbacks.append(callback)

        def remove() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return remove

    def notify(self) -> None:
        for callback in tuple(self._callbacks):
            callback()


@runtime_checkable
class NotifiesWrites(Protocol):
    written: WriteListeners


@runtime_checkable
class WatchesFeeds(Protocol):
    @property
    def feed_watch(self) -> bool:
        """Whether ``wait_for_changes`` blocks on the store (else it cannot be used)."""
        ...

    async def wait_for_changes(self, since: Sequence[int], block: float) -> list[int]:
        """Wait up to ``block`` seconds for a change after ``since`` (a position per feed
        partition); the last sequence seen in each partition (``since`` where none came)."""
        ...
