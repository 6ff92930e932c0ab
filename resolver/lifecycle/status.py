"""The battery's status (Annex XIII 4(c), dp 67) and the transitions between statuses.

The five statuses are CIRPASS-2's battery status vocabulary (``skos:notation``). Which moves
are legal is ours, from the regulation's meaning of each: a battery never becomes original
again, and waste is final.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import orjson

from resolver.errors import Conflict, InputError

__all__ = ["STATUSES", "IllegalTransition", "StatusChange", "check_transition"]

STATUSES = ("original", "re-used", "repurposed", "remanufactured", "waste")
_AFTER_FIRST_LIFE = frozenset({"re-used", "repurposed", "remanufactured", "waste"})
ALLOWED: dict[str, frozenset[str]] = {
    "original": _AFTER_FIRST_LIFE,
    "re-used": _AFTER_FIRST_LIFE,  # a repaired battery is re-used again (CIRPASS-2 scope note)
    "repurposed": _AFTER_FIRST_LIFE,
    "remanufactured": _AFTER_FIRST_LIFE,
    "waste": frozenset(),
}


class IllegalTransition(Conflict):
    """409: a status change the rules do not allow; ``rule`` names the rule."""

    slug = "illegal-status-transition"
    title = "Illegal status transition"


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One change of status, by whom and when; ``successors`` name the passports of the battery
    (or its parts) in its next life, on this node or another."""

    status: str
    previous: str
    time: float
    by: str
    successors: tuple[str, ...] = ()
    note: str = ""

    def to_json(self) -> bytes:
        return orjson.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> StatusChange:
        data: dict[str, Any] = orjson.loads(raw)
        data["successors"] = tuple(data.get("successors", ()))
        return cls(**data)


def check_transition(current: str, new: str) -> None:
    """Raise InputError for an unknown status, IllegalTransition for a move the rules forbid."""
    if new not in STATUSES:
        raise InputError(f"status {new[:40]!r} is not one of {', '.join(STATUSES)}")
    if new in ALLOWED.get(current, frozenset()):
        return
    if current == "waste":
        raise IllegalTransition(
            f"{current} -> {new}: waste is final; a waste battery is not placed on the market again",
            rule="waste-is-final",
            current=current,
        )
    raise IllegalTransition(
        f"{current} -> {new}: a battery does not return to its original status",
        rule="no-return-to-original",
        current=current,
    )
