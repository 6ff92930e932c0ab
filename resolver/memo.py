"""One small memo for every in-process cache of the node: bounded in bytes, least recently used
dropped first.

Each user says what an entry costs (``size``); the memo never holds more than ``max_bytes`` of
them, and refuses an entry larger than a quarter of the budget (one large entry should not
empty the memo). ``memoize`` wraps a one-argument function with a memo.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["ENTRY_OVERHEAD", "Memo", "memoize", "text_size"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
A = TypeVar("A", bound=Hashable)
R = TypeVar("R")

# What a dict entry with a small key and value costs beyond their payload, roughly (bytes).
ENTRY_OVERHEAD = 100


def text_size(key: object, value: str | bytes) -> int:
    """The cost of an entry whose value is text or bytes (the key counted as small)."""
    return len(value) + ENTRY_OVERHEAD


class Memo(Generic[K, V]):
    """A mapping bounded in bytes; a hit makes an entry the most recently used."""

    __slots__ = ("_bytes", "_entries", "_max_bytes", "_size")

    def __init__(self, max_bytes: int, size: Callable[[K, V], int]) -> None:
        self._max_bytes = max_bytes
        self._size = size
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: K) -> bool:
        return key in self._entries

    @property
    def bytes(self) -> int:
        """What the entries held now cost, by their ``size``."""
        return self._bytes

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is None:
            return None
        self._entries.move_to_end(key)
        return found[0]

    def peek(self, key: K) -> V | None:
        """``get`` without making the entry the most recently used: for lookups so frequent that
        reordering would cost more than the order is worth (a hit then keeps no entry longer)."""
        found = self._entries.get(key)
        return None if found is None else found[0]

    def put(self, key: K, value: V) -> None:
        """Keep ``value`` under ``key`` (dropping the least recently used to make room)."""
        cost = self._size(key, value)
        self.pop(key)
        if cost > self._max_bytes // 4:
            return
        entries = self._entries
        while entries and self._bytes + cost > self._max_bytes:
            self._bytes -= entries.popitem(last=False)[1][1]
        entries[key] = (value, cost)
        self._bytes += cost

    def pop(self, key: K) -> V | None:
        found = self._entries.pop(key, None)
        if found is None:
            return None
        self._bytes -= found[1]
        return found[0]

    def clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def items(self) -> list[tuple[K, V]]:
        """A snapshot of the entries, least recently used first (reading it is not a use)."""
        return [(key, value) for key, (value, _) in self._entries.items()]


def memoize(function: Callable[[A], R], *, max_bytes: int, size: Callable[[A, R], int]) -> Callable[[A], R]:
    """``function`` with its results kept in a ``Memo`` (for pure functions of one argument)."""
    memo: Memo[A, R] = Memo(max_bytes, size)

    def memoized(arg: A) -> R:
        found = memo.get(arg)
        if found is None:
            found = function(arg)
            memo.put(arg, found)
        return found

    memoized.__doc__ = function.__doc__
    return memoized
