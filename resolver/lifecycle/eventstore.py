"""The event store protocol: append-only events and readings per passport, and warnings.

Events are kept whole (their EPCIS JSON) and keyed by ``eventID``: appending an event whose id
is already stored for that passport changes nothing (idempotent). Readings are the time series
per passport and data point. Warnings are the one thing that changes after it is written: an
operator acknowledges them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

import orjson

from resolver.jsontypes import JSONObject
from resolver.lifecycle.announcements import Announcement
from resolver.lifecycle.compact import expand
from resolver.lifecycle.readings import Reading, StoredEvent
from resolver.lifecycle.status import StatusChange

__all__ = ["Appended", "EventRow", "EventStore", "Raising", "Warning"]


@dataclass(frozen=True, slots=True)
class EventRow:
    """An event as read back: its id, time, EPCIS type and JSON body (bytes)."""

    event_id: str
    time: float
    type: str
    body: bytes

    def epcis(self) -> JSONObject:
        """The event as EPCIS JSON (a compact reading, stored as a JSON array, expanded)."""
        if self.body[:1] == b"[":
            return expand(self.body, self.event_id, self.time)
        event: JSONObject = orjson.loads(self.body)
        return event


@dataclass(frozen=True, slots=True)
class Warning:
    """A warning raised by a rule. ``id`` is derived from the rule and what triggered it, so a
    re-evaluation of the same reading raises nothing new."""

    id: str
    handle: str
    rule: str
    severity: str  # "warning" or "critical"
    time: float  # when the condition was observed (the reading's time)
    raised: float  # the node's clock when the warning was stored
    message: str
    data_point: str = ""
    value: float | None = None
    event_id: str = ""
    acked_by: str = ""
    acked_at: float | None = None

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> Warning:
        data: dict[str, Any] = orjson.loads(raw)
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Appended:
    """What an append did: the event ids stored now, and those already there."""

    stored: tuple[str, ...]
    duplicates: tuple[str, ...]
    raised: tuple[Warning, ...] = ()  # the new ones of the warnings the append was given


Raising = tuple[str, Warning]  # (the id of the event whose reading raised it, the warning)


@runtime_checkable
class EventStore(Protocol):
    """Events, readings and warnings of many passports (keyed by the passport's handle)."""

    #: True when ``add_warnings`` also appends the new warnings to the warning feed in the same
    #: step (Redis: one script): nothing to publish after it, nothing left unpublished.
    publishes: bool

    async def append(
        self, handle: str, events: Sequence[StoredEvent], raising: Sequence[Raising] = ()
    ) -> Appended:
        """Store new events and their readings, all or nothing; known event ids are skipped.
        In the same step, each of ``raising`` (event id, warning) whose event this append
        stored is stored as ``add_warnings`` would (the new ones in ``Appended.raised``)."""
        ...

    async def events(
        self, handle: str, *, since: float | None = None, until: float | None = None, limit: int = 1000
    ) -> list[EventRow]:
        """Events with ``since <= time < until``, oldest first."""
        ...

    async def series(
        self,
        handle: str,
        data_point: str,
        *,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100_000,
    ) -> list[Reading]:
        """Readings of one data point with ``since <= time < until``, oldest first."""
        ...

    async def latest(self, handle: str, data_point: str, *, at: float | None = None) -> Reading | None:
        """The latest reading of one data point (``at``: the latest not after that time), or None."""
        ...

    async def revision(self, handle: str) -> int:
        """A number that grows with every stored event and status change of the passport."""
        ...

    async def last_reading(self, handle: str) -> float | None:
        """The time of the passport's latest reading of any data point, or None."""
        ...

    async def quiet_since(self, before: float) -> list[tuple[str, float]]:
        """Passports whose latest reading is older than ``before``: (handle, its time)."""
        ...

    async def add_warnings(self, warnings: Sequence[Warning]) -> list[Warning]:
        """Store warnings whose id is new, in the same step marked unpublished (or, when
        ``publishes``, appended to the feed); return those (the ones to deliver)."""
        ...

    async def published(self, warnings: Sequence[Warning]) -> None:
        """The feed took ``warnings``: no longer published again at start."""
        ...

    async def unpublished(self) -> list[Warning]:
        """Warnings stored (``add_warnings``) that the feed may not have taken: a process
        stopped between the two. Oldest first."""
        ...

    async def warnings(self, handle: str) -> list[Warning]:
        """The passport's warnings, oldest first."""
        ...

    async def ack(self, handle: str, warning_id: str, *, by: str, at: float) -> Warning | None:
        """Acknowledge a warning (the first acknowledgement stands); None if there is none."""
        ...

    async def status_changes(self, handle: str) -> list[StatusChange]:
        """The passport's status changes, oldest first."""
        ...

    async def add_status_change(self, handle: str, change: StatusChange, *, expected: int) -> bool:
        """Append ``change`` if the passport has exactly ``expected`` changes (else False)."""
        ...

    async def put_announcement(self, announcement: Announcement) -> None:
        """Store ``announcement`` (replacing the one for the same successor and predecessor)."""
        ...

    async def announcements(self) -> list[Announcement]:
        """Every announcement not yet acknowledged, oldest first."""
        ...

    async def end_announcement(self, announcement: Announcement) -> None:
        """Remove ``announcement`` (acknowledged, or refused for good)."""
        ...

    async def set_rules(self, prefix: str, overrides: Mapping[str, float]) -> None:
        """Replace the warning-rule settings an operator set for ``prefix`` (empty: remove)."""
        ...

    async def rules(self) -> dict[str, dict[str, float]]:
        """Every prefix's warning-rule settings."""
        ...

    async def aclose(self) -> None: ...
