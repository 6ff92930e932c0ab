"""A log entry: one passport version, when it was written, and the SHA-256 of each tier view's
canonical N-Quads. Its leaf bytes are JSON with sorted keys and no spaces, kept exactly."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping

import orjson

from resolver.errors import DocumentError

__all__ = ["LogEntry"]


@dataclasses.dataclass(frozen=True, slots=True)
class LogEntry:
    identifier: str
    version: int
    time: str
    views: Mapping[str, str]  # tier name -> SHA-256 (hex) of the view's canonical N-Quads

    @classmethod
    def of_views(cls, identifier: str, version: int, time: str, nquads: Mapping[str, bytes]) -> LogEntry:
        """The entry for a version whose tier views have these canonical N-Quads."""
        views = {tier: hashlib.sha256(data).hexdigest() for tier, data in nquads.items()}
        return cls(identifier, version, time, views)

    def leaf_bytes(self) -> bytes:
        return orjson.dumps(
            {"id": self.identifier, "version": self.version, "time": self.time, "views": dict(self.views)},
            option=orjson.OPT_SORT_KEYS,
        )

    @classmethod
    def from_leaf_bytes(cls, data: bytes) -> LogEntry:
        try:
            doc = orjson.loads(data)
            if not isinstance(doc, dict) or not isinstance(doc.get("views"), dict):
                raise TypeError("not a JSON object with views")
            entry = cls(str(doc["id"]), int(doc["version"]), str(doc["time"]), dict(doc["views"]))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as err:
            raise DocumentError(f"not a log entry: {err}") from err
        if entry.leaf_bytes() != data:
            raise DocumentError("a log entry's bytes are not in the log's canonical form")
        return entry

    def names(self, tier: str, nquads: bytes) -> bool:
        """Whether this entry records ``nquads`` as the canonical N-Quads of ``tier``'s view."""
        return self.views.get(tier) == hashlib.sha256(nquads).hexdigest()
