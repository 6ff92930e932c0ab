"""The warning feed, subscriptions and dead letters: what delivery and the SSE stream read.

Every new warning is appended to one ordered feed (ids increase). Delivery claims entries from
it: with Redis through a consumer group, so of several node processes exactly one delivers
each warning; with SQLite one process holds a cursor. The SSE stream reads the feed after the
client's ``Last-Event-ID``.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

import orjson

from resolver.identifiers import claims
from resolver.lifecycle.eventstore import Warning

__all__ = ["Claim", "DeadLetter", "Entry", "Subscription", "WarningFeed"]

Entry = tuple[str, Warning]  # (feed id, warning)


@dataclass(frozen=True, slots=True)
class Subscription:
    """Who wants which warnings, and how. ``kind`` is ``webhook`` (``url``, ``secret``) or ``sse``.

    Filters: an empty tuple lets everything through; ``handles`` and ``prefixes`` together
    let through a warning that either names.
    """

    id: str
    owner: str
    kind: str
    url: str = ""
    secret: str = ""
    handles: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    created: float = 0.0
    start: str = ""  # the feed's last id when the subscription was made: its stream begins after it

    def wants(self, warning: Warning) -> bool:
        if self.handles or self.prefixes:
            named = warning.handle in self.handles or any(claims(p, warning.handle) for p in self.prefixes)
            if not named:
                return False
        if self.rules and warning.rule not in self.rules:
            return False
        return not (self.severities and warning.severity not in self.severities)

    def public(self) -> dict[str, Any]:
        """The subscription as shown back (without its secret)."""
        shown = asdict(self)
        shown.pop("secret")
        return shown

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> Subscription:
        data: dict[str, Any] = orjson.loads(raw)
        for name in ("handles", "prefixes", "rules", "severities"):
            data[name] = tuple(data.get(name, ()))
        return cls(**data)

    @staticmethod
    def new_id() -> str:
        return "s-" + secrets.token_hex(8)


@dataclass(frozen=True, slots=True)
class Claim:
    """Entries claimed for delivery and the subscriptions as they stood when the claim was
    answered (read with it: delivery needs no round trip of its own for them)."""

    entries: list[Entry]
    subscriptions: list[Subscription]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A warning a webhook did not take after every attempt."""

    id: str  # the feed id of the warning
    subscription: str
    warning: Warning
    attempts: int
    last_error: str
    failed_at: float
    errors: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> bytes:
        data = asdict(self)
        data["warning"] = orjson.loads(self.warning.to_json())
        return orjson.dumps(data)

    @classmethod
    def from_json(cls, raw: bytes | str) -> DeadLetter:
        data: dict[str, Any] = orjson.loads(raw)
        data["warning"] = Warning(**data["warning"])
        data["errors"] = tuple(data.get("errors", ()))
        return cls(**data)


@runtime_checkable
class WarningFeed(Protocol):
    async def publish(self, warnings: Sequence[Warning]) -> list[str]:
        """Append warnings to the feed; their feed ids, in order."""
        ...

    async def read(self, after: str | None, *, limit: int = 100, wait: float = 0.0) -> list[Entry]:
        """Entries after ``after`` (None: from the start), waiting up to ``wait`` s for one."""
        ...

    async def last_id(self) -> str:
        """The id of the newest entry ("" for an empty feed)."""
        ...

    async def claim(self, consumer: str, *, limit: int = 100, wait: float = 1.0) -> Claim:
        """Entries no consumer of this node has claimed yet (each is claimed once), waiting up
        to ``wait`` s for one (woken by a publish, not polled); with the subscriptions."""
        ...

    async def reclaim(self, consumer: str, *, idle: float, limit: int = 100) -> list[Entry]:
        """Entries another consumer claimed ``idle`` seconds ago or more and never finished (it
        died): now this consumer's."""
        ...

    async def done(self, entry_ids: Sequence[str]) -> None:
        """Mark claimed entries as handled."""
        ...

    async def add_subscription(self, subscription: Subscription) -> None: ...

    async def subscription(self, sid: str) -> Subscription | None: ...

    async def subscriptions(self) -> list[Subscription]: ...

    async def add_dead_letter(self, letter: DeadLetter) -> None: ...

    async def dead_letters(self, sid: str) -> list[DeadLetter]: ...

    async def remove_dead_letter(self, sid: str, entry_id: str) -> DeadLetter | None: ...

    async def aclose(self) -> None: ...
