"""Announcements of successors to their predecessors' owners, as stored until acknowledged.

An announcement is written to the lifecycle store before the write that makes it is answered,
and removed only when the owner acknowledged it (recorded, already known) or refused it for
good; a node that stops meanwhile sends it again when it starts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import orjson

__all__ = ["Announcement"]


@dataclass(frozen=True, slots=True)
class Announcement:
    """``successor`` (held here, with ``status``) names ``predecessor``, whose owner is told."""

    successor: str
    predecessor: str
    status: str
    since: float  # when it was first stored (the node's clock)
    attempts: int = 0  # attempts made so far, across restarts
    last_error: str = ""

    @property
    def key(self) -> str:
        """The announcement's key in the store: one per (successor, predecessor)."""
        return f"{self.successor}\n{self.predecessor}"

    def failed(self, error: str) -> Announcement:
        return replace(self, attempts=self.attempts + 1, last_error=error[:300])

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> Announcement:
        data = orjson.loads(raw)
        return cls(
            successor=str(data["successor"]),
            predecessor=str(data["predecessor"]),
            status=str(data["status"]),
            since=float(data["since"]),
            attempts=int(data.get("attempts", 0)),
            last_error=str(data.get("last_error", "")),
        )
